"""Full-size random-weight pipelines: counted on the meta device at full size (nothing is
allocated), and run for real on the CPU only scaled down, through the same builders."""

import numpy as np
import pytest
import torch
from PIL import Image

from generation import realsize, registry

SDXL, WAN = "sdxl-base-1.0", "wan2.1-1.3b-flf2v"


def test_full_size_parameter_counts_are_the_published_architectures():
    # Exact counts of the configs in realsize.py, computed here on the meta device. The
    # published sizes they round to: SDXL's UNet "2.6B" (SDXL paper, Podell et al. 2023),
    # its VAE 83.7 M and text encoders CLIP ViT-L 123 M + OpenCLIP bigG 695 M; Wan2.1's
    # "1.3B" model (whose T2V transformer is 1,418,996,800, below), its VAE "127M"
    # (Wan report), umT5-XXL's encoder 5.68 B and CLIP ViT-H/14's vision tower 631 M.
    sdxl = realsize.component_counts(SDXL)
    assert sdxl == {"unet": 2_567_463_684, "vae": 83_653_863, "text_encoder": 123_060_480,
                    "text_encoder_2": 694_659_840}
    wan = realsize.component_counts(WAN)
    assert wan == {"transformer": 1_565_086_528, "vae": 126_892_531,
                   "text_encoder": 5_680_910_336, "image_encoder": 630_766_080}


def test_wan_counts_follow_from_the_config_by_hand():
    """The same figures by arithmetic, so a wrong number in a config table shows."""
    from diffusers import WanTransformer3DModel

    with realsize.empty_parameters():
        t2v = WanTransformer3DModel(**realsize.WAN_13B_TRANSFORMER)
    assert realsize.parameter_count(t2v) == 1_418_996_800  # Wan2.1-T2V-1.3B's transformer
    # The first+last-frame layout adds 20 input channels to the patch embedding, image
    # key/value projections with their norm in every block, the image embedder and its
    # two-image positional table.
    dim, layers, image_dim = 1536, 30, 1280
    extra = (20 * 4 * dim
             + layers * (2 * (dim * dim + dim) + dim)
             + (2 * image_dim + image_dim * image_dim + image_dim + image_dim * dim + dim
                + 2 * dim)
             + 514 * image_dim)
    assert realsize.component_counts(WAN)["transformer"] == 1_418_996_800 + extra
    # umT5-XXL encoder: embedding + 24 × (attention 4·d², per-layer relative bias,
    # gated-GELU FFN 3·d·d_ff, two RMSNorms) + final norm; the embedding is tied, once.
    d, d_ff, vocab = 4096, 10240, 256384
    per_layer = 4 * d * d + 32 * 64 + 3 * d * d_ff + 2 * d
    assert realsize.component_counts(WAN)["text_encoder"] == vocab * d + 24 * per_layer + d


def test_nothing_is_allocated_at_full_size_on_the_meta_device():
    for builder in (SDXL, WAN):
        pipe = realsize.build(builder, device="meta")
        model = getattr(pipe, "unet", None) or pipe.transformer
        assert all(p.device.type == "meta" for p in model.parameters())
        assert all(p.device.type == "meta" for p in pipe.text_encoder.parameters())


def test_full_size_flops_per_step_are_counted_and_match_the_arithmetic():
    wan = registry.get("wan13b-size-motion")
    d = wan.defaults
    pipe = realsize.build(WAN, device="meta")
    calls = realsize.denoiser_calls(pipe, d["width"], d["height"], d["frames"], d["guidance"])
    assert len(calls) == 2  # Wan: conditional and unconditional passes, batch 1 each
    assert calls[0]["hidden_states"].shape == (1, 36, 21, 104, 60)
    flops = realsize.step_flops(pipe, calls)
    # By hand (2 FLOPs per multiply-add): 30 blocks of self-attention projections and
    # scores over L = 21·52·30 tokens, cross-attention to 512 text and 514 image tokens,
    # the FFN; plus the patch, text, image, time embedders and the output projection.
    dim, ffn, tokens, text, image = 1536, 8960, 21 * 52 * 30, 512, 514
    block = (6 * tokens * dim**2 + 2 * text * dim**2 + 2 * image * dim**2
             + 2 * tokens * tokens * dim + 2 * tokens * text * dim + 2 * tokens * image * dim
             + 2 * tokens * dim * ffn)
    outside = (tokens * 36 * 4 * dim + text * (4096 * dim + dim * dim)
               + image * (1280 * 1280 + 1280 * dim) + 256 * dim + dim * dim + 6 * dim * dim
               + tokens * dim * 64)
    assert flops == 2 * 2 * (30 * block + outside)  # two calls per step
    assert flops == 572_525_527_564_288

    sdxl = registry.get("sdxl-size-keyframe")
    d = sdxl.defaults
    pipe = realsize.build(SDXL, device="meta")
    calls = realsize.denoiser_calls(pipe, d["width"], d["height"], 1, d["guidance"])
    assert len(calls) == 1 and calls[0]["sample"].shape == (2, 4, 168, 96)  # CFG batched
    # ≈ 2 × 6.6 TFLOP: one SDXL UNet forward at about a megapixel, for the CFG pair.
    assert realsize.step_flops(pipe, calls) == 13_289_704_652_800


