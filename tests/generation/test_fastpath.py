"""The CUDA fast path: off for the tiny models, switchable per entry, and with its items
forced on the CPU (float32) the output stays the same.

Tolerance: 1e-4 absolute on [0, 1] images and frames. Fused q/k/v matmuls and another SDPA
kernel sum the same products in another order; in float32 that moves results by ~1e-6,
far inside 1e-4, while any wrong wiring (a transposed or dropped projection) moves them by
~1e-1. torch.compile runs here with the "eager" backend (Dynamo traces the repeated blocks,
no C++ toolchain needed); the inductor backend is the GPU worker's."""

import dataclasses

import numpy as np
import pytest
import torch
from PIL import Image

from generation import fastpath, realsize, registry

TOLERANCE = 1e-4


def small_spec(key: str, **fast) -> registry.ModelSpec:
    spec = registry.get(key)
    defaults = ({"width": 64, "height": 64, "steps": 2, "guidance": 5.0}
                if spec.kind == registry.KEYFRAME else
                {"width": 48, "height": 80, "frames": 5, "steps": 2, "guidance": 5.0})
    return dataclasses.replace(spec, defaults=defaults, fast={"enabled": True, **fast})


def build(spec):
    return realsize.build(spec.builder, device="cpu", dtype=torch.float32, small=True)


def render(pipe, spec) -> np.ndarray:
    d = spec.defaults
    common = dict(prompt="竹林", height=d["height"], width=d["width"],
                  num_inference_steps=d["steps"], guidance_scale=d["guidance"],
                  output_type="np", generator=torch.Generator("cpu").manual_seed(7))
    # As pipelines.render calls it: under the pipeline's own no_grad only (a compiled
    # graph guards on the grad mode; the warm-up runs the same way).
    if spec.kind == registry.KEYFRAME:
        return np.asarray(pipe(**common).images)
    first = Image.new("RGB", (d["width"], d["height"]), (200, 30, 30))
    last = Image.new("RGB", (d["width"], d["height"]), (30, 30, 200))
    return np.asarray(pipe(image=first, last_image=last, num_frames=d["frames"],
                           **common).frames[0])


@pytest.fixture(scope="module")
def baselines():
    return {key: render(build(small_spec(key)), small_spec(key))
            for key in ("sdxl-size-keyframe", "wan13b-size-motion")}


def test_the_tiny_models_get_no_fast_path_even_on_cuda(tiny_models):
    from generation import pipelines

    for spec in registry.BUILTIN.values():
        assert fastpath.plan(spec, "cuda") == fastpath.DEFAULTS
        assert not fastpath.plan(spec, "cuda")["enabled"]
    spec = registry.get("tiny-keyframe")
    pipe = pipelines.load(spec)
    forward = pipe.unet.forward
    assert fastpath.apply(pipe, spec) == {"enabled": False}
    assert pipe.unet.forward == forward and not hasattr(pipe.unet, "_manju_eager_forward")


def test_full_size_entries_take_the_fast_path_on_cuda_only():
    for key in ("sdxl-size-keyframe", "wan13b-size-motion"):
        spec = registry.get(key)
        assert fastpath.plan(spec, "cpu") == fastpath.DEFAULTS
        on_gpu = fastpath.plan(spec, "cuda:0")
        assert on_gpu["enabled"] and on_gpu["compile"] == "regional" and on_gpu["warm_up"]
        # Only items that keep the output within bf16 noise are on by default.
        assert not on_gpu["vae_tiling"] and not on_gpu["cuda_graphs"]
        assert all(not on_gpu[item] for item in fastpath.APPROXIMATE)
    assert fastpath.plan(registry.get("sdxl-size-keyframe"), "cuda")["channels_last"]


def test_a_misspelt_or_bad_item_is_refused():
    with pytest.raises(ValueError, match="unknown fast-path items"):
        fastpath.settings(small_spec("sdxl-size-keyframe", complie="regional"))
    with pytest.raises(ValueError, match="compile"):
        fastpath.settings(small_spec("sdxl-size-keyframe", compile="everything"))
    with pytest.raises(ValueError, match="attention"):
        fastpath.settings(small_spec("sdxl-size-keyframe", attention="flash3"))


def test_attention_backends_are_chosen_in_priority():
    from torch.nn.attention import SDPBackend

    assert isinstance(fastpath.attention_context("auto"), type(fastpath.nullcontext()))
    q = torch.randn(1, 2, 16, 8)
    expected = torch.nn.functional.scaled_dot_product_attention(q, q, q)
    with fastpath.attention_context("math"):
        assert torch._fused_sdp_choice(q, q, q) == SDPBackend.MATH.value
        got = torch.nn.functional.scaled_dot_product_attention(q, q, q)
    assert torch.allclose(got, expected, atol=1e-6)
    # A priority list: the first backend that supports the inputs runs (on a CPU cuDNN
    # cannot, so flash's CPU kernel or math does), with the same result.
    with fastpath.attention_context("cudnn,flash,math"):
        got = torch.nn.functional.scaled_dot_product_attention(q, q, q)
    assert torch.allclose(got, expected, atol=1e-6)


