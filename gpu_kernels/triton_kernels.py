"""The Triton kernels. Imported only on CUDA tensors, or on the CPU under TRITON_INTERPRET=1
(the tests), so that importing gpu_kernels never needs a GPU.

Each kernel reproduces its reference in `gpu_kernels.reference` exactly: integer outputs
are computed with the same integer arithmetic.
"""

import torch
import triton
import triton.language as tl

from gpu_kernels import reference as ref


@triton.jit
def _to_u8(x):
    x = tl.minimum(tl.maximum(x, -1.0), 1.0)
    return tl.floor((x + 1.0) * 127.5 + 0.5).to(tl.int32)


@triton.jit
def _blend(px, lab_ptr, ch, rows, cols, top, left, lab_h, lab_w, mask):
    """Blends channel `ch` of the RGBA label into int32 pixels at (rows, cols)."""
    ly = rows - top
    lx = cols - left
    inside = mask & (ly >= 0) & (ly < lab_h) & (lx >= 0) & (lx < lab_w)
    base = (ly * lab_w + lx) * 4
    color = tl.load(lab_ptr + base + ch, mask=inside, other=0).to(tl.int32)
    alpha = tl.load(lab_ptr + base + 3, mask=inside, other=0).to(tl.int32)
    blended = (color * alpha + px * (255 - alpha) + 127) // 255
    return tl.where(inside, blended, px)


