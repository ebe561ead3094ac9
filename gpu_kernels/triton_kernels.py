"""Triton kernels for the public functions; `gpu_kernels.reference` defines what they compute.

`kernels()` gives the kernels compiled for CUDA; in a process started with
TRITON_INTERPRET=1 (read by Triton when it is first imported, and by `triton.jit` when a
kernel is decorated) the same bodies run in Triton's interpreter on CPU tensors, which is
how the tests check them (tests/gpu_kernels/interpreter.py). Integer outputs match the
reference exactly; the pHash coefficients match within float32 error (see `phash_frames`).
"""

from functools import lru_cache

import torch
import triton
import triton.language as tl
from triton import knobs
from triton.language.extra import libdevice

from gpu_kernels import reference as ref

# --- Kernel bodies (plain functions, decorated by `kernels`) -----------------------------


def _finish_kernel(src, label, y_out, u_out, v_out, height, width, half_h, half_w,
                   ly0, lx0, lh, lw, lab_w,
                   yr, yg, yb, ur, ug, ub, vr, vg, vb, y_off, c_off,
                   HAS_LABEL: tl.constexpr, BLOCK: tl.constexpr):
    """One lane per 2×2 block: four pixels → uint8 → label blend → 4 Y, 1 U, 1 V."""
    n = tl.program_id(0).to(tl.int64)
    q = tl.program_id(1) * BLOCK + tl.arange(0, BLOCK)
    mask = q < half_h * half_w
    qy = q // half_w
    qx = q % half_w
    plane = height.to(tl.int64) * width
    base = src + n * 3 * plane
    sum_r = tl.zeros([BLOCK], dtype=tl.int32)
    sum_g = tl.zeros([BLOCK], dtype=tl.int32)
    sum_b = tl.zeros([BLOCK], dtype=tl.int32)
    for dy in tl.static_range(2):
        for dx in tl.static_range(2):
            py = qy * 2 + dy
            px = qx * 2 + dx
            pix = py * width + px
            r = tl.load(base + pix, mask=mask, other=-1.0).to(tl.float32)
            g = tl.load(base + plane + pix, mask=mask, other=-1.0).to(tl.float32)
            b = tl.load(base + 2 * plane + pix, mask=mask, other=-1.0).to(tl.float32)
            r = tl.where(r == r, r, -1.0)
            g = tl.where(g == g, g, -1.0)
            b = tl.where(b == b, b, -1.0)
            r = tl.minimum(tl.maximum(tl.floor((r + 1.0) * 127.5 + 0.5), 0.0), 255.0)
            g = tl.minimum(tl.maximum(tl.floor((g + 1.0) * 127.5 + 0.5), 0.0), 255.0)
            b = tl.minimum(tl.maximum(tl.floor((b + 1.0) * 127.5 + 0.5), 0.0), 255.0)
            ri = r.to(tl.int32)
            gi = g.to(tl.int32)
            bi = b.to(tl.int32)
            if HAS_LABEL:
                ty = py - ly0
                tx = px - lx0
                inside = mask & (ty >= 0) & (ty < lh) & (tx >= 0) & (tx < lw)
                lpix = label + (ty * lab_w + tx) * 4
                a = tl.load(lpix + 3, mask=inside, other=0).to(tl.int32)
                lr = tl.load(lpix, mask=inside, other=0).to(tl.int32)
                lg = tl.load(lpix + 1, mask=inside, other=0).to(tl.int32)
                lb = tl.load(lpix + 2, mask=inside, other=0).to(tl.int32)
                ri = (lr * a + ri * (255 - a) + 127) // 255
                gi = (lg * a + gi * (255 - a) + 127) // 255
                bi = (lb * a + bi * (255 - a) + 127) // 255
            yv = (yr * ri + yg * gi + yb * bi + y_off) >> 16
            yv = tl.minimum(tl.maximum(yv, 0), 255)
            tl.store(y_out + n * plane + pix, yv.to(tl.uint8), mask=mask)
            sum_r += ri
            sum_g += gi
            sum_b += bi
    cplane = half_h.to(tl.int64) * half_w
    uv = (ur * sum_r + ug * sum_g + ub * sum_b + c_off) >> 18
    vv = (vr * sum_r + vg * sum_g + vb * sum_b + c_off) >> 18
    uv = tl.minimum(tl.maximum(uv, 0), 255)
    vv = tl.minimum(tl.maximum(vv, 0), 255)
    tl.store(u_out + n * cplane + q, uv.to(tl.uint8), mask=mask)
    tl.store(v_out + n * cplane + q, vv.to(tl.uint8), mask=mask)


