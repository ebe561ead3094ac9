"""The model registry: model key → kind, diffusers pipeline class, source, dtype, defaults
and price.

Built in: `tiny-keyframe` and `tiny-motion`, random-weight pipelines built offline by
`manage.py build_tiny_models` into MANJU_MODELS_DIR. More entries (a real checkpoint is one
entry away) come from the JSON file named by MANJU_MODELS_FILE, e.g.

    {"wan-flf2v-14b": {"kind": "motion", "pipeline": "WanImageToVideoPipeline",
      "source": "Wan-AI/Wan2.1-FLF2V-14B-720P-diffusers", "dtype": "bfloat16",
      "defaults": {"width": 720, "height": 1280, "frames": 81, "fps": 16, "steps": 40,
                   "guidance": 5.0},
      "price": {"base": 40, "per_megapixel_frame": 2}}}

A source is a local folder or a hub id; nothing downloads unless an entry names a hub id.

Image-to-image entries (pipeline `…Img2ImgPipeline`) take `init_job` (a finished keyframe
of the studio) and `strength`: the storyboard's one-sentence edit (一句话改图) uses the
built-in `tiny-keyframe-edit`, made from the same tiny components as `tiny-keyframe`.
For real checkpoints, character references condition keyframes through an IP-Adapter
entry (documented here, not run by the tests: it needs downloaded weights), e.g.

    {"sdxl-ip-adapter": {"kind": "keyframe", "pipeline": "StableDiffusionXLPipeline",
      "source": "stabilityai/stable-diffusion-xl-base-1.0", "dtype": "float16",
      "ip_adapter": {"repo": "h94/IP-Adapter", "subfolder": "sdxl_models",
                     "weight_name": "ip-adapter_sdxl.bin", "scale": 0.6},
      "defaults": {"width": 768, "height": 1344, "steps": 30, "guidance": 6.0},
      "price": {"base": 8, "per_megapixel_frame": 4}}}

with `pipe.load_ip_adapter(repo, subfolder=…, weight_name=…)` and `set_ip_adapter_scale`
at load, and `ip_adapter_image=<the character's reference>` at render.

Full-size entries with random weights (`sdxl-size-keyframe`, `wan13b-size-motion`) have a
`builder` instead of a source: realsize.py builds the real architecture from its published
config directly on the GPU, so timing them measures what a real checkpoint of that shape
costs. They need CUDA (`requires_cuda`) and are offered in the forms only where CUDA is
visible (MANJU_CUDA_MODELS=1 shows them anyway, e.g. on a web host without a GPU whose
gpu workers have one; =0 hides them). Each entry's `fast` dict switches the CUDA fast
path's items (fastpath.py: DEFAULTS, all off, are what an entry without `fast` gets).
"""

import functools
import glob
import json
import math
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext_noop

from generation import conf

KEYFRAME, MOTION = "keyframe", "motion"


@dataclass(frozen=True)
class ModelSpec:
    key: str
    kind: str
    pipeline: str
    source: str
    dtype: str = "float32"
    defaults: dict = field(default_factory=dict)
    # Credits: base + per_megapixel_frame × width × height × frames / 1e6, rounded up.
    price: dict = field(default_factory=dict)
    label: str = ""
    builtin: bool = False
    # IP-Adapter weights for reference-image conditioning (real checkpoints only).
    ip_adapter: dict = field(default_factory=dict)
    # Built in memory with random weights by realsize.BUILDERS[builder] (no source).
    builder: str = ""
    # Runs only on CUDA: hidden from the forms where CUDA is not visible (cuda_visible()).
    requires_cuda: bool = False
    # The first+last-frame layout (Wan FLF2V): a shot needs both frames.
    needs_last_frame: bool = False
    # CUDA fast-path switches over fastpath.DEFAULTS (bf16 is `dtype`).
    fast: dict = field(default_factory=dict)

    def source_path(self) -> str:
        if self.builtin:
            # A built-in entry may reuse another built-in's folder (source = its key).
            folder = self.source if self.source not in ("", "builtin") else self.key
            return str(conf.models_dir() / folder)
        return self.source

    @property
    def image_to_image(self) -> bool:
        return self.pipeline.endswith("Img2ImgPipeline")

    def price_for(self, params: dict) -> int:
        frames = params.get("frames", 1) if self.kind == MOTION else 1
        megapixel_frames = params["width"] * params["height"] * frames / 1_000_000
        return int(self.price.get("base", 1)) + math.ceil(
            float(self.price.get("per_megapixel_frame", 0)) * megapixel_frames
        )


