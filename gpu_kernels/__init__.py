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
"""
