"""Full-size pipelines with random weights, built in memory from published configs.

Timing does not depend on weight values, so these measure what a real checkpoint of the
same shape costs without downloading one. Every config number below is written in code
from the checkpoint's published `config.json` (named beside each table); nothing is read
from disk or the network.

Building is two steps so a GPU worker makes one in seconds without a host-RAM copy:
the modules are constructed with their parameters on the meta device (buffers are small
and computed, e.g. rotary tables, so they are built for real), then `materialise` gives
every parameter random values directly on the target device in the target dtype. On a
machine without CUDA the tests only count parameters on the meta device, and run a
scaled-down variant (`small=True`: same builders, same code path, tiny widths) for real.

Tokenizers: the byte-level CLIP tokenizer of the tiny models (any text, one token per
UTF-8 byte, ids < 514) stands in for the real vocabularies; it changes token ids, not
shapes or cost (prompts are padded to the full 77 / 512 tokens as with the real ones).
"""

import copy
import functools
import math
from contextlib import contextmanager

# --- Published configs -------------------------------------------------------------------

# stabilityai/stable-diffusion-xl-base-1.0, unet/config.json
SDXL_UNET = dict(
    sample_size=128, in_channels=4, out_channels=4, center_input_sample=False,
    flip_sin_to_cos=True, freq_shift=0,
    down_block_types=("DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"),
    up_block_types=("CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"),
    block_out_channels=(320, 640, 1280), layers_per_block=2, downsample_padding=1,
    mid_block_scale_factor=1, act_fn="silu", norm_num_groups=32, norm_eps=1e-5,
    cross_attention_dim=2048, transformer_layers_per_block=(1, 2, 10),
    attention_head_dim=(5, 10, 20), use_linear_projection=True,
    addition_embed_type="text_time", addition_time_embed_dim=256,
    projection_class_embeddings_input_dim=2816,
)
# …/vae/config.json (the 0.13025 scaling factor is SDXL's own)
SDXL_VAE = dict(
    in_channels=3, out_channels=3, latent_channels=4, layers_per_block=2,
    block_out_channels=(128, 256, 512, 512), norm_num_groups=32, act_fn="silu",
    down_block_types=("DownEncoderBlock2D",) * 4, up_block_types=("UpDecoderBlock2D",) * 4,
    sample_size=1024, scaling_factor=0.13025, force_upcast=True,
)
# …/text_encoder/config.json (OpenAI CLIP ViT-L/14 text tower)
SDXL_TEXT_1 = dict(
    vocab_size=49408, hidden_size=768, intermediate_size=3072, num_hidden_layers=12,
    num_attention_heads=12, max_position_embeddings=77, hidden_act="quick_gelu",
    projection_dim=768, layer_norm_eps=1e-5,
)
# …/text_encoder_2/config.json (OpenCLIP ViT-bigG/14 text tower, with projection)
SDXL_TEXT_2 = dict(
    vocab_size=49408, hidden_size=1280, intermediate_size=5120, num_hidden_layers=32,
    num_attention_heads=20, max_position_embeddings=77, hidden_act="gelu",
    projection_dim=1280, layer_norm_eps=1e-5,
)
# …/scheduler/scheduler_config.json (EulerDiscreteScheduler)
SDXL_SCHEDULER = dict(
    num_train_timesteps=1000, beta_start=0.00085, beta_end=0.012,
    beta_schedule="scaled_linear", prediction_type="epsilon", steps_offset=1,
    timestep_spacing="leading", interpolation_type="linear", use_karras_sigmas=False,
)