BUILTIN = {
    "tiny-keyframe": ModelSpec(
        key="tiny-keyframe", kind=KEYFRAME, pipeline="StableDiffusionPipeline",
        source="builtin", builtin=True, label=gettext_noop("Tiny keyframe (random weights: noise)"),
        defaults={"width": 72, "height": 128, "steps": 8, "guidance": 5.0},
        price={"base": 2, "per_megapixel_frame": 10},
    ),
    "tiny-keyframe-edit": ModelSpec(
        key="tiny-keyframe-edit", kind=KEYFRAME, pipeline="StableDiffusionImg2ImgPipeline",
        source="tiny-keyframe", builtin=True,
        label=gettext_noop("Tiny keyframe edit, image-to-image (random weights: noise)"),
        defaults={"width": 72, "height": 128, "steps": 8, "guidance": 5.0, "strength": 0.6},
        price={"base": 2, "per_megapixel_frame": 10},
    ),
    "tiny-motion": ModelSpec(
        key="tiny-motion", kind=MOTION, pipeline="WanImageToVideoPipeline",
        source="builtin", builtin=True, label=gettext_noop("Tiny shot (random weights: noise)"),
        defaults={"width": 144, "height": 256, "frames": 9, "fps": 8, "steps": 6,
                  "guidance": 1.0},
        price={"base": 5, "per_megapixel_frame": 10},
    ),
}

# The fast path a full-size entry runs with on CUDA (fastpath.py says what each item does):
# only items that keep the output the same within bf16 noise. CUDA graphs, VAE tiling and
# step caching stay off (switches; tiling and caching change the output).
_FAST_UNET = {"enabled": True, "attention": "auto", "compile": "regional",
              "compile_mode": "default", "channels_last": True,
              "fuse_qkv": True, "vae_slicing": True, "tf32": True, "warm_up": True}
_FAST_DIT = {"enabled": True, "attention": "auto", "compile": "regional",
             "compile_mode": "default", "fuse_qkv": True,
             "vae_slicing": True, "tf32": True, "warm_up": True}

REALSIZE = {
    "sdxl-size-keyframe": ModelSpec(
        key="sdxl-size-keyframe", kind=KEYFRAME, pipeline="StableDiffusionXLPipeline",
        source="random-weights:sdxl-base-1.0", builder="sdxl-base-1.0", dtype="bfloat16",
        requires_cuda=True, fast=_FAST_UNET,
        label=gettext_noop("SDXL-size keyframe 768×1344 (random weights: noise, for timing)"),
        defaults={"width": 768, "height": 1344, "steps": 30, "guidance": 6.0},
        price={"base": 8, "per_megapixel_frame": 4},
    ),
    "wan13b-size-motion": ModelSpec(
        key="wan13b-size-motion", kind=MOTION, pipeline="WanImageToVideoPipeline",
        source="random-weights:wan2.1-1.3b-flf2v", builder="wan2.1-1.3b-flf2v",
        dtype="bfloat16", requires_cuda=True, needs_last_frame=True, fast=_FAST_DIT,
        label=gettext_noop(
            "Wan2.1-1.3B-size shot 480×832, 81 frames (random weights: noise, for timing)"),
        defaults={"width": 480, "height": 832, "frames": 81, "fps": 16, "steps": 40,
                  "guidance": 5.0},
        price={"base": 20, "per_megapixel_frame": 2},
    ),
}


@functools.cache
def _torch_sees_cuda() -> bool:
    # No NVIDIA device node on Linux: no CUDA, and the web process need not import torch.
    if sys.platform.startswith("linux") and not glob.glob("/dev/nvidia*"):
        return False
    import torch

    return torch.cuda.is_available()


def cuda_visible() -> bool:
    """Whether CUDA-only entries are offered: MANJU_CUDA_MODELS=1|0, else whether this
    machine's torch sees a GPU."""
    setting = os.environ.get("MANJU_CUDA_MODELS", "auto").strip().lower()
    if setting in ("1", "yes", "true", "on"):
        return True
    if setting in ("0", "no", "false", "off"):
        return False
    if setting != "auto":
        raise ValueError(f"MANJU_CUDA_MODELS must be 1, 0 or auto, not {setting!r}")
    return _torch_sees_cuda()


def _from_file() -> dict[str, ModelSpec]:
    if not conf.MODELS_FILE:
        return {}
    raw = json.loads(Path(conf.MODELS_FILE).read_text())
    return {key: ModelSpec(key=key, **entry) for key, entry in raw.items()}


def all_models() -> dict[str, ModelSpec]:
    return {**BUILTIN, **REALSIZE, **_from_file()}


def get(key: str) -> ModelSpec:
    try:
        return all_models()[key]
    except KeyError:
        raise KeyError(f"unknown model {key!r}") from None


def of_kind(kind: str) -> list[ModelSpec]:
    """Models a plain form can run: image-to-image entries need a source keyframe, and
    CUDA-only entries need a GPU (cuda_visible)."""
    specs = [spec for spec in all_models().values()
             if spec.kind == kind and not spec.image_to_image]
    if any(spec.requires_cuda for spec in specs) and not cuda_visible():
        specs = [spec for spec in specs if not spec.requires_cuda]
    return specs