def _recorded_calls(model):
    calls = []

    def hook(_module, args, kwargs):
        calls.append({key: tuple(value.shape) for key, value in kwargs.items()
                      if isinstance(value, torch.Tensor)})
        if args:
            calls[-1]["sample"] = tuple(args[0].shape)

    return calls, model.register_forward_pre_hook(hook, with_kwargs=True)


def test_scaled_down_sdxl_builder_runs_a_real_denoising_step_on_the_cpu():
    pipe = realsize.build(SDXL, device="cpu", dtype=torch.float32, small=True)
    assert type(pipe).__name__ == "StableDiffusionXLPipeline"
    calls, handle = _recorded_calls(pipe.unet)
    out = pipe(prompt="竹林", height=64, width=64, num_inference_steps=1, guidance_scale=5.0,
               output_type="np", generator=torch.Generator("cpu").manual_seed(0))
    handle.remove()
    images = np.asarray(out.images)
    assert images.shape == (1, 64, 64, 3) and np.isfinite(images).all() and images.std() > 0
    expected = realsize.denoiser_calls(pipe, 64, 64, 1, 5.0)[0]
    assert calls == [{"sample": tuple(expected["sample"].shape),
                      "encoder_hidden_states": tuple(expected["encoder_hidden_states"].shape)}]


def test_scaled_down_wan_builder_runs_a_real_first_last_frame_step_on_the_cpu():
    pipe = realsize.build(WAN, device="cpu", dtype=torch.float32, small=True)
    assert pipe.image_encoder is not None and pipe.transformer.config.pos_embed_seq_len
    calls, handle = _recorded_calls(pipe.transformer)
    first = Image.new("RGB", (48, 80), (200, 30, 30))
    last = Image.new("RGB", (48, 80), (30, 30, 200))
    out = pipe(image=first, last_image=last, prompt="竹林", height=80, width=48, num_frames=5,
               num_inference_steps=1, guidance_scale=5.0, output_type="np",
               generator=torch.Generator("cpu").manual_seed(0))
    handle.remove()
    frames = np.asarray(out.frames[0])
    assert frames.shape == (5, 80, 48, 3) and np.isfinite(frames).all()
    expected = [{key: tuple(value.shape) for key, value in call.items()
                 if isinstance(value, torch.Tensor) and key != "timestep"}
                for call in realsize.denoiser_calls(pipe, 48, 80, 5, 5.0)]
    assert [{k: v for k, v in call.items() if k != "timestep"} for call in calls] == expected


