"""AI-generated content labels (DOMAIN.md): the one contract for every generated file.

Visible: "AI生成" drawn in a corner of every frame. Implicit, in the file's metadata:
- PNG: tEXt chunk "AIGC" with {"Label": "1", "ContentProducer": "manju-studio",
  "ProduceID": "<job uuid>"} and tEXt chunk "manju:provenance" with the job provenance.
- MP4: container metadata keys "AIGC" and "manju_provenance" with the same JSON (written
  with movflags=use_metadata_tags so custom keys survive).
`read_implicit_label(path)` and `read_provenance(path)` read either format back.
"""

import json
from functools import lru_cache
from pathlib import Path

import numpy as np

PRODUCER = "manju-studio"
VISIBLE_TEXT = "AI生成"
FONT_CANDIDATES = [
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
]


def implicit_label(job_id) -> dict:
    return {"Label": "1", "ContentProducer": PRODUCER, "ProduceID": str(job_id)}


def _dumps(value: dict) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


@lru_cache(maxsize=1)
def _font_path() -> str | None:
    for candidate in FONT_CANDIDATES:
        if Path(candidate).exists():
            return candidate
    try:
        import subprocess

        found = subprocess.run(
            ["fc-match", "-f", "%{file}", ":lang=zh"], capture_output=True, text=True,
            timeout=5,
        ).stdout.strip()
        return found or None
    except (OSError, subprocess.SubprocessError):
        return None


@lru_cache(maxsize=16)
def label_rgba(height: int) -> np.ndarray:
    """The visible label, an RGBA uint8 array `height` pixels tall: white "AI生成" on a
    translucent dark plate."""
    from PIL import Image, ImageDraw, ImageFont

    size = max(6, int(height * 0.7))
    path = _font_path()
    font = ImageFont.truetype(path, size) if path else ImageFont.load_default(size)
    probe = ImageDraw.Draw(Image.new("RGBA", (1, 1)))
    left, top, right, bottom = probe.textbbox((0, 0), VISIBLE_TEXT, font=font)
    pad = max(1, height // 6)
    width = right - left + 2 * pad
    plate = Image.new("RGBA", (width, height), (0, 0, 0, 150))
    draw = ImageDraw.Draw(plate)
    draw.text(
        (pad - left, (height - (bottom - top)) // 2 - top), VISIBLE_TEXT, font=font,
        fill=(255, 255, 255, 255),
    )
    return np.asarray(plate, dtype=np.uint8).copy()


def label_height(frame_height: int) -> int:
    return max(10, frame_height // 12)


def apply_visible_label(frames: np.ndarray) -> np.ndarray:
    """frames: N×H×W×3 uint8 RGB; returns a copy with the label blended at the top right."""
    out = frames.copy()
    n, h, w, _ = out.shape
    label = label_rgba(label_height(h))
    lh, lw = label.shape[:2]
    lw = min(lw, w)
    margin = max(1, h // 64)
    y0, x0 = margin, max(0, w - lw - margin)
    alpha = label[:, :lw, 3:4].astype(np.uint16)
    region = out[:, y0:y0 + lh, x0:x0 + lw, :].astype(np.uint16)
    blended = (label[None, :, :lw, :3].astype(np.uint16) * alpha + region * (255 - alpha)
               + 127) // 255
    out[:, y0:y0 + lh, x0:x0 + lw, :] = blended.astype(np.uint8)
    return out


def _kernels():
    """The shared GPU kernels (Triton on CUDA, torch reference elsewhere) when present."""
    try:
        from gpu_kernels.label import render_label

        import gpu_kernels

        return gpu_kernels.frames_to_rgb_uint8, render_label
    except (ImportError, AttributeError):
        return None


def to_labelled_uint8(frames) -> np.ndarray:
    """Pipeline output (float N×H×W×3 in [0, 1], numpy) → labelled uint8 N×H×W×3."""
    array = np.asarray(frames, dtype=np.float32)
    kernels = _kernels()
    if kernels is not None:
        import torch

        frames_to_rgb_uint8, render_label = kernels
        tensor = torch.from_numpy(array).permute(0, 3, 1, 2) * 2.0 - 1.0
        label = render_label(label_height(array.shape[1]))
        return frames_to_rgb_uint8(tensor, label=label).cpu().numpy()
    uint8 = (np.clip(array, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    return apply_visible_label(uint8)


# --- Writing ---------------------------------------------------------------------------


def write_png(path: Path, frame: np.ndarray, job_id, provenance: dict) -> None:
    from PIL import Image, PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("AIGC", _dumps(implicit_label(job_id)))
    info.add_text("manju:provenance", _dumps(provenance))
    Image.fromarray(frame).save(path, format="PNG", pnginfo=info)


def write_mp4(path: Path, frames: np.ndarray, fps: int, job_id, provenance: dict) -> None:
    """H.264 MP4 (yuv420p), deterministic for the same frames: one encoder thread."""
    import av

    n, h, w, _ = frames.shape
    with av.open(str(path), mode="w", format="mp4",
                 options={"movflags": "use_metadata_tags"}) as container:
        container.metadata["AIGC"] = _dumps(implicit_label(job_id))
        container.metadata["manju_provenance"] = _dumps(provenance)
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        stream.codec_context.options = {"threads": "1", "crf": "18"}
        stream.codec_context.thread_count = 1
        for frame in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


# --- Reading ---------------------------------------------------------------------------


def _metadata(path) -> dict[str, str]:
    path = Path(path)
    with open(path, "rb") as handle:
        head = handle.read(8)
    if head == b"\x89PNG\r\n\x1a\n":
        from PIL import Image

        with Image.open(path) as image:
            return dict(getattr(image, "text", {}) or {})
    import av

    try:
        with av.open(str(path)) as container:
            return {k: v for k, v in container.metadata.items()}
    except av.error.FFmpegError:
        return {}


def _read_json(path, *keys: str) -> dict | None:
    meta = _metadata(path)
    for key in keys:
        if key in meta:
            try:
                return json.loads(meta[key])
            except ValueError:
                return None
    return None


def read_implicit_label(path) -> dict | None:
    return _read_json(path, "AIGC")


def read_provenance(path) -> dict | None:
    return _read_json(path, "manju:provenance", "manju_provenance")
