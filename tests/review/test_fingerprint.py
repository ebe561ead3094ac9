"""The frame fingerprint: the numpy fallback computes the same pHash as the shared
gpu_kernels, and both tell a re-encode from different content."""

import io

import av
import numpy as np

import gpu_kernels
from review import fingerprint
from tests.review.conftest import make_clip


def lumas(clip: bytes) -> np.ndarray:
    with av.open(io.BytesIO(clip)) as container:
        return np.stack([f.reformat(width=32, height=32, format="gray").to_ndarray()
                         for f in container.decode(video=0)])


def test_the_numpy_fallback_matches_the_shared_kernels():
    frames = lumas(make_clip(seed=11))
    ours = fingerprint.phash_luma(frames)
    shared = gpu_kernels.phash_frames(frames).numpy()
    assert (ours == shared).mean() >= 0.95  # float ties aside, the same hash


def test_the_fallback_hashes_find_a_reencode_and_not_other_content():
    a = fingerprint.phash_luma(lumas(make_clip(seed=5, bitrate=800_000)))
    b = fingerprint.phash_luma(lumas(make_clip(seed=5, bitrate=60_000)))
    c = fingerprint.phash_luma(lumas(make_clip(seed=6, bitrate=800_000)))
    same = {(q, lib) for q, lib, _ in fingerprint.hamming_pairs(b, a, 10) if q == lib}
    assert len(same) >= 0.9 * len(a)
    assert not [p for p in fingerprint.hamming_pairs(c, a, 10) if p[0] == p[1]]
