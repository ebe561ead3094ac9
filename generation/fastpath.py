"""The worker's CUDA fast path: switchable speed-ups applied to a loaded pipeline.

Each item is switched per registry entry (`ModelSpec.fast`, over DEFAULTS, where every item
is off) and applies only on CUDA unless forced (the CPU tests force them on tiny models):

- `dtype` is the entry's own (`bfloat16` for the full-size entries); not an item here.
- `attention`: the scaled-dot-product backend(s) for the denoiser, all offline in PyTorch:
  "auto" (PyTorch's own choice: flash, then memory-efficient, then math), or a
  comma-separated priority list of "cudnn", "flash", "efficient", "math".
- `compile`: False, "regional" (torch.compile of the repeated blocks only: the model's
  `_repeated_blocks`, one graph shared by every block of a kind, so compiling costs one
  block, not the model) or "full" (the whole denoiser forward). `compile_mode` is passed to
  torch.compile ("default", "max-autotune-no-cudagraphs", …) and `compile_backend`
  ("inductor"). Shapes are static (`dynamic=False`): one graph per job shape.
- `cuda_graphs`: replays the compiled graphs as CUDA graphs (mode "reduce-overhead", shapes
  fixed per entry); each denoiser call starts a new graph step and its output is copied out
  before the next replay overwrites it (Wan calls its denoiser twice a step for CFG).
- `channels_last`: the UNet's and the 2-D VAE's convolutions in NHWC.
- `fuse_qkv`: one matmul for q, k and v (k and v in cross-attention): same arithmetic.
- `vae_slicing`: a batch decodes one latent at a time (memory, same output);
  `vae_tiling`: tiled decode with blended seams: changes the output, so never a default.
- `tf32`: float32 matmuls/convolutions in TF32 (only the float32-kept modules: the time
  embedding and norms of Wan; process-wide setting).
- `warm_up`: compile at worker start by running the entry's default shape once (2 steps,
  for every batch size in `warm_batch_sizes`), so no job pays for compilation. A compile
  that fails in the warm-up is undone and the worker runs eagerly (recorded in `applied`).

Classifier-free guidance: StableDiffusionXLPipeline already batches the conditional and
unconditional passes (one UNet call on a batch of 2 per step). WanImageToVideoPipeline
calls its transformer twice per step, batch 1 each; at 480×832×81 one call is 32,760 tokens
and fills the GPU alone, so batching them would gain little and is not done here.

Step caching (first-block cache) reuses the last step's output of the later blocks when the
first block's output barely changed: the output is different, so it is only ever on for a
job that asks (`params["step_cache"] = {"first_block": threshold}`, see `step_cache`), and
is recorded as approximate.
"""

import functools
import logging
import os
import time
from contextlib import contextmanager, nullcontext

log = logging.getLogger(__name__)

DEFAULTS = {
    "enabled": False,
    "attention": "auto",
    "compile": False,
    "compile_mode": "default",
    "compile_backend": "inductor",
    "cuda_graphs": False,
    "channels_last": False,
    "fuse_qkv": False,
    "vae_slicing": False,
    "vae_tiling": False,
    "tf32": False,
    "warm_up": False,
    "warm_batch_sizes": [1],
}
ATTENTION_BACKENDS = ("cudnn", "flash", "efficient", "math")
COMPILE_CHOICES = (False, "regional", "full")
# Items that change the output beyond bf16 noise: never on unless an entry says so.
APPROXIMATE = ("vae_tiling",)


def settings(spec) -> dict:
    """The entry's fast-path items over DEFAULTS; unknown items are an error (a typo in
    a registry file must not silently run the slow path)."""
    fast = dict(getattr(spec, "fast", None) or {})
    unknown = set(fast) - set(DEFAULTS)
    if unknown:
        raise ValueError(f"{spec.key}: unknown fast-path items {sorted(unknown)}")
    merged = {**DEFAULTS, **fast}
    if merged["compile"] not in COMPILE_CHOICES:
        raise ValueError(f"{spec.key}: compile must be one of {COMPILE_CHOICES}")
    _backends(merged["attention"])  # validates
    return merged


def plan(spec, device: str, force: bool = False) -> dict:
    """What `apply` will do on `device`: every item off unless the entry enables the fast
    path and the device is CUDA (or `force`, for the CPU tests)."""
    wanted = settings(spec)
    if not wanted["enabled"] or not (force or str(device).startswith("cuda")):
        return {**DEFAULTS}
    return wanted


def _backends(attention: str):
    if attention in ("auto", "", None):
        return None
    names = [name.strip() for name in str(attention).split(",") if name.strip()]
    bad = [name for name in names if name not in ATTENTION_BACKENDS]
    if bad or not names:
        raise ValueError(f"attention must be 'auto' or from {ATTENTION_BACKENDS}, not {attention!r}")
    return names