def _rgb_kernel(src, label, out, height, width, ly0, lx0, lh, lw, lab_w,
                HAS_LABEL: tl.constexpr, BLOCK: tl.constexpr):
    """One lane per pixel: N×3×H×W float → labelled N×H×W×3 uint8."""
    n = tl.program_id(0).to(tl.int64)
    pix = tl.program_id(1) * BLOCK + tl.arange(0, BLOCK)
    plane = height.to(tl.int64) * width
    mask = pix < plane
    base = src + n * 3 * plane
    dst = out + n * 3 * plane + pix * 3
    py = pix // width
    px = pix % width
    ty = py - ly0
    tx = px - lx0
    inside = mask & (ty >= 0) & (ty < lh) & (tx >= 0) & (tx < lw)
    lpix = label + (ty * lab_w + tx) * 4
    if HAS_LABEL:
        a = tl.load(lpix + 3, mask=inside, other=0).to(tl.int32)
    for c in tl.static_range(3):
        x = tl.load(base + c * plane + pix, mask=mask, other=-1.0).to(tl.float32)
        x = tl.where(x == x, x, -1.0)
        x = tl.minimum(tl.maximum(tl.floor((x + 1.0) * 127.5 + 0.5), 0.0), 255.0)
        xi = x.to(tl.int32)
        if HAS_LABEL:
            lc = tl.load(lpix + c, mask=inside, other=0).to(tl.int32)
            xi = (lc * a + xi * (255 - a) + 127) // 255
        tl.store(dst + c, xi.to(tl.uint8), mask=mask)


def _phash_kernel(src, rows, cols_t, partial, height, width, rows_per_prog,
                  IS_RGB: tl.constexpr, BLOCK_H: tl.constexpr, BLOCK_W: tl.constexpr):
    """Partial 16×16 (8×8 used) low-frequency DCT block of a band of rows of one frame:
    rows (16×H) @ luma (H×W) @ cols_t (W×16), where rows/cols fold the 32×32 area
    downscale and the DCT into one matrix per axis."""
    n = tl.program_id(0).to(tl.int64)
    band = tl.program_id(1)
    plane = height.to(tl.int64) * width
    k16 = tl.arange(0, 16)
    acc = tl.zeros([16, 16], dtype=tl.float32)
    row_start = band * rows_per_prog
    for r0 in range(row_start, row_start + rows_per_prog, BLOCK_H):
        ry = r0 + tl.arange(0, BLOCK_H)
        rmask = (ry < height) & (ry < row_start + rows_per_prog)
        t = tl.zeros([BLOCK_H, 16], dtype=tl.float32)
        for c0 in range(0, width, BLOCK_W):
            cx = c0 + tl.arange(0, BLOCK_W)
            cmask = cx < width
            m = rmask[:, None] & cmask[None, :]
            pix = ry[:, None].to(tl.int64) * width + cx[None, :]
            if IS_RGB:
                p = src + (n * plane + pix) * 3
                lum = (tl.load(p, mask=m, other=0).to(tl.float32) * 0.2126
                       + tl.load(p + 1, mask=m, other=0).to(tl.float32) * 0.7152
                       + tl.load(p + 2, mask=m, other=0).to(tl.float32) * 0.0722)
            else:
                lum = tl.load(src + n * plane + pix, mask=m, other=0).to(tl.float32)
            ct = tl.load(cols_t + cx[:, None] * 16 + k16[None, :], mask=cmask[:, None],
                         other=0.0)
            t += tl.dot(lum, ct, input_precision="ieee")
        rt = tl.load(rows + k16[:, None] * height + ry[None, :], mask=rmask[None, :],
                     other=0.0)
        acc += tl.dot(rt, t, input_precision="ieee")
    out = partial + (n * tl.num_programs(1) + band) * 256
    tl.store(out + k16[:, None] * 16 + k16[None, :], acc)


