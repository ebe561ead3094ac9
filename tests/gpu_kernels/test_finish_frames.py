"""Frame finishing: [-1, 1] floats → labelled uint8 → BT.709 limited-range YUV 4:2:0."""

import pytest
import torch

import gpu_kernels
from gpu_kernels import reference as ref
from gpu_kernels import triton_kernels as tk
from gpu_kernels.label import render_label


def frames(n, h, w, seed=0):
    gen = torch.Generator().manual_seed(seed)
    # A little beyond [-1, 1] on purpose: decoders overshoot and the clamp must hold.
    return torch.rand(n, 3, h, w, generator=gen) * 2.3 - 1.15


def solid(rgb, h=4, w=4):
    value = torch.tensor(rgb, dtype=torch.float32) / 127.5 - 1.0
    return value.view(1, 3, 1, 1).expand(1, 3, h, w).contiguous()


@pytest.mark.parametrize(
    ("rgb", "yuv"),
    [((255, 255, 255), (235, 128, 128)), ((0, 0, 0), (16, 128, 128)),
     ((255, 0, 0), (63, 102, 240)), ((0, 255, 0), (173, 42, 26)),
     ((0, 0, 255), (32, 240, 118))],
)
def test_reference_gives_the_bt709_limited_range_colours(rgb, yuv):
    y, u, v = ref.finish_frames(solid(rgb))
    assert (int(y[0, 0, 0]), int(u[0, 0, 0]), int(v[0, 0, 0])) == yuv


def test_reference_rounds_half_up_and_clamps():
    # channels r, g, b of two pixels: 0.0 → 127.5 rounds up to 128; out of range clamps.
    x = torch.tensor([[-2.0, -1.0], [0.0, 1.0], [3.0, 0.5]]).view(1, 3, 1, 2)
    out = ref.frames_to_rgb_uint8(x)[0, 0].tolist()
    assert out == [[0, 128, 255], [0, 255, 191]]


@pytest.mark.parametrize(("n", "h", "w"), [(1, 2, 2), (1, 6, 10), (2, 34, 18), (3, 64, 36),
                                           (1, 18, 530)])
def test_kernel_matches_reference_exactly(n, h, w):
    x = frames(n, h, w, seed=h * w)
    for got, want in zip(tk.finish_frames(x), ref.finish_frames(x), strict=True):
        assert got.dtype == torch.uint8
        assert torch.equal(got, want)


@pytest.mark.parametrize("corner", ["top_right", "top_left", "bottom_right", "bottom_left"])
def test_kernel_matches_reference_with_a_label_touching_the_edge(corner):
    x = frames(2, 40, 24, seed=3)
    label = render_label(14)[:, :20]
    for margin in (0, -5):  # flush with the edge, and hanging over it (clipped)
        got = tk.finish_frames(x, label, corner, margin)
        want = ref.finish_frames(x, label, corner, margin)
        for a, b in zip(got, want, strict=True):
            assert torch.equal(a, b)
        assert torch.equal(tk.frames_to_rgb_uint8(x, label, corner, margin),
                           ref.frames_to_rgb_uint8(x, label, corner, margin))


def test_the_label_changes_the_corner_and_nothing_else():
    x = frames(1, 64, 36, seed=5)
    label = render_label(12)
    plain = ref.frames_to_rgb_uint8(x)
    labelled = ref.frames_to_rgb_uint8(x, label, "top_right", 0)
    changed = (plain != labelled).any(dim=-1)[0]
    rows, cols = torch.nonzero(changed, as_tuple=True)
    assert rows.numel() > 0
    assert int(rows.max()) < label.shape[0]
    assert int(cols.min()) >= 36 - label.shape[1]


def test_rgb_kernel_matches_reference_on_odd_sizes():
    x = frames(1, 7, 5, seed=9)
    assert torch.equal(tk.frames_to_rgb_uint8(x), ref.frames_to_rgb_uint8(x))


def test_odd_frame_sizes_are_refused_for_420():
    with pytest.raises(ValueError, match="even"):
        ref.finish_frames(frames(1, 5, 4))
    with pytest.raises(ValueError, match="even"):
        tk.finish_frames(frames(1, 4, 5))


def test_public_function_uses_the_reference_on_the_cpu():
    x = frames(1, 8, 8)
    assert not gpu_kernels.use_triton(x)
    for a, b in zip(gpu_kernels.finish_frames(x), ref.finish_frames(x), strict=True):
        assert torch.equal(a, b)


def test_label_is_rgba_and_deterministic():
    a, b = render_label(24), render_label(24)
    assert a.dtype == torch.uint8 and a.shape[0] == 24 and a.shape[2] == 4
    assert torch.equal(a, b)
    assert int(a[..., 3].max()) == 255  # the text is opaque
    assert int(a[..., 3].min()) > 0  # the box behind it is translucent, not empty