# Wan-AI/Wan2.1-T2V-1.3B-Diffusers, transformer/config.json: the 1.3B widths and depth.
WAN_13B_TRANSFORMER = dict(
    patch_size=(1, 2, 2), num_attention_heads=12, attention_head_dim=128, in_channels=16,
    out_channels=16, text_dim=4096, freq_dim=256, ffn_dim=8960, num_layers=30,
    cross_attn_norm=True, qk_norm="rms_norm_across_heads", eps=1e-6, rope_max_seq_len=1024,
)
# The image-to-video layout with first + last frame, as in
# Wan-AI/Wan2.1-FLF2V-14B-720P-Diffusers transformer/config.json: 36 input channels
# (16 noise + 4 frame mask + 16 conditioning latents), CLIP image tokens through extra
# key/value projections of the model's width, a positional table for two images (257 each).
WAN_I2V_FLF_LAYOUT = dict(
    in_channels=36, image_dim=1280, added_kv_proj_dim=1536, pos_embed_seq_len=2 * 257,
)
# …/vae/config.json (AutoencoderKLWan; its latents_mean/std are the class defaults)
WAN_VAE = dict(
    base_dim=96, z_dim=16, dim_mult=[1, 2, 4, 4], num_res_blocks=2, attn_scales=[],
    temperal_downsample=[False, True, True], dropout=0.0,
)
# …/text_encoder/config.json (google/umt5-xxl, encoder only)
UMT5_XXL = dict(
    vocab_size=256384, d_model=4096, d_kv=64, d_ff=10240, num_layers=24, num_heads=64,
    relative_attention_num_buckets=32, relative_attention_max_distance=128,
    feed_forward_proj="gated-gelu", layer_norm_epsilon=1e-6, dense_act_fn="gelu_new",
    tie_word_embeddings=False,
)
# Wan-AI/Wan2.1-FLF2V-14B-720P-Diffusers, image_encoder/config.json (CLIP ViT-H/14 vision)
CLIP_VIT_H = dict(
    hidden_size=1280, intermediate_size=5120, num_hidden_layers=32, num_attention_heads=16,
    patch_size=14, image_size=224, hidden_act="gelu", layer_norm_eps=1e-5,
    projection_dim=1024,
)
# …/image_processor/preprocessor_config.json (the OpenAI CLIP normalisation)
CLIP_IMAGE_PROCESSOR = dict(
    do_resize=True, size={"shortest_edge": 224}, resample=3, do_center_crop=True,
    crop_size={"height": 224, "width": 224}, do_normalize=True,
    image_mean=[0.48145466, 0.4578275, 0.40821073],
    image_std=[0.26862954, 0.26130258, 0.27577711], do_convert_rgb=True,
)
# …/scheduler/scheduler_config.json (UniPC in flow-matching mode; flow_shift 3.0 is the
# 480p value of the Wan 2.1 recipes)
WAN_SCHEDULER = dict(
    num_train_timesteps=1000, prediction_type="flow_prediction", use_flow_sigmas=True,
    flow_shift=3.0, solver_order=2, solver_type="bh2", predict_x0=True,
    lower_order_final=True, final_sigmas_type="zero", timestep_spacing="linspace",
)

