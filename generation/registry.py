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

    def source_path(self) -> str:
        if self.builtin:
            return str(conf.models_dir() / self.key)
        return self.source

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
    return [spec for spec in all_models().values() if spec.kind == kind]
