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
"""

import json
import math
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


def _from_file() -> dict[str, ModelSpec]:
    if not conf.MODELS_FILE:
        return {}
    raw = json.loads(Path(conf.MODELS_FILE).read_text())
    return {key: ModelSpec(key=key, **entry) for key, entry in raw.items()}


def all_models() -> dict[str, ModelSpec]:
    return {**BUILTIN, **_from_file()}


def get(key: str) -> ModelSpec:
    try:
        return all_models()[key]
    except KeyError:
        raise KeyError(f"unknown model {key!r}") from None


def of_kind(kind: str) -> list[ModelSpec]:
    """Models a plain form can run: image-to-image entries need a source keyframe."""
    return [spec for spec in all_models().values()
            if spec.kind == kind and not spec.image_to_image]