def _hamming_kernel(q_ptr, l_ptr, n_q, n_l, max_distance, counter, out_q, out_l, out_d,
                    capacity, HW_POPC: tl.constexpr, BLOCK_Q: tl.constexpr,
                    BLOCK_L: tl.constexpr):
    """A BLOCK_Q×BLOCK_L tile of popcount(q xor l) on the two 32-bit halves (the hardware
    popc when compiled for CUDA, a SWAR bit count under the interpreter, which has no
    libdevice); hits are appended at a slot reserved with one atomic add per tile (their
    order is fixed afterwards)."""
    qi = tl.program_id(0) * BLOCK_Q + tl.arange(0, BLOCK_Q)
    li = tl.program_id(1).to(tl.int64) * BLOCK_L + tl.arange(0, BLOCK_L)
    qm = qi < n_q
    lm = li < n_l
    q_lo = tl.load(q_ptr + qi * 2, mask=qm, other=0).to(tl.uint32, bitcast=True)
    q_hi = tl.load(q_ptr + qi * 2 + 1, mask=qm, other=0).to(tl.uint32, bitcast=True)
    l_lo = tl.load(l_ptr + li * 2, mask=lm, other=0).to(tl.uint32, bitcast=True)
    l_hi = tl.load(l_ptr + li * 2 + 1, mask=lm, other=0).to(tl.uint32, bitcast=True)
    dist = tl.zeros([BLOCK_Q, BLOCK_L], dtype=tl.int32)
    if HW_POPC:
        dist += libdevice.popc((q_lo[:, None] ^ l_lo[None, :]).to(tl.int32, bitcast=True))
        dist += libdevice.popc((q_hi[:, None] ^ l_hi[None, :]).to(tl.int32, bitcast=True))
    else:
        for half in tl.static_range(2):
            if half == 0:
                x = q_lo[:, None] ^ l_lo[None, :]
            else:
                x = q_hi[:, None] ^ l_hi[None, :]
            x = x - ((x >> 1) & 0x55555555)
            x = (x & 0x33333333) + ((x >> 2) & 0x33333333)
            x = (x + (x >> 4)) & 0x0F0F0F0F
            x = (x * 0x01010101) >> 24
            dist += x.to(tl.int32)
    hit = (dist <= max_distance) & qm[:, None] & lm[None, :]
    hits = tl.sum(hit.to(tl.int32), axis=1)
    total = tl.sum(hits, axis=0)
    if total > 0:
        base = tl.atomic_add(counter, total)
        flat = tl.reshape(hit.to(tl.int32), [BLOCK_Q * BLOCK_L])
        slot = base + tl.cumsum(flat, axis=0) - flat
        ok = (flat > 0) & (slot < capacity)
        qq = tl.reshape(qi[:, None] + tl.zeros([BLOCK_Q, BLOCK_L], dtype=tl.int32),
                        [BLOCK_Q * BLOCK_L])
        ll = tl.reshape(li[None, :].to(tl.int32) + tl.zeros([BLOCK_Q, BLOCK_L],
                                                             dtype=tl.int32),
                        [BLOCK_Q * BLOCK_L])
        dd = tl.reshape(dist, [BLOCK_Q * BLOCK_L])
        tl.store(out_q + slot, qq, mask=ok)
        tl.store(out_l + slot, ll, mask=ok)
        tl.store(out_d + slot, dd, mask=ok)


# --- Launchers ---------------------------------------------------------------------------