@triton.jit
def _finish_kernel(src, y_out, u_out, v_out, lab_ptr,
                   H, W, top, left, lab_h, lab_w,
                   HAS_LABEL: tl.constexpr, BLOCK: tl.constexpr):
    """One program: one chroma row (two luma rows) × BLOCK chroma columns of one frame."""
    frame = tl.program_id(0)
    cy = tl.program_id(1)
    cx = tl.program_id(2) * BLOCK + tl.arange(0, BLOCK)
    half_w = W // 2
    mask = cx < half_w
    plane = H * W
    base = frame.to(tl.int64) * 3 * plane
    u_acc = tl.zeros([BLOCK], dtype=tl.int32)
    v_acc = tl.zeros([BLOCK], dtype=tl.int32)
    for dy in tl.static_range(2):
        # A vector like the columns: the label test below broadcasts element by element.
        row = cx * 0 + 2 * cy + dy
        for dx in tl.static_range(2):
            col = 2 * cx + dx
            offset = row * W + col
            r = _to_u8(tl.load(src + base + offset, mask=mask, other=0.0))
            g = _to_u8(tl.load(src + base + plane + offset, mask=mask, other=0.0))
            b = _to_u8(tl.load(src + base + 2 * plane + offset, mask=mask, other=0.0))
            if HAS_LABEL:
                r = _blend(r, lab_ptr, 0, row, col, top, left, lab_h, lab_w, mask)
                g = _blend(g, lab_ptr, 1, row, col, top, left, lab_h, lab_w, mask)
                b = _blend(b, lab_ptr, 2, row, col, top, left, lab_h, lab_w, mask)
            y = ((11966 * r + 40254 * g + 4064 * b + 32768) >> 16) + 16
            tl.store(y_out + frame.to(tl.int64) * plane + offset, y.to(tl.uint8), mask=mask)
            u_acc += -6596 * r - 22189 * g + 28785 * b
            v_acc += 28785 * r - 26145 * g - 2640 * b
    c_offset = frame.to(tl.int64) * (plane // 4) + cy * half_w + cx
    tl.store(u_out + c_offset, (((u_acc + 131072) >> 18) + 128).to(tl.uint8), mask=mask)
    tl.store(v_out + c_offset, (((v_acc + 131072) >> 18) + 128).to(tl.uint8), mask=mask)


@triton.jit
def _rgb_kernel(src, out, lab_ptr, H, W, top, left, lab_h, lab_w,
                HAS_LABEL: tl.constexpr, BLOCK: tl.constexpr):
    """One program: BLOCK pixels of one row of one frame → interleaved RGB uint8."""
    frame = tl.program_id(0)
    col = tl.program_id(2) * BLOCK + tl.arange(0, BLOCK)
    row = col * 0 + tl.program_id(1)
    mask = col < W
    plane = H * W
    base = frame.to(tl.int64) * 3 * plane
    offset = row * W + col
    dst = out + frame.to(tl.int64) * 3 * plane + offset * 3
    for ch in tl.static_range(3):
        px = _to_u8(tl.load(src + base + ch * plane + offset, mask=mask, other=0.0))
        if HAS_LABEL:
            px = _blend(px, lab_ptr, ch, row, col, top, left, lab_h, lab_w, mask)
        tl.store(dst + ch, px.to(tl.uint8), mask=mask)


def _label_args(frames: torch.Tensor, label, corner: str, margin):
    height, width = frames.shape[2], frames.shape[3]
    if label is None:
        dummy = torch.zeros(4, dtype=torch.uint8, device=frames.device)
        return dummy, 0, 0, 0, 0, False
    margin = ref.default_margin(height) if margin is None else margin
    top, left = ref.label_origin(height, width, label.shape[0], label.shape[1], corner, margin)
    lab = label.to(frames.device, torch.uint8).contiguous()
    return lab, top, left, label.shape[0], label.shape[1], True


def finish_frames(frames: torch.Tensor, label=None, corner: str = "top_right", margin=None):
    n, c, height, width = frames.shape
    if c != 3 or height % 2 or width % 2:
        raise ValueError(f"frames must be N×3×H×W with even H and W, got {tuple(frames.shape)}")
    src = frames.contiguous()
    if src.dtype not in (torch.float32, torch.float16, torch.bfloat16):
        src = src.float()
    y = torch.empty(n, height, width, dtype=torch.uint8, device=frames.device)
    u = torch.empty(n, height // 2, width // 2, dtype=torch.uint8, device=frames.device)
    v = torch.empty_like(u)
    lab, top, left, lab_h, lab_w, has_label = _label_args(frames, label, corner, margin)
    block = 256 if width // 2 >= 256 else triton.next_power_of_2(max(width // 2, 16))
    grid = (n, height // 2, triton.cdiv(width // 2, block))
    _finish_kernel[grid](src, y, u, v, lab, height, width, top, left, lab_h, lab_w,
                         HAS_LABEL=has_label, BLOCK=block)
    return y, u, v


def frames_to_rgb_uint8(frames: torch.Tensor, label=None, corner: str = "top_right",
                        margin=None):
    n, _, height, width = frames.shape
    src = frames.contiguous()
    if src.dtype not in (torch.float32, torch.float16, torch.bfloat16):
        src = src.float()
    out = torch.empty(n, height, width, 3, dtype=torch.uint8, device=frames.device)
    lab, top, left, lab_h, lab_w, has_label = _label_args(frames, label, corner, margin)
    block = 512 if width >= 512 else triton.next_power_of_2(max(width, 16))
    grid = (n, height, triton.cdiv(width, block))
    _rgb_kernel[grid](src, out, lab, height, width, top, left, lab_h, lab_w,
                      HAS_LABEL=has_label, BLOCK=block)
    return out


# --- Perceptual hash: the memory-bound part (luma + area sums) runs here ----------------


@triton.jit
def _area_kernel(src, means, H, W, CH: tl.constexpr, BR: tl.constexpr, BC: tl.constexpr):
    """One program: one 32×32 cell of one frame; sums its luma and stores the floor of the
    mean in 1/16ths, the cells being those of adaptive average pooling."""
    frame = tl.program_id(0)
    i = tl.program_id(1)
    j = tl.program_id(2)
    r0 = (i * H) // 32
    r1 = ((i + 1) * H + 31) // 32
    c0 = (j * W) // 32
    c1 = ((j + 1) * W + 31) // 32
    rows = r0 + tl.arange(0, BR)
    cols = c0 + tl.arange(0, BC)
    mask = (rows[:, None] < r1) & (cols[None, :] < c1)
    pix = frame.to(tl.int64) * H * W + rows[:, None] * W + cols[None, :]
    if CH == 3:
        r = tl.load(src + pix * 3, mask=mask, other=0).to(tl.int32)
        g = tl.load(src + pix * 3 + 1, mask=mask, other=0).to(tl.int32)
        b = tl.load(src + pix * 3 + 2, mask=mask, other=0).to(tl.int32)
        luma = (77 * r + 150 * g + 29 * b + 128) >> 8
    else:
        luma = tl.load(src + pix, mask=mask, other=0).to(tl.int32)
    luma = tl.where(mask, luma, 0)
    total = tl.sum(tl.sum(luma.to(tl.int64), axis=1), axis=0)
    count = ((r1 - r0) * (c1 - c0)).to(tl.int64)
    tl.store(means + frame.to(tl.int64) * 1024 + i * 32 + j, (total * 16) // count)


def area_means(frames_uint8: torch.Tensor) -> torch.Tensor:
    src = frames_uint8.contiguous()
    n, height, width = src.shape[0], src.shape[1], src.shape[2]
    if height < ref.HASH_SIZE or width < ref.HASH_SIZE:
        raise ValueError(f"frames must be at least {ref.HASH_SIZE}×{ref.HASH_SIZE} to hash")
    channels = 3 if src.dim() == 4 else 1
    means = torch.empty(n, 32, 32, dtype=torch.int64, device=src.device)
    br = triton.next_power_of_2(-(-height // 32) + 1)
    bc = triton.next_power_of_2(-(-width // 32) + 1)
    _area_kernel[(n, 32, 32)](src, means, height, width, CH=channels, BR=br, BC=bc)
    return means


def phash_frames(frames_uint8: torch.Tensor) -> torch.Tensor:
    # The DCT of 32×32 cells is a few kFLOPs a frame: float64 matmuls on integers, exact.
    return ref.hash_from_means(area_means(frames_uint8))


# --- Hamming search ---------------------------------------------------------------------


@triton.jit
def _popcount64(x):
    x = x - ((x >> 1) & 0x5555555555555555)
    x = (x & 0x3333333333333333) + ((x >> 2) & 0x3333333333333333)
    x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0F
    x = x + (x >> 8)
    x = x + (x >> 16)
    x = x + (x >> 32)
    return (x & 0x7F).to(tl.int32)


@triton.jit
def _hamming_kernel(q_ptr, lib_ptr, out_q, out_l, out_d, counter, NQ, NL, capacity,
                    max_distance, BQ: tl.constexpr, BL: tl.constexpr):
    """One program: BQ queries × BL library hashes; matches are appended to the output
    through an atomic counter."""
    qi = tl.program_id(0) * BQ + tl.arange(0, BQ)
    li = tl.program_id(1) * BL + tl.arange(0, BL)
    q = tl.load(q_ptr + qi, mask=qi < NQ, other=0).to(tl.uint64)
    lib = tl.load(lib_ptr + li, mask=li < NL, other=0).to(tl.uint64)
    distance = _popcount64(q[:, None] ^ lib[None, :])
    hit = (distance <= max_distance) & (qi[:, None] < NQ) & (li[None, :] < NL)
    flat_hit = tl.reshape(hit, [BQ * BL]).to(tl.int32)
    found = tl.sum(flat_hit, axis=0)
    if found > 0:
        start = tl.atomic_add(counter, found)
        slot = start + tl.cumsum(flat_hit, axis=0) - 1
        keep = (flat_hit == 1) & (slot < capacity)
        q_idx = tl.reshape(qi[:, None] + li[None, :] * 0, [BQ * BL])
        l_idx = tl.reshape(li[None, :] + qi[:, None] * 0, [BQ * BL])
        tl.store(out_q + slot, q_idx, mask=keep)
        tl.store(out_l + slot, l_idx, mask=keep)
        tl.store(out_d + slot, tl.reshape(distance, [BQ * BL]), mask=keep)


def hamming_search(queries: torch.Tensor, library: torch.Tensor, max_distance: int,
                   capacity: int | None = None) -> list[tuple[int, int, int]]:
    result = hamming_search_tensors(queries, library, max_distance, capacity)
    found = list(zip(*(t.tolist() for t in result), strict=True))
    found.sort(key=lambda t: (t[0], t[2], t[1]))
    return found


def hamming_search_tensors(queries, library, max_distance: int, capacity: int | None = None):
    """The matches as three device tensors (query, library, distance), unsorted."""
    q = queries.reshape(-1).to(torch.int64).contiguous()
    lib = library.reshape(-1).to(torch.int64).contiguous()
    capacity = capacity or max(1024, 16 * q.numel())
    while True:
        out_q = torch.empty(capacity, dtype=torch.int32, device=q.device)
        out_l = torch.empty(capacity, dtype=torch.int32, device=q.device)
        out_d = torch.empty(capacity, dtype=torch.int32, device=q.device)
        counter = torch.zeros(1, dtype=torch.int32, device=q.device)
        bq, bl = 16, 256
        grid = (triton.cdiv(q.numel(), bq), triton.cdiv(lib.numel(), bl))
        _hamming_kernel[grid](q, lib, out_q, out_l, out_d, counter, q.numel(), lib.numel(),
                              capacity, max_distance, BQ=bq, BL=bl)
        count = int(counter.item())
        if count <= capacity:
            return out_q[:count], out_l[:count], out_d[:count]
        capacity = count  # too many matches for the buffer: run again with room for all
