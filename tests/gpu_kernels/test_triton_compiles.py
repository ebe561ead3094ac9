"""Without a GPU the interpreter checks what the kernels compute; this checks that they
also compile for an H100 (sm_90, Triton's own ptxas, no driver needed), with the
constexprs the CUDA launchers use, and that the float → uint8 step has no fused
multiply-add (which would round differently from the reference)."""

import pytest
import triton
from triton.backends.compiler import GPUTarget
from triton.compiler import ASTSource

from gpu_kernels import triton_kernels

H100 = GPUTarget("cuda", 90, 32)
LABEL_ARGS = ["ly0", "lx0", "lh", "lw", "lab_w"]
COLOUR_ARGS = ["yr", "yg", "yb", "ur", "ug", "ub", "vr", "vg", "vb", "y_off", "c_off"]


def signature(pointers, ints, constexprs):
    return {**pointers, **{name: "i32" for name in ints},
            **{name: "constexpr" for name in constexprs}}


CASES = {
    "finish": (
        signature({"src": "*fp32", "label": "*u8", "y_out": "*u8", "u_out": "*u8",
                   "v_out": "*u8"},
                  ["height", "width", "half_h", "half_w", *LABEL_ARGS, *COLOUR_ARGS],
                  ["HAS_LABEL", "BLOCK"]),
        {"HAS_LABEL": True, "BLOCK": 256}, {"enable_fp_fusion": False}),
    "rgb": (
        signature({"src": "*fp32", "label": "*u8", "out": "*u8"},
                  ["height", "width", *LABEL_ARGS], ["HAS_LABEL", "BLOCK"]),
        {"HAS_LABEL": True, "BLOCK": 1024}, {"enable_fp_fusion": False}),
    "phash": (
        signature({"src": "*u8", "rows": "*fp32", "cols_t": "*fp32", "partial": "*fp32"},
                  ["height", "width", "rows_per_prog"], ["IS_RGB", "BLOCK_H", "BLOCK_W"]),
        {"IS_RGB": True, "BLOCK_H": 32, "BLOCK_W": 64}, {"enable_fp_fusion": True}),
    "hamming": (
        signature({"q_ptr": "*i32", "l_ptr": "*i32", "counter": "*i32", "out_q": "*i32",
                   "out_l": "*i32", "out_d": "*i32"},
                  ["n_q", "n_l", "max_distance", "capacity"],
                  ["HW_POPC", "BLOCK_Q", "BLOCK_L"]),
        {"HW_POPC": True, "BLOCK_Q": 32, "BLOCK_L": 128}, {"enable_fp_fusion": True}),
}


@pytest.fixture(scope="module")
def jitted():
    return triton_kernels.Kernels(triton.jit)


@pytest.mark.parametrize("name", sorted(CASES))
def test_kernel_compiles_for_an_h100(jitted, name):
    fn = getattr(jitted, name)
    sig, constexprs, options = CASES[name]
    order = fn.arg_names
    sig = {arg: sig[arg] for arg in order}  # every argument typed, in order
    compiled = triton.compile(ASTSource(fn=fn, signature=sig, constexprs=constexprs),
                              target=H100, options=options)
    ptx = compiled.asm["ptx"]
    assert ".target sm_90" in ptx
    if name in ("finish", "rgb"):
        assert "fma.rn.f32" not in ptx
    if name == "hamming":
        assert "popc.b32" in ptx