def test_materialise_makes_random_weights_in_the_dtype_keeping_fp32_modules_and_ties():
    pipe = realsize.build(WAN, device="cpu", dtype=torch.bfloat16, small=True, seed=3)
    transformer = pipe.transformer
    params = dict(transformer.named_parameters())
    assert not any(p.device.type == "meta" for p in params.values())
    # diffusers keeps these in float32 when a checkpoint is loaded in bf16; so do we.
    assert params["scale_shift_table"].dtype == torch.float32
    assert params["blocks.0.norm2.weight"].dtype == torch.float32
    assert params["condition_embedder.time_embedder.linear_1.weight"].dtype == torch.float32
    assert params["blocks.0.attn1.to_q.weight"].dtype == torch.bfloat16
    weight = params["blocks.0.attn1.to_q.weight"].float()  # N(0, 1/fan_in)
    assert abs(weight.std().item() * np.sqrt(weight.shape[1]) - 1) < 0.15
    assert (params["blocks.0.attn1.to_q.bias"] == 0).all()
    assert (params["blocks.0.attn1.norm_q.weight"] == 1).all()
    # The rotary tables are computed buffers, kept (not random, not empty).
    assert transformer.rope.freqs_cos.abs().sum() > 0
    encoder = pipe.text_encoder
    assert encoder.shared.weight is encoder.encoder.embed_tokens.weight
    again = realsize.build(WAN, device="cpu", dtype=torch.bfloat16, small=True, seed=3)
    assert torch.equal(again.transformer.blocks[0].attn1.to_q.weight,
                       transformer.blocks[0].attn1.to_q.weight)


def test_full_size_entries_are_offered_only_where_cuda_is_visible(monkeypatch):
    realsize_keys = {"sdxl-size-keyframe", "wan13b-size-motion"}
    monkeypatch.delenv("MANJU_CUDA_MODELS", raising=False)
    monkeypatch.setattr(registry, "_torch_sees_cuda", lambda: False)
    offered = {spec.key for kind in (registry.KEYFRAME, registry.MOTION)
               for spec in registry.of_kind(kind)}
    assert offered == {"tiny-keyframe", "tiny-motion"}
    monkeypatch.setattr(registry, "_torch_sees_cuda", lambda: True)
    offered = {spec.key for kind in (registry.KEYFRAME, registry.MOTION)
               for spec in registry.of_kind(kind)}
    assert realsize_keys <= offered
    monkeypatch.setenv("MANJU_CUDA_MODELS", "0")
    assert not realsize_keys & {s.key for s in registry.of_kind(registry.KEYFRAME)}
    monkeypatch.setattr(registry, "_torch_sees_cuda", lambda: False)
    monkeypatch.setenv("MANJU_CUDA_MODELS", "1")  # a web host without a GPU, GPU workers
    assert "sdxl-size-keyframe" in {s.key for s in registry.of_kind(registry.KEYFRAME)}
    monkeypatch.setenv("MANJU_CUDA_MODELS", "maybe")
    with pytest.raises(ValueError, match="MANJU_CUDA_MODELS"):
        registry.of_kind(registry.KEYFRAME)


def test_full_size_entries_are_what_the_issue_asks_for():
    keyframe, motion = registry.get("sdxl-size-keyframe"), registry.get("wan13b-size-motion")
    assert (keyframe.defaults["width"], keyframe.defaults["height"]) == (768, 1344)
    assert (motion.defaults["width"], motion.defaults["height"]) == (480, 832)
    assert motion.defaults["frames"] == 81 and motion.needs_last_frame
    for spec in (keyframe, motion):
        assert spec.requires_cuda and spec.builder in realsize.BUILDERS
        assert spec.dtype == "bfloat16" and not spec.builtin
    # The tiny built-ins stay what the CPU tests run: no builder, no CUDA, float32.
    for spec in registry.BUILTIN.values():
        assert not spec.builder and not spec.requires_cuda and spec.dtype == "float32"


def test_building_leaves_the_deterministic_fill_as_the_worker_set_it():
    """The builders drop deterministic mode's NaN fill of torch.empty while they make
    tensors that are written at once (it cost ~17 s a full-size build); they must hand
    the setting back and still write every value."""
    fill = torch.utils.deterministic
    was_on, was_fill = torch.are_deterministic_algorithms_enabled(), fill.fill_uninitialized_memory
    torch.use_deterministic_algorithms(True, warn_only=True)
    fill.fill_uninitialized_memory = True
    try:
        pipe = realsize.build(WAN, device="cpu", dtype=torch.float32, small=True)
        assert fill.fill_uninitialized_memory is True
        assert all(torch.isfinite(p).all() for p in pipe.transformer.parameters())
        realsize.build(SDXL, device="meta")
        assert fill.fill_uninitialized_memory is True
        assert torch.isnan(torch.empty(4)).all()  # the worker's setting is in force again
    finally:
        torch.use_deterministic_algorithms(was_on, warn_only=True)
        fill.fill_uninitialized_memory = was_fill