# No fused multiply-add in the float → uint8 step: (x + 1) * 127.5 + 0.5 is rounded after
# each operation, as in the reference, so the integer outputs match it exactly.
_EXACT = {} if knobs.runtime.interpret else {"enable_fp_fusion": False}
_FUSED = {} if knobs.runtime.interpret else {"enable_fp_fusion": True}


def _label_args(frames, label, corner):
    height, width = frames.shape[-2:]
    if label is None:
        return frames.new_zeros(4, dtype=torch.uint8), (0, 0, 0, 0, 1), False
    label = torch.as_tensor(label).to(frames.device, torch.uint8).contiguous()
    y0, x0, h, w = ref.label_box(height, width, label.shape[0], label.shape[1], corner)
    return label, (y0, x0, h, w, label.shape[1]), True


class Kernels:
    """The public operations backed by one set of decorated kernels."""

    def __init__(self, jit):
        # sizes are cast with .to(); a size of 1 must not become a constexpr
        self.finish = jit(_finish_kernel, do_not_specialize=["height", "width", "half_h",
                                                             "half_w"])
        self.rgb = jit(_rgb_kernel, do_not_specialize=["height", "width"])
        self.phash = jit(_phash_kernel, do_not_specialize=["height", "width"])
        self.hamming = jit(_hamming_kernel)

    def finish_frames(self, frames, label=None, corner="top_right", block=256):
        n, _, height, width = frames.shape
        if height % 2 or width % 2:
            raise ValueError("YUV 4:2:0 needs an even frame height and width")
        frames = frames.contiguous()
        lab, geometry, has_label = _label_args(frames, label, corner)
        y = torch.empty((n, height, width), dtype=torch.uint8, device=frames.device)
        u = torch.empty((n, height // 2, width // 2), dtype=torch.uint8, device=frames.device)
        v = torch.empty_like(u)
        if n == 0:
            return y, u, v
        quads = (height // 2) * (width // 2)
        self.finish[(n, triton.cdiv(quads, block))](
            frames, lab, y, u, v, height, width, height // 2, width // 2, *geometry,
            *ref.Y_COEFFS, *ref.CB_COEFFS, *ref.CR_COEFFS, ref.Y_OFFSET, ref.C_OFFSET,
            HAS_LABEL=has_label, BLOCK=block, **_EXACT,
        )
        return y, u, v

    def frames_to_rgb_uint8(self, frames, label=None, corner="top_right", block=1024):
        n, _, height, width = frames.shape
        frames = frames.contiguous()
        lab, geometry, has_label = _label_args(frames, label, corner)
        out = torch.empty((n, height, width, 3), dtype=torch.uint8, device=frames.device)
        if n == 0:
            return out
        self.rgb[(n, triton.cdiv(height * width, block))](
            frames, lab, out, height, width, *geometry, HAS_LABEL=has_label, BLOCK=block,
            **_EXACT,
        )
        return out

    def dct_block(self, frames, block_h=32, block_w=64, bands=None):
        """N×64 float32 low-frequency block (same meaning as reference.dct_block)."""
        frames = frames.contiguous()
        is_rgb = frames.dim() == 4
        if is_rgb and frames.shape[-1] != 3:
            raise ValueError("frames must be N×H×W×3 RGB or N×H×W luma")
        n, height, width = frames.shape[:3]
        rows, cols_t = _fold_matrices(height, width, str(frames.device))
        if bands is None:
            bands = max(1, min(triton.cdiv(height, block_h), 16))
        rows_per_prog = triton.cdiv(triton.cdiv(height, bands), block_h) * block_h
        bands = triton.cdiv(height, rows_per_prog)
        partial = torch.empty((n, bands, 16, 16), dtype=torch.float32, device=frames.device)
        self.phash[(n, bands)](
            frames, rows, cols_t, partial, height, width, rows_per_prog,
            IS_RGB=is_rgb, BLOCK_H=block_h, BLOCK_W=block_w, **_FUSED,
        )
        return partial.sum(dim=1)[:, :8, :8].reshape(n, 64)

    def phash_frames(self, frames, **kw):
        """pHash per frame. The coefficients are float32 (error ~1e-5 of their scale vs
        the float64 reference), so a coefficient within that of the median can flip its
        bit: kernel and reference hashes agree exactly on almost every frame and within
        1–2 bits on the rest."""
        return ref.hash_bits(self.dct_block(frames, **kw))

    def hamming_search(self, queries, library, max_distance, block_q=32, block_l=128,
                       capacity=None):
        """Triples like the reference; the output buffer starts at `capacity` hits and the
        search reruns once with the exact count when more were found."""
        q = queries.to(torch.int64).contiguous().view(torch.int32)
        lib = library.to(torch.int64).contiguous().view(torch.int32)
        n_q, n_l = len(queries), len(library)
        if n_q == 0 or n_l == 0:
            return []
        capacity = capacity or max(1 << 16, 4 * n_q)
        device = queries.device
        while True:
            counter = torch.zeros(1, dtype=torch.int32, device=device)
            out_q = torch.empty(capacity, dtype=torch.int32, device=device)
            out_l = torch.empty(capacity, dtype=torch.int32, device=device)
            out_d = torch.empty(capacity, dtype=torch.int32, device=device)
            grid = (triton.cdiv(n_q, block_q), triton.cdiv(n_l, block_l))
            self.hamming[grid](q, lib, n_q, n_l, int(max_distance), counter, out_q, out_l,
                               out_d, capacity, HW_POPC=_hw_popc(queries),
                               BLOCK_Q=block_q, BLOCK_L=block_l, **_FUSED)
            found = int(counter.item())
            if found <= capacity:
                break
            capacity = found
        return ref.sort_triples(out_q[:found].long().cpu(), out_l[:found].long().cpu(),
                                out_d[:found].long().cpu())

    def hamming_raw(self, queries, library, max_distance, capacity, block_q=32,
                    block_l=128):
        """The search without sorting or copying back (for the benchmark): hit count."""
        q = queries.view(torch.int32)
        lib = library.view(torch.int32)
        counter = torch.zeros(1, dtype=torch.int32, device=queries.device)
        out = [torch.empty(capacity, dtype=torch.int32, device=queries.device)
               for _ in range(3)]
        grid = (triton.cdiv(len(queries), block_q), triton.cdiv(len(library), block_l))
        self.hamming[grid](q, lib, len(queries), len(library), int(max_distance), counter,
                           *out, capacity, HW_POPC=_hw_popc(queries), BLOCK_Q=block_q,
                           BLOCK_L=block_l, **_FUSED)
        return counter


def _hw_popc(tensor) -> bool:
    return tensor.is_cuda and not knobs.runtime.interpret


@lru_cache(maxsize=8)
def _fold_matrices(height: int, width: int, device: str):
    """rows 16×H and cols_t W×16 (rows 8..15 zero): DCT[:8] @ area-pool matrix."""
    d = ref.dct_matrix(dtype=torch.float64)[: ref.HASH_BLOCK]

    def pool(size):
        m = torch.zeros(ref.HASH_SIZE, size, dtype=torch.float64)
        for i in range(ref.HASH_SIZE):
            start = (i * size) // ref.HASH_SIZE
            end = -((-(i + 1) * size) // ref.HASH_SIZE)
            m[i, start:end] = 1.0 / (end - start)
        return m

    rows = torch.zeros(16, height, dtype=torch.float64)
    rows[:8] = d @ pool(height)
    cols_t = torch.zeros(width, 16, dtype=torch.float64)
    cols_t[:, :8] = (d @ pool(width)).T
    return (rows.to(device, torch.float32).contiguous(),
            cols_t.to(device, torch.float32).contiguous())


@lru_cache(maxsize=1)
def kernels() -> Kernels:
    """The kernels, decorated on first use (interpreted under TRITON_INTERPRET=1)."""
    return Kernels(triton.jit)
