"""The public API on CPU tensors (the torch reference): colour conversion, label placement,
pHash robustness to re-encoding, and the Hamming search order."""

import io
import math

import av
import numpy as np
import pytest
import torch

import gpu_kernels
from gpu_kernels import reference as ref
from gpu_kernels.label import render_label


def solid(rgb, n=1, h=4, w=6):
    values = torch.tensor(rgb, dtype=torch.float32) / 127.5 - 1.0
    return values[None, :, None, None].expand(n, 3, h, w).contiguous()


@pytest.mark.parametrize(("rgb", "yuv"), [
    ((255, 255, 255), (235, 128, 128)),
    ((0, 0, 0), (16, 128, 128)),
    ((128, 128, 128), (126, 128, 128)),
    ((255, 0, 0), (63, 102, 240)),
    ((0, 255, 0), (173, 42, 26)),
    ((0, 0, 255), (32, 240, 118)),
])
def test_solid_colours_get_bt709_limited_range_values(rgb, yuv):
    y, u, v = gpu_kernels.finish_frames(solid(rgb))
    assert (int(y[0, 0, 0]), int(u[0, 0, 0]), int(v[0, 0, 0])) == yuv
    assert y.shape == (1, 4, 6) and u.shape == v.shape == (1, 2, 3)


def test_chroma_is_the_rounded_average_of_each_two_by_two_block():
    x = solid((0, 0, 0), h=2, w=2)
    x[0, :, 0, 0] = 1.0  # one white pixel of four: Cb, Cr stay 128, Y differs per pixel
    x[0, 2, 1, 1] = 1.0  # and one blue one
    y, u, v = gpu_kernels.finish_frames(x)
    assert y[0].tolist() == [[235, 16], [16, 32]]
    # a quarter of blue's exact chroma offset, rounded half up (not of its rounded value)
    assert int(u[0, 0, 0]) == math.floor(128 + 224 * 0.5 / 4 + 0.5) == 156
    assert int(v[0, 0, 0]) == math.floor(128 - 224 * 0.0722 / 1.5748 / 4 + 0.5) == 125


def test_float_to_uint8_rounds_half_up_and_clamps():
    x = torch.tensor([-2.0, -1.0, -1 + 0.4 / 127.5, -1 + 0.6 / 127.5, 0.0, 1.0, 3.0,
                      float("nan")])
    got = ref.to_uint8(x.reshape(1, 1, 1, -1).expand(1, 3, 1, -1))[0, 0, 0].tolist()
    assert got == [0, 0, 0, 1, 128, 255, 255, 0]


def test_odd_sizes_are_refused_for_yuv_but_fine_for_rgb():
    with pytest.raises(ValueError):
        gpu_kernels.finish_frames(torch.zeros(1, 3, 5, 6))
    assert gpu_kernels.frames_to_rgb_uint8(torch.zeros(1, 3, 5, 7)).shape == (1, 5, 7, 3)


def test_label_is_drawn_in_the_chosen_corner_only():
    label = render_label(12)
    black = solid((0, 0, 0), h=96, w=160)
    lh, lw = label.shape[:2]
    for corner, (y0, x0) in {"top_right": (1, 160 - lw - 1), "top_left": (1, 1),
                             "bottom_left": (96 - lh - 1, 1),
                             "bottom_right": (96 - lh - 1, 160 - lw - 1)}.items():
        rgb = gpu_kernels.frames_to_rgb_uint8(black, label=label, corner=corner)[0]
        changed = rgb.amax(dim=2) > 0
        rows, cols = torch.nonzero(changed, as_tuple=True)
        assert (int(rows.min()), int(cols.min())) >= (y0, x0)
        assert int(rows.max()) < y0 + lh and int(cols.max()) < x0 + lw
        assert int(rgb[..., 0].max()) >= 250  # white text


