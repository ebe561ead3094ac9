"""Loads registry models into diffusers pipelines (kept loaded between jobs, LRU within a
memory budget) and renders a job's parameters into labelled uint8 frames.

`render` is the whole recipe: the worker runs it for a job, `reproduce` runs it again from
a job's provenance, and both give bit-identical frames on the CPU."""

import hashlib
import platform
import threading
import time
from collections import OrderedDict
from pathlib import Path

import numpy as np

from generation import conf, labels, registry


class JobCanceled(Exception):
    pass


def _torch():
    import torch

    # Bit-identical re-runs are promised on the CPU; on a GPU the deterministic kernels
    # would cost speed, and bf16 re-runs agree within noise anyway.
    if not torch.cuda.is_available():
        torch.use_deterministic_algorithms(True, warn_only=True)
    return torch


def weights_sha256(source: str) -> str:
    """sha256 over the weight files of a local pipeline folder (names and bytes)."""
    if source.startswith("random-weights:"):  # realsize.py: same builder + seed, same weights
        return f"{source}:seed=0"
    folder = Path(source)
    if not folder.is_dir():
        return f"hub:{source}"
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.suffix in (".safetensors", ".bin", ".json", ".txt") and path.is_file():
            digest.update(str(path.relative_to(folder)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def library_versions() -> dict:
    import diffusers
    import transformers

    torch = _torch()
    return {"python": platform.python_version(), "torch": torch.__version__,
            "diffusers": diffusers.__version__, "transformers": transformers.__version__}


def _pipeline_bytes(pipe) -> int:
    total = 0
    for component in pipe.components.values():
        if hasattr(component, "parameters"):
            total += sum(p.numel() * p.element_size() for p in component.parameters())
    return total


class PipelineCache:
    """Pipelines a worker keeps loaded, least recently used evicted beyond the budget."""

    def __init__(self, budget_bytes: int):
        self.budget = budget_bytes
        self._items: OrderedDict[tuple, tuple] = OrderedDict()
        self._lock = threading.Lock()
        self.loads = 0

    def get(self, spec: registry.ModelSpec):
        """(pipeline, seconds spent loading it now: 0.0 when it was already loaded)."""
        key = (spec.key, spec.source_path(), spec.dtype)
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key][0], 0.0
        started = time.perf_counter()
        pipe = load(spec)
        size = _pipeline_bytes(pipe)
        with self._lock:
            self._items[key] = (pipe, size, weights_sha256(spec.source_path()))
            self.loads += 1
            while len(self._items) > 1 and sum(v[1] for v in self._items.values()) > self.budget:
                self._items.popitem(last=False)
        return pipe, time.perf_counter() - started

    def loaded(self, spec: registry.ModelSpec) -> bool:
        """Whether get(spec) returns at once (the pipeline is in memory)."""
        with self._lock:
            return (spec.key, spec.source_path(), spec.dtype) in self._items

    def sha256(self, spec: registry.ModelSpec) -> str:
        key = (spec.key, spec.source_path(), spec.dtype)
        with self._lock:
            if key in self._items:
                return self._items[key][2]
        return weights_sha256(spec.source_path())

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


cache = PipelineCache(conf.PIPELINE_CACHE_MB * 1024 * 1024)


def load(spec: registry.ModelSpec):
    import diffusers

    torch = _torch()
    if spec.builder:  # full-size random weights, built on the GPU (realsize.py)
        from generation import realsize

        return realsize.load(spec)  # on cuda in spec.dtype, fast path applied, warmed up
    source = spec.source_path()
    if spec.builtin and not Path(source).exists():
        raise FileNotFoundError(
            f"{spec.key} is not built; run `manage.py build_tiny_models` ({source})"
        )
    cls = getattr(diffusers, spec.pipeline)
    pipe = cls.from_pretrained(source, dtype=getattr(torch, spec.dtype))
    pipe.set_progress_bar_config(disable=True)
    if spec.ip_adapter:  # real checkpoints only (registry.py): reference-image conditioning
        adapter = spec.ip_adapter
        pipe.load_ip_adapter(adapter["repo"], subfolder=adapter.get("subfolder"),
                             weight_name=adapter["weight_name"])
        pipe.set_ip_adapter_scale(float(adapter.get("scale", 0.6)))
    if torch.cuda.is_available():
        pipe.to("cuda")
    from generation import fastpath

    fastpath.apply(pipe, spec)  # nothing unless the entry's `fast` enables it, on CUDA
    return pipe


def _image(media_path: str, size: tuple[int, int] | None = None):
    """An RGB picture from the media folder; with `size` (w, h), cropped to that aspect
    around its centre and resized (a character reference of any shape → the job's size)."""
    from django.conf import settings
    from PIL import Image, ImageOps

    with Image.open(Path(settings.MEDIA_ROOT) / media_path) as image:
        image = image.convert("RGB")
    if size is not None and image.size != size:
        image = ImageOps.fit(image, size, Image.Resampling.LANCZOS)
    return image


def candidates(params: dict) -> list[dict]:
    """The images a keyframe job makes, one per candidate: its seed and prompt. Candidate
    k rendered alone is `candidate_params(params, k)`."""
    count = int(params.get("num_images", 1))
    if count == 1:
        return [{"seed": int(params["seed"]), "prompt": params.get("prompt", "")}]
    prompts = params.get("prompts") or [params.get("prompt", "")] * count
    return [{"seed": int(seed), "prompt": prompt}
            for seed, prompt in zip(params["seeds"], prompts, strict=True)]


def candidate_params(params: dict, index: int) -> dict:
    """The parameters that render candidate `index` of a batched job on its own."""
    if int(params.get("num_images", 1)) == 1:
        return params
    single = {k: v for k, v in params.items() if k not in ("seeds", "prompts")}
    single.update(candidates(params)[index], num_images=1)
    return single


def render(spec: registry.ModelSpec, pipe, params: dict, callback=None) -> np.ndarray:
    """Runs the pipeline once; returns the labelled uint8 frames N×H×W×3 (for a keyframe
    job, one frame per candidate, batched: a torch Generator per candidate so that each
    one starts from the noise it would start from alone)."""
    return render_batch(spec, pipe, params, candidates(params), callback)


def render_batch(spec: registry.ModelSpec, pipe, params: dict, items: list[dict],
                 callback=None) -> np.ndarray:
    """One pipeline call for `items` ({seed, prompt[, negative_prompt]}) sharing `params`' shape (size, steps,
    guidance, init image). On the CPU in float32 a batch differs from the same items run
    one by one by ~1e-6 before quantisation: at most one uint8 level per pixel."""
    torch = _torch()
    generators = [torch.Generator("cpu").manual_seed(int(item["seed"])) for item in items]
    # An item may bring its own negative prompt (jobs batched together); "" and None
    # encode alike (the empty unconditional prompt).
    negatives = [item.get("negative_prompt", params.get("negative_prompt")) or ""
                 for item in items]
    batched = len(items) > 1
    common = dict(
        prompt=[item["prompt"] for item in items] if batched else items[0]["prompt"],
        negative_prompt=(negatives if batched else negatives[0]) if any(negatives) else None,
        height=params["height"], width=params["width"],
        num_inference_steps=params["steps"], guidance_scale=params["guidance"],
        generator=generators if batched else generators[0], output_type="np",
        callback_on_step_end=callback,
    )
    pipe._interrupt = False
    reference = params.get("reference_image")
    if spec.kind == registry.KEYFRAME and reference and spec.ip_adapter:
        # Real checkpoints: the character's reference through the IP-Adapter (registry.py).
        common["ip_adapter_image"] = _image(reference)
    if spec.kind == registry.KEYFRAME and spec.image_to_image:
        if params.get("init_image"):
            # An edit: the size is the source keyframe's; strength is how far from it.
            del common["height"], common["width"]
            source = _image(params["init_image"])
        else:
            # A character reference, fitted to the job's size.
            source = _image(reference, (params["width"], params["height"]))
            del common["height"], common["width"]
        out = pipe(image=[source] * len(items) if batched else source,
                   strength=float(params.get("strength", 0.6)), **common)
        frames = np.asarray(out.images)
    elif spec.kind == registry.KEYFRAME:
        out = pipe(**common)
        frames = np.asarray(out.images)
    else:
        last = params.get("last_image")
        extra = {}
        if params.get("max_sequence_length"):
            extra["max_sequence_length"] = int(params["max_sequence_length"])
        out = pipe(image=_image(params["first_image"]),
                   last_image=_image(last) if last else None,
                   num_frames=params["frames"], **common, **extra)
        frames = np.asarray(out.frames[0])
    return labels.to_labelled_uint8(frames)


def frames_sha256(frames: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(frames).tobytes()).hexdigest()


def provenance(job, spec: registry.ModelSpec, weights: str) -> dict:
    inputs = {}
    for key in ("first_image", "last_image", "init_image", "reference_image"):
        if job.params.get(key):
            from django.conf import settings

            data = (Path(settings.MEDIA_ROOT) / job.params[key]).read_bytes()
            inputs[key] = {"path": job.params[key], "sha256": hashlib.sha256(data).hexdigest()}
    return {
        "job": str(job.pk), "kind": spec.kind, "model_key": spec.key,
        "pipeline": spec.pipeline, "source": spec.source if not spec.builtin else "builtin",
        "dtype": spec.dtype, "weights_sha256": weights, "params": job.params,
        "inputs": inputs, "versions": library_versions(),
    }


def candidate_provenance(prov: dict, index: int) -> dict:
    """The provenance of candidate `index` of a keyframe job: its own parameters (they
    render it alone) and the batch it came from (which renders it bit for bit)."""
    entries = prov.get("candidates")
    if not entries:
        return prov
    single = {k: v for k, v in prov.items() if k not in ("candidates", "output_sha256")}
    single["params"] = candidate_params(prov["params"], index)
    single["batch"] = {"index": index, "num_images": len(entries), "params": prov["params"],
                       "output_sha256": prov.get("output_sha256")}
    single["output_sha256"] = entries[index]["output_sha256"]
    return single


def reproduce(prov: dict, alone: bool = False) -> np.ndarray:
    """Renders a job (or one candidate of a batched job) again from its provenance: the
    same weights, parameters and seeds. A candidate is re-rendered in its batch (bit for
    bit) unless `alone`, where it is rendered by itself (within one uint8 level, see
    render_batch)."""
    spec = registry.get(prov["model_key"])
    pipe, _ = cache.get(spec)
    if cache.sha256(spec) != prov["weights_sha256"]:
        raise ValueError("the weights differ from the ones the job ran with")
    batch = prov.get("batch")
    if batch and not alone:
        index = batch["index"]
        return render(spec, pipe, batch["params"])[index:index + 1]
    return render(spec, pipe, prov["params"])
