"""Encodes a storyboard snapshot into the episode MP4: shots in order (clip frames, or the
still keyframe held), subtitles in a CJK font, the visible "AI生成" label on every frame,
an optional voice/music track as AAC, H.264 at 9:16, the implicit label and every shot's
provenance in the metadata (the keys of generation.labels)."""

import json
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from generation import labels

AUDIO_RATE = 44100


def media_path(relative: str) -> Path:
    from django.conf import settings

    return Path(settings.MEDIA_ROOT) / relative


def font_path() -> str | None:
    from gpu_kernels.label import font_path as cjk_font_path

    return cjk_font_path()


@lru_cache(maxsize=64)
def subtitle_rgba(text: str, width: int, height: int) -> np.ndarray:
    """White text with a dark outline on a transparent band, `width` wide; falls back to
    Pillow's own font when no CJK font is installed (Chinese then shows as boxes)."""
    size = max(8, height // 22)
    path = font_path()
    font = ImageFont.truetype(path, size) if path else ImageFont.load_default(size)
    band = Image.new("RGBA", (width, size * 2), (0, 0, 0, 0))
    draw = ImageDraw.Draw(band)
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    x = max(0, (width - (right - left)) // 2 - left)
    y = (size * 2 - (bottom - top)) // 2 - top
    stroke = max(1, size // 10)
    draw.text((x, y), text, font=font, fill=(255, 255, 255, 255),
              stroke_width=stroke, stroke_fill=(0, 0, 0, 255))
    return np.asarray(band, dtype=np.uint8).copy()


def blend(frames: np.ndarray, overlay: np.ndarray, y0: int) -> None:
    """Alpha-blends an RGBA overlay into frames (N×H×W×3) in place at row y0."""
    h = min(overlay.shape[0], frames.shape[1] - y0)
    w = min(overlay.shape[1], frames.shape[2])
    alpha = overlay[:h, :w, 3:4].astype(np.uint16)
    region = frames[:, y0:y0 + h, :w].astype(np.uint16)
    frames[:, y0:y0 + h, :w] = ((overlay[None, :h, :w, :3].astype(np.uint16) * alpha
                                 + region * (255 - alpha) + 127) // 255).astype(np.uint8)


def visible_label(frames: np.ndarray) -> np.ndarray:
    """The shared Triton label kernel on a GPU; on the CPU generation.labels' numpy blend
    (the kernels' torch reference is far slower there: 28 s against 0.7 s for 120
    720×1280 frames)."""
    try:
        import torch

        if not torch.cuda.is_available():
            raise ImportError
        from gpu_kernels import frames_to_rgb_uint8
        from gpu_kernels.label import render_label
    except ImportError:
        return labels.apply_visible_label(frames)
    tensor = torch.from_numpy(frames).cuda().permute(0, 3, 1, 2).float() / 127.5 - 1.0
    label = render_label(labels.label_height(frames.shape[1]))
    return frames_to_rgb_uint8(tensor, label=label).cpu().numpy()


def _resize(frame: np.ndarray, width: int, height: int) -> np.ndarray:
    if frame.shape[1] == width and frame.shape[0] == height:
        return frame
    return np.asarray(Image.fromarray(frame).resize((width, height), Image.BILINEAR))


def shot_source(shot: dict, width: int, height: int) -> np.ndarray:
    """The shot's pictures at the output size: the clip's frames, or its keyframe."""
    if shot.get("clip"):
        with av.open(str(media_path(shot["clip"]["path"]))) as container:
            frames = [_resize(f.to_ndarray(format="rgb24"), width, height)
                      for f in container.decode(video=0)]
        if frames:
            return np.stack(frames)
    with Image.open(media_path(shot["keyframe"]["path"])) as image:
        return _resize(np.asarray(image.convert("RGB")), width, height)[None]


def iter_shot_frames(shot: dict, width: int, height: int, fps: int,
                     source: np.ndarray | None = None):
    """The shot stretched over its duration (source frames spread evenly over it), its
    subtitle lines in equal parts of it, labelled. A clip has far fewer frames than the
    shot and a still has one, so each distinct (picture, line) pair is composed once and
    then repeated: the cost is the encoder's, not ours."""
    if source is None:
        source = shot_source(shot, width, height)
    count = frame_count(shot, fps)
    lines = shot.get("lines") or []
    overlays = [subtitle_rgba(text, width, height) for text in lines]
    composed: dict[tuple[int, int], np.ndarray] = {}
    for i in range(count):
        key = (i * len(source) // count, i * len(lines) // count if lines else -1)
        frame = composed.get(key)
        if frame is None:
            frame = source[key[0]][None].copy()
            if key[1] >= 0:
                overlay = overlays[key[1]]
                blend(frame, overlay, height - overlay.shape[0] - height // 10)
            frame = composed[key] = visible_label(frame)[0]
            if len(composed) > 64:  # long clips: keep memory bounded
                composed.pop(next(iter(composed)))
        yield frame


def shot_frames(shot: dict, width: int, height: int, fps: int,
                source: np.ndarray | None = None) -> np.ndarray:
    return np.stack(list(iter_shot_frames(shot, width, height, fps, source)))


def frame_count(shot: dict, fps: int) -> int:
    return max(1, round(Fraction(shot["duration"]) * fps))


def provenance(snap: dict) -> dict:
    """Every shot's origin: job ids, model keys, weights hashes and seeds (and the full
    provenance of each job, so each shot can be rendered again)."""
    shots = []
    for shot in snap["shots"]:
        entry = {"order": shot["order"], "duration": shot["duration"]}
        for part in ("keyframe", "clip"):
            if shot.get(part):
                entry[part] = {k: shot[part][k] for k in
                               ("job", "model_key", "weights_sha256", "seed", "provenance")}
        shots.append(entry)
    return {"kind": "episode", "episode": snap["episode"], "width": snap["width"],
            "height": snap["height"], "fps": snap["fps"], "shots": shots}


def _dumps(value: dict) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _mux_audio(container, stream, audio_path: Path, seconds: float) -> None:
    resampler = av.AudioResampler(format="fltp", layout="stereo", rate=AUDIO_RATE)
    limit = int(seconds * AUDIO_RATE)
    written = 0
    with av.open(str(audio_path)) as source:
        for frame in source.decode(audio=0):
            for out in resampler.resample(frame):
                if written >= limit:
                    break
                out.pts = written
                written += out.samples
                for packet in stream.encode(out):
                    container.mux(packet)
    for packet in stream.encode(None):
        container.mux(packet)


def encode_episode(snap: dict, path: Path, produce_id: str, on_progress=None,
                   crf: int = 20, preset: str = "veryfast") -> dict:
    """Writes the MP4; returns {"frames": n, "seconds": s}. Shots are decoded and encoded
    one at a time, so memory stays at one shot whatever the episode's length."""
    width, height, fps = snap["width"], snap["height"], int(snap["fps"])
    total = sum(frame_count(shot, fps) for shot in snap["shots"])
    audio = media_path(snap["audio"]) if snap.get("audio") else None
    with av.open(str(path), mode="w", format="mp4",
                 options={"movflags": "use_metadata_tags+faststart"}) as container:
        container.metadata["AIGC"] = _dumps(labels.implicit_label(produce_id))
        container.metadata["manju_provenance"] = _dumps(provenance(snap))
        video = container.add_stream("libx264", rate=fps)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.options = {"crf": str(crf), "preset": preset}
        sound = container.add_stream("aac", rate=AUDIO_RATE) if audio else None
        if sound is not None:
            sound.layout = "stereo"
        for n, shot in enumerate(snap["shots"]):
            for frame in iter_shot_frames(shot, width, height, fps):
                picture = av.VideoFrame.from_ndarray(frame, format="rgb24")
                for packet in video.encode(picture):
                    container.mux(packet)
            if on_progress:
                on_progress(int(90 * (n + 1) / len(snap["shots"])))
        for packet in video.encode():
            container.mux(packet)
        if sound is not None:
            _mux_audio(container, sound, audio, total / fps)
    return {"frames": total, "seconds": total / fps}