def attention_context(attention: str):
    """A context selecting the SDPA backends, in the given priority; "auto" changes nothing."""
    names = _backends(attention)
    if names is None:
        return nullcontext()
    from torch.nn.attention import SDPBackend, sdpa_kernel

    table = {"cudnn": SDPBackend.CUDNN_ATTENTION, "flash": SDPBackend.FLASH_ATTENTION,
             "efficient": SDPBackend.EFFICIENT_ATTENTION, "math": SDPBackend.MATH}
    return sdpa_kernel([table[name] for name in names], set_priority=len(names) > 1)


def denoiser(pipe):
    """The repeated network of a pipeline: the UNet or the transformer."""
    return getattr(pipe, "unet", None) or getattr(pipe, "transformer", None)


def _is_2d(module) -> bool:
    """Image convolutions only: channels-last has no meaning for the 5-D weights of a
    video VAE (Wan's mixes Conv2d and causal Conv3d)."""
    import torch

    kinds = {type(m) for m in module.modules()}
    return torch.nn.Conv2d in kinds and not any(
        issubclass(kind, torch.nn.Conv3d) for kind in kinds)


def _fuse_qkv(model) -> bool:
    if hasattr(model, "fuse_qkv_projections"):  # UNet2DConditionModel
        model.fuse_qkv_projections()
        return True
    fused = False
    for module in model.modules():
        if hasattr(module, "fuse_projections") and hasattr(module, "to_q"):
            module.fuse_projections()  # WanAttention
            fused = True
    return fused


def _raise_recompile_limit(limit: int = 64) -> None:
    import torch._dynamo

    for name in ("recompile_limit", "cache_size_limit"):
        if hasattr(torch._dynamo.config, name):
            setattr(torch._dynamo.config, name, max(getattr(torch._dynamo.config, name), limit))


def _compile(model, how: str, mode: str, backend: str, cuda_graphs: bool):
    import torch

    _raise_recompile_limit()
    options = dict(fullgraph=True, dynamic=False, backend=backend,
                   mode="reduce-overhead" if cuda_graphs else mode)
    if backend != "inductor":
        options.pop("mode")
    if how == "regional":
        model.compile_repeated_blocks(**options)
        return None
    return torch.compile(model.forward, **options)


def _uncompile(model) -> None:
    """Undoes `compile_repeated_blocks` (nn.Module.compile keeps the eager forward)."""
    for module in model.modules():
        if getattr(module, "_compiled_call_impl", None) is not None:
            module._compiled_call_impl = None


def _wrap_forward(model, items: dict, compiled_forward=None) -> None:
    """The denoiser's forward, run under the chosen attention backend; with CUDA graphs
    each call starts a new graph step and its output is copied out of the graph's pool."""
    import torch

    eager = model.forward
    inner = compiled_forward or eager
    attention = items["attention"]
    graphs = items["cuda_graphs"] and items["compile"]

    @functools.wraps(eager)
    def forward(*args, **kwargs):
        with attention_context(attention):
            if graphs:
                torch.compiler.cudagraph_mark_step_begin()
            out = inner(*args, **kwargs)
        if graphs:
            out = _clone(out)
        return out

    model._manju_eager_forward = eager
    model.forward = forward


def _clone(out):
    import torch

    if isinstance(out, torch.Tensor):
        return out.clone()
    if isinstance(out, tuple):
        return tuple(_clone(item) for item in out)
    if hasattr(out, "sample"):
        out.sample = out.sample.clone()
    return out


def apply(pipe, spec, device: str | None = None, force: bool = False) -> dict:
    """Applies the entry's fast path to a loaded pipeline on `device` (default: where the
    denoiser is). Returns what was applied; the same dict is kept as `pipe.manju_fast`."""
    import torch

    model = denoiser(pipe)
    device = device or str(next(model.parameters()).device)
    items = plan(spec, device, force)
    applied = {"enabled": items["enabled"]}
    pipe.manju_fast = applied
    if not items["enabled"]:
        return applied
    if items["tf32"]:
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
        applied["tf32"] = True
    if items["fuse_qkv"]:
        applied["fuse_qkv"] = _fuse_qkv(model)
    if items["channels_last"]:
        for name in ("unet", "vae"):
            part = getattr(pipe, name, None)
            if part is not None and _is_2d(part):
                part.to(memory_format=torch.channels_last)
                applied.setdefault("channels_last", []).append(name)
    vae = getattr(pipe, "vae", None)
    if items["vae_slicing"] and vae is not None and hasattr(vae, "enable_slicing"):
        vae.enable_slicing()
        applied["vae_slicing"] = True
    if items["vae_tiling"] and vae is not None and hasattr(vae, "enable_tiling"):
        vae.enable_tiling()
        applied["vae_tiling"] = "approximate"
    compiled_forward = None
    if items["compile"]:
        compiled_forward = _compile(model, items["compile"], items["compile_mode"],
                                    items["compile_backend"], items["cuda_graphs"])
        applied["compile"] = items["compile"]
        applied["compile_mode"] = "reduce-overhead" if items["cuda_graphs"] else items["compile_mode"]
    applied["attention"] = items["attention"]
    _wrap_forward(model, items, compiled_forward)
    if items["warm_up"]:
        applied["warm_up_s"] = warm_up(pipe, spec, items)
    return applied


