"""Builds the built-in tiny models: real diffusers pipelines with random weights.

Everything is made in code, offline and seeded, so two builds are byte-for-byte the same:
the tokenizer from a vocabulary written here, the networks from tiny configs. Each
pipeline is saved with `save_pretrained` and loaded back by the worker with
`from_pretrained`, so the real loading and denoising code runs everywhere. Their output
is noise; the UI says so.
"""

import shutil
from pathlib import Path

TOKENIZER_MAX_LENGTH = 16


def clip_vocab() -> dict[str, int]:
    """A byte-level BPE vocabulary with every single byte and no merges: any text
    (Chinese included) tokenizes, one token per UTF-8 byte."""
    from tokenizers import pre_tokenizers

    chars = sorted(pre_tokenizers.ByteLevel.alphabet())
    vocab = {"<|startoftext|>": 0, "<|endoftext|>": 1}
    for char in chars:
        vocab[char] = len(vocab)
    for char in chars:
        vocab[char + "</w>"] = len(vocab)
    return vocab


def build_tokenizer(max_length: int = TOKENIZER_MAX_LENGTH):
    from transformers import CLIPTokenizer

    return CLIPTokenizer(vocab=clip_vocab(), merges=[], model_max_length=max_length)


def build_keyframe():
    """A tiny StableDiffusionPipeline: 72×128 (9:16) output, VAE factor 2."""
    import torch
    from diffusers import (
        AutoencoderKL,
        DDIMScheduler,
        StableDiffusionPipeline,
        UNet2DConditionModel,
    )
    from transformers import CLIPTextConfig, CLIPTextModel

    tokenizer = build_tokenizer()
    torch.manual_seed(0)
    unet = UNet2DConditionModel(
        block_out_channels=(8, 16),
        layers_per_block=1,
        sample_size=32,
        in_channels=4,
        out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        cross_attention_dim=16,
        attention_head_dim=4,
        norm_num_groups=4,
    )
    torch.manual_seed(0)
    vae = AutoencoderKL(
        block_out_channels=(8, 16),
        in_channels=3,
        out_channels=3,
        down_block_types=("DownEncoderBlock2D", "DownEncoderBlock2D"),
        up_block_types=("UpDecoderBlock2D", "UpDecoderBlock2D"),
        latent_channels=4,
        norm_num_groups=4,
        sample_size=64,
    )
    torch.manual_seed(0)
    text_encoder = CLIPTextModel(
        CLIPTextConfig(
            bos_token_id=0,
            eos_token_id=1,
            pad_token_id=1,
            hidden_size=16,
            intermediate_size=32,
            num_attention_heads=2,
            num_hidden_layers=2,
            vocab_size=len(tokenizer),
            max_position_embeddings=TOKENIZER_MAX_LENGTH,
        )
    )
    scheduler = DDIMScheduler(
        beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear",
        clip_sample=False, set_alpha_to_one=False, steps_offset=1,
    )
    return StableDiffusionPipeline(
        vae=vae, text_encoder=text_encoder, tokenizer=tokenizer, unet=unet,
        scheduler=scheduler, safety_checker=None, feature_extractor=None,
        requires_safety_checker=False,
    )


def build_motion():
    """A tiny WanImageToVideoPipeline in the Wan 2.2 i2v layout: the first frame (and the
    optional last frame) condition the latents directly, no CLIP image encoder. (The Wan 2.1
    layout with a CLIP image encoder needs a first-last-frame transformer whose image
    positional table is sized for exactly two images, so its last frame is not optional.)
    Sizes must be multiples of 16: 144×256 is 9:16."""
    import torch
    from diffusers import (
        AutoencoderKLWan,
        FlowMatchEulerDiscreteScheduler,
        WanImageToVideoPipeline,
        WanTransformer3DModel,
    )
    from transformers import UMT5Config, UMT5EncoderModel

    tokenizer = build_tokenizer()
    torch.manual_seed(0)
    vae = AutoencoderKLWan(
        base_dim=3, z_dim=16, dim_mult=[1, 1, 1, 1], num_res_blocks=1,
        temperal_downsample=[False, True, True],
    )
    torch.manual_seed(0)
    text_encoder = UMT5EncoderModel(
        UMT5Config(
            vocab_size=len(tokenizer), d_model=32, d_kv=8, d_ff=32, num_layers=2,
            num_heads=4, relative_attention_num_buckets=8, pad_token_id=1,
            eos_token_id=1, decoder_start_token_id=0,
        )
    )
    torch.manual_seed(0)
    transformer = WanTransformer3DModel(
        patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=12,
        in_channels=36, out_channels=16, text_dim=32, freq_dim=256, ffn_dim=32,
        num_layers=2, cross_attn_norm=True, qk_norm="rms_norm_across_heads",
        rope_max_seq_len=32, image_dim=None,
    )
    scheduler = FlowMatchEulerDiscreteScheduler(shift=7.0)
    return WanImageToVideoPipeline(
        tokenizer=tokenizer, text_encoder=text_encoder, vae=vae, scheduler=scheduler,
        image_processor=None, image_encoder=None, transformer=transformer,
    )


BUILDERS = {"tiny-keyframe": build_keyframe, "tiny-motion": build_motion}
MARKER = ".manju-built"
BUILD_VERSION = "1"


def build(key: str, target: Path, force: bool = False) -> bool:
    """Builds one tiny model into `target`; returns False when it is already there."""
    marker = target / MARKER
    if not force and marker.exists() and marker.read_text() == BUILD_VERSION:
        return False
    pipe = BUILDERS[key]()
    staging = target.with_name(target.name + ".building")
    shutil.rmtree(staging, ignore_errors=True)
    pipe.save_pretrained(staging, safe_serialization=True)
    (staging / MARKER).write_text(BUILD_VERSION)
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    return True
