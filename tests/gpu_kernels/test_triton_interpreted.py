"""The Triton kernels, run by Triton's interpreter on the CPU, against the torch reference:
exact for the integer outputs (frame finishing, RGB, Hamming search), documented float32
tolerance for the pHash coefficients."""

import pytest
import torch

from gpu_kernels import reference as ref
from gpu_kernels.label import render_label
from tests.gpu_kernels.interpreter import Interpreter


@pytest.fixture(scope="module")
def triton_cpu():
    interpreter = Interpreter()
    yield interpreter
    interpreter.close()


def frames(n, h, w, seed=0):
    generator = torch.Generator().manual_seed(seed)
    # a little outside [-1, 1] too, to exercise the clamp
    return torch.rand(n, 3, h, w, generator=generator) * 2.2 - 1.1


def random_hashes(n, seed):
    generator = torch.Generator().manual_seed(seed)
    return torch.randint(-2**63, 2**63 - 1, (n,), dtype=torch.int64, generator=generator)


@pytest.mark.parametrize("corner", ref.CORNERS)
def test_finishing_matches_the_reference_exactly_at_every_corner(triton_cpu, corner):
    x = frames(2, 22, 30)  # 11×15 chroma: odd counts, not a multiple of the block
    label = render_label(10)
    got = triton_cpu.finish_frames(x, label, corner, block=64)
    want = ref.finish_frames(x, label, corner)
    for plane_got, plane_want in zip(got, want, strict=True):
        assert plane_got.dtype == torch.uint8
        assert torch.equal(plane_got, plane_want)
    assert not torch.equal(want[0], ref.finish_frames(x)[0])  # the label did change pixels


def test_finishing_a_single_frame_with_a_label_wider_than_the_frame(triton_cpu):
    x = frames(1, 16, 20, seed=3)
    x[0, :, 5, 7] = float("nan")
    label = render_label(14)  # ~50 px wide: clipped at the right edge, touches the bottom
    assert label.shape[1] > 20
    got = triton_cpu.finish_frames(x, label, "bottom_right")
    want = ref.finish_frames(x, label, "bottom_right")
    assert all(torch.equal(a, b) for a, b in zip(got, want, strict=True))


def test_finishing_without_a_label_matches_down_to_a_two_by_two_frame(triton_cpu):
    for x in (frames(3, 8, 6, seed=5), frames(1, 2, 2, seed=6)):
        got = triton_cpu.finish_frames(x, None)
        assert all(torch.equal(a, b) for a, b in zip(got, ref.finish_frames(x), strict=True))


def test_rgb_frames_of_odd_size_match_exactly(triton_cpu):
    x = frames(2, 19, 27, seed=7)
    label = render_label(10)
    for corner in ("top_right", "bottom_left"):
        got = triton_cpu.frames_to_rgb_uint8(x, label, corner, block=128)
        assert torch.equal(got, ref.frames_to_rgb_uint8(x, label, corner))
    one = x[:1]
    assert torch.equal(triton_cpu.frames_to_rgb_uint8(one), ref.frames_to_rgb_uint8(one))


@pytest.mark.parametrize(("shape", "bands"), [((3, 45, 70, 3), None), ((1, 97, 33, 3), 2),
                                              ((2, 20, 24), None)])
def test_phash_coefficients_and_hashes_match_the_reference(triton_cpu, shape, bands):
    generator = torch.Generator().manual_seed(sum(shape))
    images = torch.randint(0, 256, shape, dtype=torch.uint8, generator=generator)
    # smooth content, as real frames have, plus noise
    ramp = torch.linspace(0, 120, shape[2]).to(torch.uint8)
    images = images // 2 + (ramp[None, None, :, None] if len(shape) == 4 else ramp)
    got = triton_cpu.dct_block(images, block_h=16, block_w=16, bands=bands)
    want = ref.dct_block(images)
    scale = want.abs().max().item()
    assert torch.allclose(got.double(), want, atol=1e-5 * scale, rtol=0)
    hashes = triton_cpu.phash_frames(images, block_h=16, block_w=16, bands=bands)
    distance = ref.popcount64(hashes ^ ref.phash_frames(images))
    assert int(distance.max()) <= 2
    assert int((distance == 0).sum()) >= len(images) - 1


def test_hamming_search_matches_the_reference(triton_cpu):
    queries = random_hashes(37, 1)
    library = torch.cat([random_hashes(300, 2), queries ^ 0b1011, queries[:5],
                         queries[:3] ^ (1 << 63)])
    got = triton_cpu.hamming_search(queries, library, 24, block_q=16, block_l=64)
    want = ref.hamming_search(queries, library, 24)
    assert got == want
    assert (0, 300, 3) in got and (0, 337, 0) in got and (2, 344, 1) in got


def test_hamming_search_grows_its_buffer_when_hits_overflow_it(triton_cpu):
    queries = random_hashes(8, 3)
    library = random_hashes(200, 4)
    got = triton_cpu.hamming_search(queries, library, 64, block_q=16, block_l=64,
                                    capacity=100)
    assert len(got) == 8 * 200
    assert got == ref.hamming_search(queries, library, 64)