# Scaled-down overrides: the same classes and code path, widths and depths a CPU runs in
# well under a second per step. Everything not named keeps its published value.
SMALL = {
    "sdxl_unet": dict(block_out_channels=(32, 64, 64), layers_per_block=1,
                      transformer_layers_per_block=(1, 1, 2), attention_head_dim=(2, 4, 4),
                      norm_num_groups=8, cross_attention_dim=64, addition_time_embed_dim=8,
                      projection_class_embeddings_input_dim=6 * 8 + 32),
    "sdxl_vae": dict(block_out_channels=(8, 16, 16, 16), layers_per_block=1, norm_num_groups=4),
    "sdxl_text_1": dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                        num_attention_heads=2, projection_dim=32),
    "sdxl_text_2": dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                        num_attention_heads=2, projection_dim=32),
    "wan_transformer": dict(num_attention_heads=2, attention_head_dim=12, ffn_dim=32,
                            num_layers=2, text_dim=32, rope_max_seq_len=32,
                            image_dim=32, added_kv_proj_dim=24),
    "wan_vae": dict(base_dim=8, dim_mult=[1, 1, 1, 1], num_res_blocks=1),
    "umt5": dict(vocab_size=600, d_model=32, d_kv=8, d_ff=32, num_layers=2, num_heads=4,
                 relative_attention_num_buckets=8),
    "clip_vit_h": dict(hidden_size=32, intermediate_size=64, num_hidden_layers=3,
                       num_attention_heads=2, image_size=28, patch_size=14,
                       projection_dim=16),
}
# The CLIP image tokens per image follow from the vision tower: (224/14)² + 1 class token.
SMALL_IMAGE_TOKENS = (28 // 14) ** 2 + 1


def _cfg(base: dict, small: bool, key: str, **extra) -> dict:
    config = copy.deepcopy(base)
    if small:
        config.update(SMALL[key])
    config.update(extra)
    return config


# --- Empty construction and materialisation ----------------------------------------------


@contextmanager
def _unfilled():
    """torch.empty without the NaN fill that deterministic mode adds (the CPU worker turns
    it on, see pipelines._torch), for tensors that are written right after or never hold
    data: accelerate makes each parameter with torch.empty on the CPU before moving it to
    the meta device, and filling those (umT5-XXL alone is 23 GB in float32, one tensor at a
    time) made one full-size Wan build on the meta device take ~17 s instead of ~0.8 s."""
    import torch

    deterministic = torch.utils.deterministic
    before = deterministic.fill_uninitialized_memory
    deterministic.fill_uninitialized_memory = False
    try:
        yield
    finally:
        deterministic.fill_uninitialized_memory = before


@contextmanager
def empty_parameters():
    """Modules built inside get their parameters on the meta device (no memory, no init
    kernels); buffers are built for real, they are small and computed in __init__."""
    from accelerate import init_empty_weights

    with _unfilled(), init_empty_weights(include_buffers=False):
        yield


def _tied(model):
    """transformers ties shared weights (T5's encoder embedding is its `shared` table), but
    inside `empty_parameters` every assignment makes a new meta parameter and the tie comes
    apart: tie them again once outside it."""
    if hasattr(model, "tie_weights"):
        model.tie_weights()
    return model


def _keeps_fp32(model, name: str) -> bool:
    """diffusers and transformers keep some modules in float32 when a checkpoint is loaded
    in half precision (`_keep_in_fp32_modules`, matched on dotted name parts); do the same
    so the random model computes exactly like a loaded one."""
    keep = getattr(model, "_keep_in_fp32_modules", None) or []
    parts = name.split(".")
    return any(module in parts for module in keep)


def materialise(model, device, dtype, seed: int = 0):
    """Gives every meta parameter random values on `device` in `dtype` (float32 where the
    model keeps a module in float32) and moves buffers there. Weights are N(0, 1/fan_in)
    (activations keep their scale through deep stacks, so bf16 does not overflow); 1-D
    weights (norm scales) are ones, biases zeros."""
    import torch

    generator = torch.Generator(device=device).manual_seed(seed)
    made = {}  # a parameter shared by two modules (tied weights) stays one parameter
    with torch.no_grad(), _unfilled():  # every value below is written before it is used
        for module_name, module in model.named_modules(remove_duplicate=False):
            for name, param in list(module._parameters.items()):
                if param is None:
                    continue
                if id(param) in made:
                    module._parameters[name] = made[id(param)]
                    continue
                full = f"{module_name}.{name}" if module_name else name
                target = torch.float32 if _keeps_fp32(model, full) else dtype
                if not param.is_floating_point():
                    target = param.dtype
                value = torch.empty(param.shape, device=device, dtype=target)
                if param.ndim >= 2:
                    fan_in = math.prod(param.shape[1:])
                    value.normal_(0.0, 1.0 / math.sqrt(fan_in), generator=generator)
                elif name == "bias":
                    value.zero_()
                else:
                    value.fill_(1.0)
                made[id(param)] = torch.nn.Parameter(value, requires_grad=False)
                module._parameters[name] = made[id(param)]
            for name, buffer in list(module._buffers.items()):
                if buffer is not None:
                    module._buffers[name] = buffer.to(device)
    model.eval()
    return model


def parameter_count(model) -> int:
    return sum(p.numel() for p in model.parameters())


# --- Builders ----------------------------------------------------------------------------


def _tokenizer(max_length: int):
    from generation import tiny

    return tiny.build_tokenizer(max_length)


def sdxl_components(small: bool = False) -> dict:
    """SDXL base 1.0 at full size: UNet 2.57 B, both CLIP text encoders, VAE (meta)."""
    from diffusers import AutoencoderKL, EulerDiscreteScheduler, UNet2DConditionModel
    from transformers import (
        CLIPTextConfig,
        CLIPTextModel,
        CLIPTextModelWithProjection,
    )

    # Our tokenizer's ids: <|startoftext|> 0, <|endoftext|> 1 (also pad); the real
    # vocabulary's eos is 49407, only the pooling position depends on it.
    ids = dict(bos_token_id=0, eos_token_id=1, pad_token_id=1)
    with empty_parameters():
        unet = UNet2DConditionModel(**_cfg(SDXL_UNET, small, "sdxl_unet"))
        vae = AutoencoderKL(**_cfg(SDXL_VAE, small, "sdxl_vae"))
        text_encoder = CLIPTextModel(
            CLIPTextConfig(**_cfg(SDXL_TEXT_1, small, "sdxl_text_1"), **ids))
        text_encoder_2 = CLIPTextModelWithProjection(
            CLIPTextConfig(**_cfg(SDXL_TEXT_2, small, "sdxl_text_2"), **ids))
    return dict(unet=unet, vae=vae, text_encoder=_tied(text_encoder),
                text_encoder_2=_tied(text_encoder_2),
                tokenizer=_tokenizer(77), tokenizer_2=_tokenizer(77),
                scheduler=EulerDiscreteScheduler(**SDXL_SCHEDULER))


def wan_components(small: bool = False) -> dict:
    """Wan2.1 1.3B widths in the first+last-frame image-to-video layout (meta)."""
    from diffusers import AutoencoderKLWan, UniPCMultistepScheduler, WanTransformer3DModel
    from transformers import (
        CLIPImageProcessorPil,
        CLIPVisionConfig,
        CLIPVisionModel,
        UMT5Config,
        UMT5EncoderModel,
    )

    layout = dict(WAN_I2V_FLF_LAYOUT)
    if small:
        layout["pos_embed_seq_len"] = 2 * SMALL_IMAGE_TOKENS
    transformer_cfg = _cfg({**WAN_13B_TRANSFORMER, **layout}, small, "wan_transformer")
    vision_cfg = _cfg(CLIP_VIT_H, small, "clip_vit_h")
    processor_cfg = copy.deepcopy(CLIP_IMAGE_PROCESSOR)
    if small:
        side = vision_cfg["image_size"]
        processor_cfg.update(size={"shortest_edge": side},
                             crop_size={"height": side, "width": side})
    with empty_parameters():
        transformer = WanTransformer3DModel(**transformer_cfg)
        vae = AutoencoderKLWan(**_cfg(WAN_VAE, small, "wan_vae"))
        text_encoder = UMT5EncoderModel(UMT5Config(
            **_cfg(UMT5_XXL, small, "umt5"), pad_token_id=1, eos_token_id=1,
            decoder_start_token_id=0))
        image_encoder = CLIPVisionModel(CLIPVisionConfig(**vision_cfg))
    return dict(transformer=transformer, vae=vae, text_encoder=_tied(text_encoder),
                image_encoder=_tied(image_encoder), tokenizer=_tokenizer(512),
                image_processor=CLIPImageProcessorPil(**processor_cfg),
                scheduler=UniPCMultistepScheduler(**WAN_SCHEDULER))


def sdxl_pipeline(components: dict):
    from diffusers import StableDiffusionXLPipeline

    return StableDiffusionXLPipeline(**components, force_zeros_for_empty_prompt=True,
                                     add_watermarker=False)


def wan_pipeline(components: dict):
    from diffusers import WanImageToVideoPipeline

    return WanImageToVideoPipeline(**components)


BUILDERS = {
    # builder name → (components on meta, pipeline from components, the denoiser's name)
    "sdxl-base-1.0": (sdxl_components, sdxl_pipeline, "unet"),
    "wan2.1-1.3b-flf2v": (wan_components, wan_pipeline, "transformer"),
}


def denoiser_name(builder: str) -> str:
    return BUILDERS[builder][2]


def build(builder: str, device="cuda", dtype=None, small: bool = False, seed: int = 0):
    """A pipeline with random weights, its parameters made directly on `device`.
    `device="meta"` leaves them empty (for counting parameters or FLOPs)."""
    import torch

    dtype = dtype or torch.bfloat16
    make_components, make_pipeline, _ = BUILDERS[builder]
    components = make_components(small=small)
    if str(device) != "meta":
        for offset, (_name, component) in enumerate(sorted(components.items())):
            if isinstance(component, torch.nn.Module):
                materialise(component, device, dtype, seed=seed + offset)
    pipe = make_pipeline(components)
    pipe.set_progress_bar_config(disable=True)
    return pipe


def component_counts(builder: str, small: bool = False) -> dict[str, int]:
    """Parameters per component, counted on the meta device (nothing is allocated)."""
    import torch

    components = BUILDERS[builder][0](small=small)
    return {name: parameter_count(module) for name, module in components.items()
            if isinstance(module, torch.nn.Module)}


# --- One denoising step, as the pipelines call the denoiser -----------------------------


def denoiser_calls(pipe, width: int, height: int, frames: int = 1, guidance: float = 5.0,
                   batch: int = 1) -> list[dict]:
    """The keyword arguments of every denoiser call in one denoising step of a job of this
    shape, with tensors of the right shapes (zeros) on the denoiser's device and dtype, as
    StableDiffusionXLPipeline (one UNet call, the CFG pair batched) and
    WanImageToVideoPipeline (two transformer calls: conditional, then unconditional) make
    them. Used to count FLOPs (on the meta device too) and to time the forward alone."""
    import torch

    cfg = guidance > 1.0
    if getattr(pipe, "unet", None) is not None:
        unet = pipe.unet
        param = next(unet.parameters())
        scale = pipe.vae_scale_factor
        rows = batch * (2 if cfg else 1)
        zeros = functools.partial(torch.zeros, device=param.device, dtype=param.dtype)
        pooled = pipe.text_encoder_2.config.projection_dim
        return [dict(
            sample=zeros(rows, unet.config.in_channels, height // scale, width // scale),
            timestep=torch.tensor(999, device=param.device),
            encoder_hidden_states=zeros(rows, pipe.tokenizer.model_max_length,
                                        unet.config.cross_attention_dim),
            added_cond_kwargs={"text_embeds": zeros(rows, pooled), "time_ids": zeros(rows, 6)},
            return_dict=False,
        )]
    transformer = pipe.transformer
    param = next(transformer.parameters())
    zeros = functools.partial(torch.zeros, device=param.device, dtype=param.dtype)
    config = transformer.config
    latent_frames = (frames - 1) // pipe.vae_scale_factor_temporal + 1
    scale = pipe.vae_scale_factor_spatial
    call = dict(
        hidden_states=zeros(batch, config.in_channels, latent_frames, height // scale,
                            width // scale),
        timestep=torch.full((batch,), 999, device=param.device, dtype=torch.long),
        encoder_hidden_states=zeros(batch, 512, config.text_dim),
        return_dict=False,
    )
    if config.image_dim is not None:
        images = 2 if config.pos_embed_seq_len else 1
        tokens = (config.pos_embed_seq_len // 2) if config.pos_embed_seq_len else 257
        call["encoder_hidden_states_image"] = zeros(batch * images, tokens, config.image_dim)
    return [call, dict(call)] if cfg else [call]


def step_flops(pipe, calls: list[dict]) -> int:
    """Model FLOPs of one denoising step (matmuls, convolutions and attention, as
    torch.utils.flop_counter counts them), by running the denoiser calls under the counter;
    on a meta-device pipeline nothing is computed."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    model = getattr(pipe, "unet", None) or pipe.transformer
    if next(model.parameters()).device.type == "meta":
        model.to("meta")  # buffers too, so no op mixes devices
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        for call in calls:
            model(**call)
    return counter.get_total_flops()


# --- What the worker's loader calls -------------------------------------------------------


def weights_id(spec) -> str:
    """Stands in for the weights' sha256 in provenance: the builder and seed make the
    same random weights again."""
    return f"random-weights:{spec.builder}:seed=0"


def load(spec, device: str | None = None, small: bool = False):
    """A registry entry with a `builder`, as the gpu worker loads it: built directly on the
    GPU in the entry's dtype, then the entry's fast path applied (compiled and warmed up
    here, at load, so no job pays for it). `device`/`small` are for the CPU tests."""
    import torch

    from generation import fastpath

    if device is None:
        if not torch.cuda.is_available():
            raise RuntimeError(f"{spec.key} is a full-size model: it needs a CUDA GPU")
        device = "cuda"
    pipe = build(spec.builder, device=device, dtype=getattr(torch, spec.dtype), small=small)
    fastpath.apply(pipe, spec, device=device, force=small)
    return pipe
