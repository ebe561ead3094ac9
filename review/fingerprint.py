"""Sampling a video once (1 frame per second) for perceptual hashes and the visible AI
label, and comparing hashes with the published library. The shared `gpu_kernels`
(phash_frames, hamming_search: Triton on CUDA, torch reference elsewhere) do the hashing
and the search when importable; the numpy path below is the fallback, with its own algo
name so hashes of the two never meet."""

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from review import conf

HASH_SIZE = 32  # frames are reduced to 32×32 luma before the DCT
CPU_ALGO = "dct64-v1"
SHARED_ALGO = "gpu-kernels-phash-v1"


def _shared():
    try:
        import gpu_kernels
    except ImportError:
        return None
    if hasattr(gpu_kernels, "phash_frames") and hasattr(gpu_kernels, "hamming_search"):
        return gpu_kernels
    return None


def _device():
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


@dataclass
class Scan:
    seconds: list[int] = field(default_factory=list)
    hashes: list[int] = field(default_factory=list)  # signed int64, as stored
    label_scores: list[float] = field(default_factory=list)
    algo: str = CPU_ALGO


def _dct_matrix(n: int) -> np.ndarray:
    k = np.arange(n)[:, None]
    i = np.arange(n)[None, :]
    m = np.cos(np.pi * (2 * i + 1) * k / (2 * n)) * np.sqrt(2.0 / n)
    m[0] /= np.sqrt(2.0)
    return m


_DCT = _dct_matrix(HASH_SIZE)
_BITS = (1 << np.arange(63, -1, -1, dtype=np.uint64)).astype(np.uint64)


def phash_luma(luma: np.ndarray) -> np.ndarray:
    """luma: N×32×32 float → N signed int64 hashes: the 8×8 low-frequency DCT block
    compared with its median (the classic pHash), stable under re-encoding and scaling."""
    coeffs = _DCT @ luma.astype(np.float64) @ _DCT.T
    low = coeffs[:, :8, :8].reshape(len(luma), 64)
    median = np.median(low, axis=1, keepdims=True)
    bits = (low > median).astype(np.uint64)
    return (bits * _BITS).sum(axis=1, dtype=np.uint64).view(np.int64)


def _popcount64(x: np.ndarray) -> np.ndarray:
    return np.unpackbits(x.view(np.uint8).reshape(*x.shape, 8), axis=-1).sum(axis=-1)


def hamming_pairs(queries: np.ndarray, library: np.ndarray, max_distance: int,
                  chunk: int = 4096) -> list[tuple[int, int, int]]:
    """Every (query index, library index, distance) within max_distance."""
    out: list[tuple[int, int, int]] = []
    if len(queries) == 0 or len(library) == 0:
        return out
    shared = _shared()
    if shared is not None:
        import torch

        device = _device()
        return shared.hamming_search(
            torch.from_numpy(np.asarray(queries, dtype=np.int64)).to(device),
            torch.from_numpy(np.asarray(library, dtype=np.int64)).to(device), max_distance)
    q = queries.astype(np.int64).view(np.uint64)
    lib = library.astype(np.int64).view(np.uint64)
    for start in range(0, len(lib), chunk):
        block = lib[start:start + chunk]
        dist = _popcount64(q[:, None] ^ block[None, :])
        qi, li = np.nonzero(dist <= max_distance)
        out.extend(zip(qi.tolist(), (li + start).tolist(), dist[qi, li].tolist(), strict=False))
    return out


def label_geometry(height: int, width: int):
    """Where generation.labels draws the visible label, and its text/plate masks."""
    from generation import labels

    label = labels.label_rgba(labels.label_height(height))
    lh, lw = label.shape[0], min(label.shape[1], width)
    margin = max(1, height // 64)
    alpha = label[:, :lw, 3]
    text = alpha >= 230
    plate = (alpha > 120) & (alpha < 180)
    return margin, max(0, width - lw - margin), lh, lw, text, plate


def label_score(rgb: np.ndarray, geometry) -> float:
    """Mean luma of the label's text pixels minus that of its dark plate: high when the
    white-on-dark label is drawn there, near zero for ordinary picture content."""
    y0, x0, lh, lw, text, plate = geometry
    if not text.any() or not plate.any():
        return 0.0
    region = rgb[y0:y0 + lh, x0:x0 + lw].astype(np.float32)
    luma = region @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    if luma.shape != text.shape:
        return 0.0
    return float(luma[text].mean() - luma[plate].mean())


def scan_video(path: Path | str) -> Scan:
    """Decodes the video once, keeping one frame per second (at most MAX_SAMPLES)."""
    import av

    scan = Scan()
    lumas = []
    geometry = None
    step = 1.0 / max(1, conf.SAMPLE_FPS)
    next_t = 0.0
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for frame in container.decode(stream):
            t = float(frame.time or 0.0)
            if t + 1e-6 < next_t:
                continue
            next_t = (int(t / step) + 1) * step
            rgb = frame.to_ndarray(format="rgb24")
            if geometry is None:
                geometry = label_geometry(rgb.shape[0], rgb.shape[1])
            scan.label_scores.append(label_score(rgb, geometry))
            small = frame.reformat(width=HASH_SIZE, height=HASH_SIZE, format="gray")
            lumas.append(small.to_ndarray())
            scan.seconds.append(int(round(t)))
            if len(scan.seconds) >= conf.MAX_SAMPLES:
                break
    if lumas:
        shared = _shared()
        if shared is not None:
            import torch

            frames = torch.from_numpy(np.stack(lumas).astype(np.uint8)).to(_device())
            scan.hashes = shared.phash_frames(frames).cpu().tolist()
            scan.algo = SHARED_ALGO
        else:
            scan.hashes = phash_luma(np.stack(lumas)).tolist()
    return scan