def test_rgb_output_matches_the_generation_apps_label_blend():
    from generation import labels

    generator = torch.Generator().manual_seed(11)
    uint8 = torch.randint(0, 256, (2, 120, 90, 3), dtype=torch.uint8, generator=generator)
    floats = uint8.permute(0, 3, 1, 2).float() / 127.5 - 1.0
    label = render_label(labels.label_height(120))
    ours = gpu_kernels.frames_to_rgb_uint8(floats, label=label).numpy()
    assert np.array_equal(ours, labels.apply_visible_label(uint8.numpy()))


def test_render_label_is_a_deterministic_rgba_image_with_the_cjk_text():
    label = render_label(30)
    assert label.dtype == torch.uint8 and label.shape[0] == 30 and label.shape[2] == 4
    assert torch.equal(label, render_label(30))
    alpha = label[..., 3]
    assert int((alpha == 150).sum()) > 0 and int((alpha == 255).sum()) > 30
    assert label.shape[1] > 2 * 30  # "AI" plus two CJK glyphs: wider than tall twice
    with pytest.raises(ValueError):
        render_label(0)


# --- pHash ------------------------------------------------------------------------------


def scene(seed, n=6, h=144, w=256):
    """Smooth synthetic footage: coloured discs drifting over a gradient."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = rng.uniform(0, 255, 3)[:, None, None] * (xx / w) + rng.uniform(0, 255, 3)[
        :, None, None] * (yy / h) * 0.5
    discs = [(rng.uniform(0, w), rng.uniform(0, h), rng.uniform(10, 40),
              rng.uniform(0, 255, 3), rng.uniform(-3, 3, 2)) for _ in range(6)]
    out = []
    for t in range(n):
        frame = base.copy()
        for cx, cy, r, colour, (vx, vy) in discs:
            inside = (xx - cx - vx * t) ** 2 + (yy - cy - vy * t) ** 2 < r * r
            frame[:, inside] = colour[:, None]
        out.append(np.clip(frame, 0, 255).astype(np.uint8).transpose(1, 2, 0))
    return np.stack(out)


def reencode(frames, bit_rate):
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=6)
        stream.width, stream.height = frames.shape[2], frames.shape[1]
        stream.pix_fmt = "yuv420p"
        stream.bit_rate = bit_rate
        stream.codec_context.thread_count = 1
        for array in frames:
            container.mux(stream.encode(av.VideoFrame.from_ndarray(array, format="rgb24")))
        container.mux(stream.encode())
    buffer.seek(0)
    with av.open(buffer) as container:
        return np.stack([f.to_ndarray(format="rgb24") for f in container.decode(video=0)])


@pytest.fixture(scope="module")
def encoded():
    scenes = [scene(seed) for seed in range(4)]
    high = [gpu_kernels.phash_frames(torch.from_numpy(reencode(s, 2_000_000)))
            for s in scenes]
    low = [gpu_kernels.phash_frames(torch.from_numpy(reencode(s, 60_000))) for s in scenes]
    return scenes, high, low


def test_a_reencode_at_another_bitrate_lands_within_a_few_bits(encoded):
    scenes, high, low = encoded
    for h, lo in zip(high, low, strict=True):
        distance = ref.popcount64(h ^ lo)
        assert int(distance.max()) <= 8, distance


def test_unrelated_footage_is_far(encoded):
    _, high, low = encoded
    for i in range(len(high)):
        for j in range(len(low)):
            if i != j:
                assert int(ref.popcount64(high[i][:, None] ^ low[j][None, :]).min()) >= 16


def test_hamming_search_finds_the_reencoded_frames_of_the_same_scene(encoded):
    _, high, low = encoded
    library = torch.cat(high)
    pairs = gpu_kernels.hamming_search(low[2], library, 8)
    per_scene = len(high[0])
    assert {q for q, _, _ in pairs} == set(range(len(low[2])))
    assert all(2 * per_scene <= lib < 3 * per_scene for _, lib, _ in pairs)


def test_hash_survives_a_change_of_resolution():
    frames = scene(9, n=2)
    small = torch.from_numpy(frames[:, ::2, ::2].copy())
    distance = ref.popcount64(gpu_kernels.phash_frames(torch.from_numpy(frames))
                              ^ gpu_kernels.phash_frames(small))
    assert int(distance.max()) <= 6


def test_luma_input_hashes_like_rgb_of_that_luma():
    frames = torch.from_numpy(scene(4, n=2))
    luma = ref.luma(frames)
    assert torch.equal(gpu_kernels.phash_frames(luma), gpu_kernels.phash_frames(frames))


def test_hash_bits_are_msb_first_signed_int64():
    block = torch.zeros(1, 64, dtype=torch.float64)
    block[0, 0] = 10.0  # only the DC coefficient above the median: bit 63
    assert gpu_kernels.phash_frames(torch.zeros(0, 8, 8)).shape == (0,)
    assert int(ref.hash_bits(block)[0]) == -(2**63)
    block[0, 63] = 5.0
    assert int(ref.hash_bits(block)[0]) == -(2**63) + 1


# --- Hamming search ---------------------------------------------------------------------


def test_popcount_counts_every_bit_of_negative_and_positive_values():
    values = [0, 1, -1, -(2**63), 2**63 - 1, 0x5A5A5A5A5A5A5A5A, -0x123456789ABCDEF]
    generator = torch.Generator().manual_seed(8)
    values += torch.randint(-2**63, 2**63 - 1, (200,), generator=generator).tolist()
    want = [bin(v & (2**64 - 1)).count("1") for v in values]
    tensor = torch.tensor(values, dtype=torch.int64)
    assert ref.popcount64(tensor).tolist() == want
    assert ref.popcount_swar(tensor).tolist() == want  # the path off the CPU


def test_hamming_search_agrees_with_a_plain_loop_across_chunks():
    generator = torch.Generator().manual_seed(9)
    queries = torch.randint(-2**63, 2**63 - 1, (5,), generator=generator)
    library = torch.cat([torch.randint(-2**63, 2**63 - 1, (50,), generator=generator),
                         queries ^ 0xFF, queries ^ (0xF << 60)])
    want = sorted(((q, i, bin((qv ^ lv) & (2**64 - 1)).count("1"))
                   for q, qv in enumerate(queries.tolist())
                   for i, lv in enumerate(library.tolist())
                   if bin((qv ^ lv) & (2**64 - 1)).count("1") <= 26),
                  key=lambda t: (t[0], t[2], t[1]))
    assert ref.hamming_search(queries, library, 26, chunk=7) == want
    assert gpu_kernels.hamming_search(queries, library, 26) == want


def test_hamming_search_sorts_by_query_then_distance_then_index():
    queries = torch.tensor([-1, 0], dtype=torch.int64)  # all ones, all zeros
    library = torch.tensor([0b111, -1, 1, -2, 0, 1 << 62], dtype=torch.int64)
    pairs = gpu_kernels.hamming_search(queries, library, 3)
    assert pairs == [(0, 1, 0), (0, 3, 1), (1, 4, 0), (1, 2, 1), (1, 5, 1), (1, 0, 3)]
    assert gpu_kernels.hamming_search(queries, torch.zeros(0, dtype=torch.int64), 5) == []


def test_public_functions_run_on_cpu_without_triton_being_imported():
    import subprocess
    import sys

    code = ("import sys, torch, gpu_kernels\n"
            "gpu_kernels.phash_frames(torch.zeros(2, 40, 40, 3, dtype=torch.uint8))\n"
            "gpu_kernels.finish_frames(torch.zeros(1, 3, 4, 4))\n"
            "gpu_kernels.hamming_search(torch.tensor([1]), torch.tensor([3]), 2)\n"
            "print('triton' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={"CUDA_VISIBLE_DEVICES": "", "PATH": "/usr/bin"})
    assert out.stdout.strip() == "False"
