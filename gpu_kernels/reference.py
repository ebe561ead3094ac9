"""Torch reference implementations: plain, readable, and the definition of correct.

Every Triton kernel in `gpu_kernels.triton_kernels` is tested against these. They run on
any device (the public functions use them for CPU tensors).

Conventions, defined here exactly:

* float → uint8: ``u = clamp(floor((x + 1) * 127.5 + 0.5), 0, 255)`` in float32, for x in
  [-1, 1] (NaN is treated as -1).
* Label blend (integer, same rule as generation.labels): with alpha ``a`` of the label
  pixel, ``out = (label * a + pixel * (255 - a) + 127) // 255`` per channel. The label is
  placed by `label_box`: a margin of ``max(1, H // 64)`` from the chosen corner, clipped
  to the frame (a label larger than the frame keeps its top-left part).
* BT.709 limited range, integer fixed point with 16 fraction bits (`Y_COEFFS`,
  `CB_COEFFS`, `CR_COEFFS` are round(224 or 219 / 255 * coefficient * 65536)):
  ``Y = (kr*R + kg*G + kb*B + 16*65536 + 32768) >> 16`` per pixel, and for chroma the sums
  of R, G, B over each 2×2 block (4:2:0): ``C = (kr*ΣR + kg*ΣG + kb*ΣB + 128*4*65536 +
  131072) >> 18``, i.e. round-half-up of the exact average. Chroma coefficients sum to 0
  exactly, so grey stays at 128.
* pHash: luma ``0.2126 R + 0.7152 G + 0.0722 B`` (float, 0..255), area-downscaled to 32×32
  (`adaptive_avg_pool2d` bins), orthonormal 2-D DCT-II, the top-left 8×8 block INCLUDING
  the DC term, median = mean of the 32nd and 33rd of those 64 values, bit k (row-major,
  k = 8*u + v) = coefficient > median, stored MSB first (bit 63 - k) as a signed int64
  (two's complement), like review.fingerprint.
* Hamming search: popcount(q xor l) ≤ max_distance, triples (query index, library index,
  distance) sorted by query, then distance, then library index.
"""

import math

import numpy as np
import torch

HASH_SIZE = 32
HASH_BLOCK = 8
CORNERS = ("top_left", "top_right", "bottom_left", "bottom_right")

_ONE = 1 << 16


def _fixed(scale: float, coeffs) -> list[int]:
    return [round(scale * c * _ONE) for c in coeffs]


Y_COEFFS = _fixed(219 / 255, (0.2126, 0.7152, 0.0722))
_cb_r, _cb_b = _fixed(224 / 255, (-0.2126 / 1.8556, 0.5))
CB_COEFFS = [_cb_r, -(_cb_r + _cb_b), _cb_b]
_cr_r, _cr_b = _fixed(224 / 255, (0.5, -0.0722 / 1.5748))
CR_COEFFS = [_cr_r, -(_cr_r + _cr_b), _cr_b]
Y_OFFSET = 16 * _ONE + _ONE // 2
C_OFFSET = 128 * 4 * _ONE + 2 * _ONE
LUMA_WEIGHTS = (0.2126, 0.7152, 0.0722)


# --- Frame finishing -------------------------------------------------------------------


