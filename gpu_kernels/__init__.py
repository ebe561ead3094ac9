"""Our Triton kernels for the hot paths around generation, each with a torch reference.

Public functions (dispatch by device: Triton on CUDA, the torch reference elsewhere):

    finish_frames(frames, label=None, corner="top_right") -> (y, u, v)
        frames: float tensor N×3×H×W in [-1, 1]; label: uint8 RGBA tensor h×w×4 blended at
        the corner; returns planar YUV 4:2:0 BT.709 limited range as uint8 tensors
        N×H×W, N×H/2×W/2, N×H/2×W/2 (H and W even).
    frames_to_rgb_uint8(frames, label=None, corner="top_right") -> N×H×W×3 uint8
    phash_frames(frames_uint8) -> int64 tensor N (64-bit perceptual hash per frame)
        frames_uint8: N×H×W×3 uint8 RGB (or N×H×W luma).
    hamming_search(queries, library, max_distance) -> list of (query_index, library_index,
        distance) for every pair within max_distance; queries/library: int64 tensors.

The exact rounding, colour matrix, label placement and hash definition are documented in
`gpu_kernels.reference`; `gpu_kernels.label.render_label(height_px)` draws the label.
Importing this package needs neither CUDA nor Triton: the Triton module is imported only
when a CUDA tensor arrives.
"""

import torch

from gpu_kernels import reference

__all__ = ["finish_frames", "frames_to_rgb_uint8", "phash_frames", "hamming_search"]


def _triton():
    """The Triton kernels when usable for CUDA tensors, else None."""
    if not torch.cuda.is_available():
        return None
    try:
        from gpu_kernels import triton_kernels
    except ImportError:
        return None
    return triton_kernels.kernels()


def _label(label, device):
    if label is None:
        return None
    label = torch.as_tensor(label)
    if label.dtype != torch.uint8 or label.dim() != 3 or label.shape[2] != 4:
        raise ValueError("label must be a uint8 RGBA tensor h×w×4")
    return label.to(device).contiguous()


def _frames(frames):
    frames = torch.as_tensor(frames)
    if frames.dim() != 4 or frames.shape[1] != 3:
        raise ValueError("frames must be a float tensor N×3×H×W")
    return frames


def finish_frames(frames, label=None, corner="top_right"):
    """Decoder output → labelled planar YUV 4:2:0 BT.709 limited range (Y, U, V) uint8."""
    frames = _frames(frames)
    label = _label(label, frames.device)
    kernels = _triton() if frames.is_cuda else None
    if kernels is None:
        return reference.finish_frames(frames, label, corner)
    return kernels.finish_frames(frames, label, corner)


def frames_to_rgb_uint8(frames, label=None, corner="top_right"):
    """Decoder output → labelled N×H×W×3 uint8 RGB."""
    frames = _frames(frames)
    label = _label(label, frames.device)
    kernels = _triton() if frames.is_cuda else None
    if kernels is None:
        return reference.frames_to_rgb_uint8(frames, label, corner)
    return kernels.frames_to_rgb_uint8(frames, label, corner)


def phash_frames(frames_uint8):
    """N×H×W×3 uint8 RGB (or N×H×W luma) → N int64 perceptual hashes."""
    frames = torch.as_tensor(frames_uint8)
    kernels = _triton() if frames.is_cuda else None
    if kernels is None or len(frames) == 0:
        return reference.phash_frames(frames)
    return kernels.phash_frames(frames)


def hamming_search(queries, library, max_distance):
    """(query index, library index, distance) for every pair within max_distance, sorted
    by query, then distance, then library index."""
    queries = torch.as_tensor(queries, dtype=torch.int64)
    library = torch.as_tensor(library, dtype=torch.int64)
    if len(queries) == 0 or len(library) == 0:
        return []
    kernels = _triton() if queries.is_cuda else None
    if kernels is None:
        return reference.hamming_search(queries, library.to(queries.device), max_distance)
    return kernels.hamming_search(queries, library.to(queries.device), max_distance)