def revert_compile(pipe) -> None:
    """Back to eager: compiled blocks and a compiled forward are dropped."""
    model = denoiser(pipe)
    _uncompile(model)
    eager = getattr(model, "_manju_eager_forward", None)
    if eager is not None:
        model.forward = eager
        _wrap_forward(model, {**DEFAULTS, "attention": pipe.manju_fast.get("attention", "auto")})
    pipe.manju_fast.pop("compile", None)
    pipe.manju_fast.pop("compile_mode", None)


def warm_up_inputs(spec, batch: int = 1, steps: int = 2) -> dict:
    """Arguments for one pipeline call at the entry's default shape."""
    from PIL import Image

    d = spec.defaults
    args = dict(prompt=["warm-up"] * batch, height=d["height"], width=d["width"],
                num_inference_steps=steps, guidance_scale=d.get("guidance", 5.0),
                output_type="latent")
    if spec.kind == "motion":
        args["image"] = Image.new("RGB", (d["width"], d["height"]), (128, 96, 64))
        if spec.needs_last_frame:
            args["last_image"] = Image.new("RGB", (d["width"], d["height"]), (64, 96, 128))
        args["num_frames"] = d["frames"]
    return args


def warm_up(pipe, spec, items: dict) -> float:
    """Runs the default shape once per warm batch size so compilation (and CUDA graph
    capture) happens now, at worker start. A failure there undoes the compile."""
    import torch

    started = time.perf_counter()
    # Called exactly as a job calls it (the pipeline's own no_grad, no inference_mode):
    # Dynamo guards on grad mode, and a graph traced under another mode would be traced
    # again in the first job.
    try:
        for batch in items.get("warm_batch_sizes") or [1]:
            pipe(**warm_up_inputs(spec, batch=int(batch)))
    except Exception as exc:  # noqa: BLE001 — a worker must start even if compile breaks
        if not items["compile"]:
            raise
        log.exception("%s: compiled warm-up failed; running eagerly", spec.key)
        revert_compile(pipe)
        pipe.manju_fast["compile_failed"] = f"{type(exc).__name__}: {exc}"[:300]
        pipe(**warm_up_inputs(spec))
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return round(time.perf_counter() - started, 3)


@contextmanager
def step_cache(pipe, params: dict):
    """Opt-in per job, approximate: first-block cache on the transformer while the job
    runs. Yields the provenance label ({} when the job did not ask)."""
    wanted = (params or {}).get("step_cache") or {}
    model = denoiser(pipe)
    if not wanted:
        yield {}
        return
    threshold = float(wanted.get("first_block", 0))
    if not 0 < threshold < 1:
        raise ValueError("step_cache.first_block must be a threshold between 0 and 1")
    if not hasattr(model, "enable_cache"):
        raise ValueError(f"{type(model).__name__} has no step cache (transformers only)")
    from diffusers.hooks import FirstBlockCacheConfig

    model.enable_cache(FirstBlockCacheConfig(threshold=threshold))
    try:
        yield {"step_cache": "first_block", "threshold": threshold, "approximate": True}
    finally:
        model.disable_cache()


def warm_models() -> list[str]:
    """Registry keys a gpu worker loads and warms at start (MANJU_WARM_MODELS, comma
    separated; empty: none, models load at their first job as before)."""
    raw = os.environ.get("MANJU_WARM_MODELS", "")
    return [key.strip() for key in raw.split(",") if key.strip()]


def warm_start(cache=None, keys: list[str] | None = None) -> dict[str, float]:
    """At gpu-worker start: puts the warm models in the worker's pipeline cache (load,
    fast path, compile warm-up), so the first job finds them ready. Returns the seconds
    each took."""
    from generation import pipelines, registry

    cache = cache or pipelines.cache
    took = {}
    for key in warm_models() if keys is None else keys:
        _, seconds = cache.get(registry.get(key))
        took[key] = round(seconds, 3)
        log.info("warmed %s in %.1f s", key, seconds)
    return took