@pytest.mark.parametrize("key", ["sdxl-size-keyframe", "wan13b-size-motion"])
def test_forced_items_keep_the_output(key, baselines):
    spec = small_spec(key, fuse_qkv=True, channels_last=True, attention="math",
                      vae_slicing=True, warm_up=True)
    pipe = build(spec)
    applied = fastpath.apply(pipe, spec, force=True)
    assert applied["fuse_qkv"] and applied["vae_slicing"] and applied["attention"] == "math"
    if key == "sdxl-size-keyframe":
        assert applied["channels_last"] == ["unet", "vae"]
        assert pipe.unet.conv_in.weight.is_contiguous(memory_format=torch.channels_last)
        assert type(pipe.unet.attn_processors[next(iter(pipe.unet.attn_processors))]
                    ).__name__ == "FusedAttnProcessor2_0"
    else:
        assert "channels_last" not in applied  # 3-D model and VAE: not applicable
        assert pipe.transformer.blocks[0].attn1.fused_projections
    assert applied["warm_up_s"] >= 0
    out = render(pipe, spec)
    assert out.shape == baselines[key].shape
    assert np.abs(out - baselines[key]).max() < TOLERANCE


@pytest.mark.parametrize("how", ["regional", "full"])
def test_compiled_denoiser_keeps_the_output_and_compiles_at_warm_up(how, baselines):
    key = "wan13b-size-motion"
    spec = small_spec(key, compile=how, compile_backend="eager", warm_up=True)
    pipe = build(spec)
    torch._dynamo.reset()
    applied = fastpath.apply(pipe, spec, force=True)
    assert applied["compile"] == how and "compile_failed" not in applied
    if how == "regional":
        blocks = [b for b in pipe.transformer.modules() if type(b).__name__ == "WanTransformerBlock"]
        assert blocks and all(b._compiled_call_impl is not None for b in blocks)
    frames_before = torch._dynamo.utils.counters["stats"]["unique_graphs"]
    assert frames_before > 0  # traced during the warm-up, before any job
    out = render(pipe, spec)
    # The job at the warmed shape reuses the graphs: nothing new is traced.
    assert torch._dynamo.utils.counters["stats"]["unique_graphs"] == frames_before
    assert np.abs(out - baselines[key]).max() < TOLERANCE


def test_a_compile_that_fails_at_warm_up_falls_back_to_eager(baselines):
    def broken_backend(graph_module, example_inputs):
        raise RuntimeError("no compiler here")

    key = "sdxl-size-keyframe"
    spec = small_spec(key, compile="regional", compile_backend=broken_backend, warm_up=True)
    pipe = build(spec)
    torch._dynamo.reset()
    applied = fastpath.apply(pipe, spec, force=True)
    assert "no compiler here" in applied["compile_failed"] and "compile" not in applied
    assert all(getattr(m, "_compiled_call_impl", None) is None for m in pipe.unet.modules())
    assert np.abs(render(pipe, spec) - baselines[key]).max() < TOLERANCE


def test_cuda_graph_outputs_are_copied_out_of_the_graph_pool():
    out = torch.ones(2)
    copied = fastpath._clone((out,))
    assert copied[0] is not out and torch.equal(copied[0], out)


def test_step_cache_is_only_on_for_a_job_that_asks_and_is_labelled_approximate():
    spec = small_spec("wan13b-size-motion")
    pipe = build(spec)
    with fastpath.step_cache(pipe, {}) as label:
        assert label == {} and not pipe.transformer.is_cache_enabled
    with fastpath.step_cache(pipe, {"step_cache": {"first_block": 0.2}}) as label:
        assert label == {"step_cache": "first_block", "threshold": 0.2, "approximate": True}
        assert pipe.transformer.is_cache_enabled
        frames = render(pipe, spec)
    assert not pipe.transformer.is_cache_enabled and np.isfinite(frames).all()
    with pytest.raises(ValueError, match="threshold"):
        with fastpath.step_cache(pipe, {"step_cache": {"first_block": 3}}):
            pass
    sdxl = small_spec("sdxl-size-keyframe")
    with pytest.raises(ValueError, match="no step cache"):
        with fastpath.step_cache(build(sdxl), {"step_cache": {"first_block": 0.2}}):
            pass


def test_the_loader_builds_on_the_device_and_applies_the_fast_path(monkeypatch):
    spec = small_spec("wan13b-size-motion", fuse_qkv=True, warm_up=True)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(RuntimeError, match="needs a CUDA GPU"):
        realsize.load(spec)
    pipe = realsize.load(spec, device="cpu", small=True)
    assert pipe.manju_fast["fuse_qkv"] and pipe.manju_fast["warm_up_s"] >= 0
    assert pipe.transformer.blocks[0].ffn.net[2].weight.dtype == torch.bfloat16  # spec.dtype
    assert realsize.weights_id(spec) == "random-weights:wan2.1-1.3b-flf2v:seed=0"


def test_warm_start_loads_the_named_models_before_the_first_job(tiny_models, monkeypatch):
    from generation import pipelines

    cache = pipelines.PipelineCache(budget_bytes=1 << 30)
    monkeypatch.delenv("MANJU_WARM_MODELS", raising=False)
    assert fastpath.warm_start(cache) == {} and cache.loads == 0
    monkeypatch.setenv("MANJU_WARM_MODELS", " tiny-keyframe , ")
    took = fastpath.warm_start(cache)
    assert list(took) == ["tiny-keyframe"] and took["tiny-keyframe"] > 0 and cache.loads == 1
    _, load_seconds = cache.get(registry.get("tiny-keyframe"))  # the first job
    assert load_seconds == 0.0 and cache.loads == 1