def label_box(height: int, width: int, label_h: int, label_w: int, corner: str):
    """(y0, x0, h, w): where a label_h×label_w label goes in a height×width frame."""
    if corner not in CORNERS:
        raise ValueError(f"corner must be one of {CORNERS}")
    margin = max(1, height // 64)
    h, w = min(label_h, height), min(label_w, width)
    y0 = min(margin, height - h) if corner.startswith("top") else max(0, height - h - margin)
    x0 = min(margin, width - w) if corner.endswith("left") else max(0, width - w - margin)
    return y0, x0, h, w


def to_uint8(frames: torch.Tensor) -> torch.Tensor:
    """N×3×H×W float in [-1, 1] → N×3×H×W int32 values 0..255 (rounding as documented)."""
    x = torch.nan_to_num(frames.float(), nan=-1.0)
    return torch.floor((x + 1.0) * 127.5 + 0.5).clamp(0, 255).to(torch.int32)


def blend_label(rgb: torch.Tensor, label: torch.Tensor | None, corner: str) -> torch.Tensor:
    """rgb: N×3×H×W int32 0..255; label: h×w×4 uint8 RGBA. Returns a blended copy."""
    if label is None:
        return rgb
    out = rgb.clone()
    n, _, height, width = out.shape
    y0, x0, h, w = label_box(height, width, label.shape[0], label.shape[1], corner)
    lab = torch.as_tensor(label).to(out.device, torch.int32)[:h, :w].permute(2, 0, 1)
    alpha = lab[3:4]
    region = out[:, :, y0:y0 + h, x0:x0 + w]
    out[:, :, y0:y0 + h, x0:x0 + w] = (lab[None, :3] * alpha + region * (255 - alpha)
                                       + 127) // 255
    return out


def frames_to_rgb_uint8(frames, label=None, corner="top_right") -> torch.Tensor:
    """N×3×H×W float in [-1, 1] → labelled N×H×W×3 uint8."""
    rgb = blend_label(to_uint8(frames), label, corner)
    return rgb.permute(0, 2, 3, 1).to(torch.uint8).contiguous()


def rgb_to_yuv420(rgb: torch.Tensor):
    """N×3×H×W int32 0..255 (H, W even) → (Y N×H×W, U, V N×H/2×W/2) uint8, BT.709
    limited range, fixed point as documented."""
    r, g, b = rgb[:, 0], rgb[:, 1], rgb[:, 2]
    y = (Y_COEFFS[0] * r + Y_COEFFS[1] * g + Y_COEFFS[2] * b + Y_OFFSET) >> 16
    n, _, height, width = rgb.shape
    sums = rgb.reshape(n, 3, height // 2, 2, width // 2, 2).sum(dim=(3, 5))
    sr, sg, sb = sums[:, 0], sums[:, 1], sums[:, 2]
    u = (CB_COEFFS[0] * sr + CB_COEFFS[1] * sg + CB_COEFFS[2] * sb + C_OFFSET) >> 18
    v = (CR_COEFFS[0] * sr + CR_COEFFS[1] * sg + CR_COEFFS[2] * sb + C_OFFSET) >> 18
    return tuple(p.clamp(0, 255).to(torch.uint8) for p in (y, u, v))


def finish_frames(frames, label=None, corner="top_right"):
    """N×3×H×W float in [-1, 1] → labelled planar YUV 4:2:0 (Y, U, V) uint8."""
    height, width = frames.shape[-2:]
    if height % 2 or width % 2:
        raise ValueError("YUV 4:2:0 needs an even frame height and width")
    return rgb_to_yuv420(blend_label(to_uint8(frames), label, corner))


# --- Perceptual hash -------------------------------------------------------------------


def dct_matrix(n: int = HASH_SIZE, dtype=torch.float64) -> torch.Tensor:
    """Orthonormal DCT-II matrix D (n×n): coefficients = D @ x."""
    k = torch.arange(n, dtype=torch.float64)[:, None]
    i = torch.arange(n, dtype=torch.float64)[None, :]
    m = torch.cos(math.pi * (2 * i + 1) * k / (2 * n)) * math.sqrt(2.0 / n)
    m[0] /= math.sqrt(2.0)
    return m.to(dtype)


def luma(frames: torch.Tensor) -> torch.Tensor:
    """N×H×W×3 uint8 RGB (or N×H×W luma) → N×H×W float32 luma 0..255."""
    if frames.dim() == 3:
        return frames.float()
    if frames.dim() != 4 or frames.shape[-1] != 3:
        raise ValueError("frames must be N×H×W×3 RGB or N×H×W luma")
    f = frames.float()
    return f[..., 0] * LUMA_WEIGHTS[0] + f[..., 1] * LUMA_WEIGHTS[1] + f[..., 2] * LUMA_WEIGHTS[2]


def hash_bits(block: torch.Tensor) -> torch.Tensor:
    """N×64 low-frequency coefficients (row-major 8×8) → N signed int64 hashes."""
    ordered = block.sort(dim=1).values
    median = (ordered[:, 31:32] + ordered[:, 32:33]) / 2
    bits = (block > median).to(torch.int64)
    weights = torch.tensor([1 << (63 - k) for k in range(1, 64)], dtype=torch.int64)
    weights = torch.cat([torch.tensor([torch.iinfo(torch.int64).min]), weights])
    return (bits * weights.to(bits.device)).sum(dim=1)


def dct_block(frames: torch.Tensor) -> torch.Tensor:
    """N frames → N×64 float64: the top-left 8×8 DCT-II block of the 32×32 luma."""
    small = torch.nn.functional.adaptive_avg_pool2d(luma(frames)[:, None], HASH_SIZE)[:, 0]
    d = dct_matrix(dtype=torch.float64).to(small.device)
    coeffs = d @ small.double() @ d.T
    return coeffs[:, :HASH_BLOCK, :HASH_BLOCK].reshape(len(frames), HASH_BLOCK * HASH_BLOCK)


def phash_frames(frames: torch.Tensor) -> torch.Tensor:
    """N×H×W×3 uint8 RGB (or N×H×W luma) → N int64 perceptual hashes."""
    if len(frames) == 0:
        return torch.zeros(0, dtype=torch.int64, device=frames.device)
    return hash_bits(dct_block(frames))


# --- Hamming search --------------------------------------------------------------------

_M1 = 0x5555555555555555
_M2 = 0x3333333333333333
_M4 = 0x0F0F0F0F0F0F0F0F
_H01 = 0x0101010101010101


def popcount_swar(x: torch.Tensor) -> torch.Tensor:
    """Bits set in each int64 (two's complement), as int64, on any device: the SWAR bit
    count (the masks clear what the arithmetic shift of a negative value brings in; the
    final multiply wraps, and its top byte is at most 64)."""
    x = x - ((x >> 1) & _M1)
    x = (x & _M2) + ((x >> 2) & _M2)
    x = (x + (x >> 4)) & _M4
    return (x * _H01) >> 56


def popcount64(x: torch.Tensor) -> torch.Tensor:
    """Bits set in each int64, as int64; numpy's native bit count on the CPU (some 50×
    faster than the SWAR in torch there), `popcount_swar` elsewhere."""
    if x.device.type == "cpu" and hasattr(np, "bitwise_count"):
        counts = np.bitwise_count(x.contiguous().numpy().view(np.uint64))
        return torch.from_numpy(counts.astype(np.int64))
    return popcount_swar(x)


def sort_triples(qi: torch.Tensor, li: torch.Tensor, dist: torch.Tensor) -> list:
    """Sorted (query, library, distance) tuples: by query, then distance, then index."""
    if qi.numel() == 0:
        return []
    order = torch.argsort(li, stable=True)
    order = order[torch.argsort(dist[order], stable=True)]
    order = order[torch.argsort(qi[order], stable=True)]
    return list(zip(qi[order].tolist(), li[order].tolist(), dist[order].tolist(),
                    strict=True))


def hamming_search(queries, library, max_distance: int, chunk: int | None = None) -> list:
    """Every (query index, library index, distance) with distance ≤ max_distance. The
    library is scanned in chunks of about 4M pairs (32 MB per temporary) unless told."""
    queries = torch.as_tensor(queries, dtype=torch.int64)
    library = torch.as_tensor(library, dtype=torch.int64).to(queries.device)
    chunk = chunk or max(1, (1 << 22) // max(1, len(queries)))
    found_q, found_l, found_d = [], [], []
    for start in range(0, len(library), chunk):
        block = library[start:start + chunk]
        dist = popcount64(queries[:, None] ^ block[None, :])
        qi, li = torch.nonzero(dist <= max_distance, as_tuple=True)
        found_q.append(qi)
        found_l.append(li + start)
        found_d.append(dist[qi, li])
    if not found_q:
        return []
    return sort_triples(torch.cat(found_q).cpu(), torch.cat(found_l).cpu(),
                        torch.cat(found_d).cpu())
