"""AI-generated content labels (DOMAIN.md): the one contract for every generated file.

Visible: "AI生成" drawn in a corner of every frame. Implicit, in the file's metadata:
- PNG: tEXt chunk "AIGC" with {"Label": "1", "ContentProducer": "manju-studio",
  "ProduceID": "<job uuid>"} and tEXt chunk "manju:provenance" with the job provenance.
- MP4: container metadata keys "AIGC" and "manju_provenance" with the same JSON (written
  with movflags=use_metadata_tags so custom keys survive).
`read_implicit_label(path)` and `read_provenance(path)` read either format back.
"""

import json
from pathlib import Path

import numpy as np

PRODUCER = "manju-studio"
VISIBLE_TEXT = "AI生成"


def implicit_label(job_id) -> dict:
    return {"Label": "1", "ContentProducer": PRODUCER, "ProduceID": str(job_id)}


def _dumps(value: dict) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def label_rgba(height: int) -> np.ndarray:
    """The visible label, an RGBA uint8 array `height` pixels tall (drawn once, in
    gpu_kernels.label, for every path that labels frames)."""
    from gpu_kernels.label import label_array

    return label_array(height)


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


def to_labelled_uint8(frames) -> np.ndarray:
    """Pipeline output (float N×H×W×3 in [0, 1], numpy) → labelled uint8 N×H×W×3, through
    the shared frame-finishing kernel (Triton on CUDA, its torch reference elsewhere)."""
    import torch

    import gpu_kernels
    from gpu_kernels.label import render_label

    array = np.asarray(frames, dtype=np.float32)
    tensor = torch.from_numpy(array).permute(0, 3, 1, 2) * 2.0 - 1.0
    label = render_label(label_height(array.shape[1]))
    return gpu_kernels.frames_to_rgb_uint8(tensor, label=label).cpu().numpy()


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
