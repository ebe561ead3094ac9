"""Generation speed per architecture: the full-size random-weight registry entries
(`sdxl-size-keyframe` 768×1344, `wan13b-size-motion` 480×832×81, first + last frame) run
(a) as diffusers documents them by default (bf16 weights, PyTorch SDPA, no compile) and
(b) through the worker's fast path (generation/fastpath.py, the entry's `fast` items), in
the same process on the same GPU, on the same pipeline object (built once; the fast path
is applied after the baseline is measured).

    .venv/bin/python bench/generation.py [--models KEY,KEY] [--job-steps N] [--batch N]
                                         [--step-steps N] [--compile-mode MODE]
                                         [--compile off|regional|full] [--cuda-graphs]
                                         [--attention BACKENDS] [--no-batch]
                                         [--deterministic] [--sweep-attention]
    .venv/bin/python bench/generation.py --tiny     # CPU, scaled-down builders

Per architecture it prints: seconds per denoising step (median over `--step-steps` steps,
the GPU synchronised at each step's end) and per whole job (the entry's steps, VAE decode
included), the denoiser forward alone (CUDA events) with its model FLOPs per step
(torch.utils.flop_counter on the very calls the pipeline makes in one step) and the
achieved fraction of the GPU's dense bf16 peak, jobs per hour per GPU without and with
same-shape batching (`--batch` jobs in one pipeline call), worker start-up (build +
fast-path apply with its compile warm-up), and the largest relative difference of the
fast-path forward from the baseline's (bf16 noise is ~1e-2).

By its FLOPs (an estimate, not a measurement) the Wan entry at its full 40 steps needs
most of the 10-minute limit of one device call on an H100; `--models wan13b-size-motion
--job-steps 20` leaves room (the per-step figures do not depend on the job's steps).

Targets (H100): fast path ≥ 1.5× faster per step than the defaults for both
architectures, ≥ 40 % of bf16 peak in the denoiser forward, no compile in the first job
(the worker compiles at start; `first_job_stall_s` is the first fast job's excess over the
second's, per step).

`--tiny` (the only mode without CUDA) runs the same code on the CPU in float32 with the
scaled-down builders (realsize.SMALL) at a small shape, and the fast-path items that work
on the CPU; its figures are CPU/tiny figures, not GPU ones, and it ends with
target_met=unknown. It also prints the full-size model FLOPs per step, counted on the meta
device (a count, not a timing).
"""

import argparse
import dataclasses
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# Settings, not django.setup(): the registry reads two settings and no app, and without
# the apps (daphne, channels, whitenoise, ...) the lent GPU machine needs only the wheels
# bench/device/wheels.py carries.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import torch  # noqa: E402
from PIL import Image  # noqa: E402

from generation import fastpath, realsize, registry  # noqa: E402

KEYS = ("sdxl-size-keyframe", "wan13b-size-motion")
SHORT = {"sdxl-size-keyframe": "sdxl", "wan13b-size-motion": "wan13b"}
# Dense (no 2:4 sparsity) bf16 tensor-core peaks from NVIDIA's datasheets, which quote the
# sparse figure: half of it. Matched on torch.cuda.get_device_name(), first hit wins.
BF16_PEAK_TFLOPS = (
    ("H100 PCIe", 756.0), ("H100 NVL", 835.0), ("H200 NVL", 835.0),
    ("H100", 989.0), ("H200", 989.0), ("GH200", 989.0),
    ("A100", 312.0), ("L40S", 362.0),
)
TINY_SHAPES = {
    "sdxl-size-keyframe": {"width": 64, "height": 112, "steps": 3, "guidance": 5.0},
    "wan13b-size-motion": {"width": 48, "height": 80, "frames": 5, "fps": 8, "steps": 3,
                           "guidance": 5.0},
}
# What the fast path does on a CPU in tiny mode: compile needs a C++ toolchain and
# minutes there, CUDA graphs and TF32 are CUDA-only, and channels-last convolutions are
# many times slower on a CPU (tests/generation/test_fastpath.py covers their output).
TINY_FAST = {"compile": False, "cuda_graphs": False, "tf32": False, "channels_last": False,
             "warm_up": True}


def peak_flops(name: str) -> float | None:
    for needle, tflops in BF16_PEAK_TFLOPS:
        if needle in name:
            return tflops * 1e12
    return None


def sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def job_args(spec, batch: int = 1, steps: int | None = None, output_type: str = "np") -> dict:
    d = spec.defaults
    seeds = list(range(batch))
    args = dict(prompt=[f"镜头 {i}: 月光下的竹林" for i in seeds], height=d["height"],
                width=d["width"], num_inference_steps=steps or d["steps"],
                guidance_scale=d["guidance"], output_type=output_type,
                generator=[torch.Generator("cpu").manual_seed(s) for s in seeds])
    if spec.kind == registry.MOTION:
        args["image"] = Image.new("RGB", (d["width"], d["height"]), (180, 120, 60))
        args["last_image"] = Image.new("RGB", (d["width"], d["height"]), (60, 120, 180))
        args["num_frames"] = d["frames"]
    return args


def peak_gib(device: str) -> float | None:
    """The device's peak allocated memory since the last call, in GiB (CUDA only)."""
    if not device.startswith("cuda"):
        return None
    peak = torch.cuda.max_memory_allocated() / 2**30
    torch.cuda.reset_peak_memory_stats()
    return peak


def timed_call(pipe, args: dict, device: str) -> float:
    sync(device)
    started = time.perf_counter()
    pipe(**args)  # as the worker calls it: the pipeline's own no_grad
    sync(device)
    return time.perf_counter() - started


def seconds_per_step(pipe, spec, device: str, steps: int) -> float:
    """Median interval between step ends (the first step excluded: it carries the text
    and image encoding), with the device synchronised at each step's end."""
    marks = []

    def on_step_end(_pipe, _index, _timestep, _kwargs):
        sync(device)
        marks.append(time.perf_counter())
        return {}

    args = job_args(spec, steps=steps, output_type="latent")
    pipe(**args, callback_on_step_end=on_step_end)
    intervals = [b - a for a, b in zip(marks, marks[1:], strict=False)]
    return statistics.median(intervals)


def forward_seconds(model, calls: list[dict], device: str, reps: int) -> float:
    """Median seconds of one step's denoiser calls (CUDA events on the GPU)."""
    def step():
        for call in calls:
            model(**call)

    with torch.no_grad():  # the grad mode the pipelines run the denoiser in
        step()
        samples = []
        for _ in range(reps):
            if device.startswith("cuda"):
                start = torch.cuda.Event(enable_timing=True)
                end = torch.cuda.Event(enable_timing=True)
                start.record()
                step()
                end.record()
                torch.cuda.synchronize()
                samples.append(start.elapsed_time(end) / 1000)
            else:
                started = time.perf_counter()
                step()
                samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def attention_sweep(model, calls: list[dict], device: str, reps: int) -> dict:
    """The eager denoiser forward under each SDPA backend alone (None: it cannot run these
    inputs here), to choose an entry's `attention`."""
    seconds = {}
    for backend in ("auto", *fastpath.ATTENTION_BACKENDS):
        if backend == "math" and device.startswith("cuda"):
            continue  # materialises the full score matrix: 32k² per head for Wan
        try:
            with fastpath.attention_context(backend):
                seconds[backend] = forward_seconds(model, calls, device, reps)
        except RuntimeError:
            seconds[backend] = None
    return seconds


def cfg_pair_batched(calls: list[dict]) -> dict:
    """The conditional and unconditional calls as one call on a batch of two."""
    first, second = calls
    return {key: torch.cat([value, second[key]])
            if isinstance(value, torch.Tensor) and value.dim() else value
            for key, value in first.items()}


def first_output(model, call: dict) -> torch.Tensor:
    with torch.no_grad():
        out = model(**call)
    return (out[0] if isinstance(out, tuple) else out).float().clone()


def relative_difference(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).abs().max() / b.abs().max().clamp_min(1e-12))


def full_size_flops(spec) -> int:
    """Model FLOPs of one denoising step at the entry's full size, counted on meta."""
    d = spec.defaults
    pipe = realsize.build(spec.builder, device="meta")
    calls = realsize.denoiser_calls(pipe, d["width"], d["height"], d.get("frames", 1),
                                    d["guidance"])
    return realsize.step_flops(pipe, calls)


class Row(dict):
    """One architecture's figures, each printed as it is measured: a run cut off by a
    device call's time limit still shows what it measured before then."""

    def __init__(self, **items):
        super().__init__(**items)
        self.started = time.perf_counter()

    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        shown = f"{value:.4g}" if isinstance(value, float) else value
        print(f"  [{self['arch']} +{time.perf_counter() - self.started:.0f}s] {key} = {shown}",
              flush=True)


def measure(spec, device: str, dtype, small: bool, args) -> dict:
    d = spec.defaults
    row = Row(arch=SHORT[spec.key], key=spec.key)
    sync(device)
    started = time.perf_counter()
    pipe = realsize.build(spec.builder, device=device, dtype=dtype, small=small)
    sync(device)
    row["build_s"] = time.perf_counter() - started
    model = fastpath.denoiser(pipe)
    calls = realsize.denoiser_calls(pipe, d["width"], d["height"], d.get("frames", 1),
                                    d["guidance"])
    row["flops_per_step"] = realsize.step_flops(pipe, calls)
    reference = first_output(model, calls[0])

    # (a) diffusers defaults: bf16 (fp32 on the CPU), PyTorch's SDPA choice, eager.
    row["step_s_default"] = seconds_per_step(pipe, spec, device, args.step_steps)
    row["forward_s_default"] = forward_seconds(model, calls, device, args.reps)
    if len(calls) == 2:
        # Wan calls its transformer twice a step (CFG); what batching the pair would gain.
        row["cfg_batch_gain"] = row["forward_s_default"] / forward_seconds(
            model, [cfg_pair_batched(calls)], device, args.reps)
    if args.sweep_attention:
        row["attention_sweep"] = attention_sweep(model, calls, device, args.reps)
    # A one-step job first, untimed: the VAE's first encode/decode (kernel selection,
    # allocator growth) must not be billed to the baseline's job.
    timed_call(pipe, job_args(spec, steps=1), device)
    peak_gib(device)
    row["job_s_default"] = timed_call(pipe, job_args(spec, steps=args.job_steps), device)
    row["peak_gib_default"] = peak_gib(device)

    # (b) the worker path: the entry's fast path, compiled at "worker start" (warm-up).
    sync(device)
    started = time.perf_counter()
    applied = fastpath.apply(pipe, spec, device=device, force=small)
    sync(device)
    row["apply_s"] = time.perf_counter() - started
    row["startup_s"] = row["build_s"] + row["apply_s"]
    row["applied"] = applied
    first_job = timed_call(pipe, job_args(spec, steps=args.job_steps), device)
    row["step_s_fast"] = seconds_per_step(pipe, spec, device, args.step_steps)
    row["forward_s_fast"] = forward_seconds(model, calls, device, args.reps)
    row["max_rel_diff"] = relative_difference(first_output(model, calls[0]), reference)
    peak_gib(device)
    row["job_s_fast"] = timed_call(pipe, job_args(spec, steps=args.job_steps), device)
    row["peak_gib_fast"] = peak_gib(device)
    steps = args.job_steps or d["steps"]
    row["first_job_stall_s"] = max(0.0, first_job - row["job_s_fast"])
    row["first_job_stall_per_step_s"] = row["first_job_stall_s"] / steps
    row["jobs_per_hour"] = 3600 / row["job_s_fast"]
    row["jobs_per_hour_default"] = 3600 / row["job_s_default"]
    if args.batch > 1:
        batch_args = job_args(spec, batch=args.batch, steps=args.job_steps)
        # A new shape (batch): compiled by a short untimed call, as a worker that batches
        # would list it in `warm_batch_sizes`.
        timed_call(pipe, job_args(spec, batch=args.batch, steps=2, output_type="latent"),
                   device)
        row["batch_s"] = timed_call(pipe, batch_args, device)
        row["jobs_per_hour_batched"] = 3600 * args.batch / row["batch_s"]
    row["speedup_step"] = row["step_s_default"] / row["step_s_fast"]
    row["speedup_forward"] = row["forward_s_default"] / row["forward_s_fast"]
    row["speedup_job"] = row["job_s_default"] / row["job_s_fast"]
    del pipe, model, calls, reference
    if device.startswith("cuda"):
        torch.cuda.empty_cache()
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tiny", action="store_true", help="CPU, scaled-down builders")
    parser.add_argument("--models", default=",".join(KEYS))
    parser.add_argument("--job-steps", type=int, default=None,
                        help="steps of the timed whole jobs (default: the entry's)")
    parser.add_argument("--step-steps", type=int, default=8,
                        help="steps of the per-step timing run")
    parser.add_argument("--reps", type=int, default=5, help="forward timing repetitions")
    parser.add_argument("--batch", type=int, default=2, help="same-shape jobs per call")
    parser.add_argument("--no-batch", action="store_true")
    parser.add_argument("--compile-mode", default=None, help="override the entries' mode")
    parser.add_argument("--compile", default=None, choices=["off", "regional", "full"])
    parser.add_argument("--attention", default=None, help="override: auto | cudnn,flash …")
    parser.add_argument("--cuda-graphs", action="store_true")
    parser.add_argument("--sweep-attention", action="store_true",
                        help="also time the eager forward under each SDPA backend alone")
    parser.add_argument("--deterministic", action="store_true",
                        help="both paths with torch.use_deterministic_algorithms(True), as "
                             "generation.pipelines does today at every render")
    args = parser.parse_args()
    if args.no_batch:
        args.batch = 1

    cuda = torch.cuda.is_available() and not args.tiny
    if not cuda and not args.tiny:
        print("No CUDA here: the full-size entries need a GPU. Run with --tiny for the "
              "CPU/tiny run of the same code.")
        print("RESULT name=generation mode=none device=cpu target_met=unknown")
        return 0
    device = "cuda" if cuda else "cpu"
    if args.deterministic:
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.use_deterministic_algorithms(True, warn_only=True)
    dtype = torch.bfloat16 if cuda else torch.float32
    device_name = torch.cuda.get_device_name() if cuda else "cpu"
    peak = peak_flops(device_name) if cuda else None
    mode = "cuda" if cuda else "cpu-tiny"
    if args.tiny:
        args.step_steps = min(args.step_steps, 3)
        args.reps = min(args.reps, 2)
        # One thread: on a small shared CPU, torch's worker threads spin against other
        # processes and the timings of these tiny models become noise.
        torch.set_num_threads(1)
        print("CPU/tiny run: scaled-down builders, float32, small shapes. These are NOT "
              "GPU figures; they only exercise the bench's code end to end.")
    print(f"deterministic algorithms: {'on' if args.deterministic else 'off'}")
    print(f"device: {device_name}   dtype: {str(dtype).removeprefix('torch.')}   "
          f"bf16 peak: {f'{peak / 1e12:.0f} TFLOPS' if peak else 'n/a'}")

    rows = []
    for key in [k.strip() for k in args.models.split(",") if k.strip()]:
        spec = registry.get(key)
        fast = dict(spec.fast)
        if args.tiny:
            spec = dataclasses.replace(spec, defaults=TINY_SHAPES[key])
            fast.update(TINY_FAST)
        if args.compile_mode:
            fast["compile_mode"] = args.compile_mode
        if args.compile:
            fast["compile"] = False if args.compile == "off" else args.compile
        if args.attention:
            fast["attention"] = args.attention
        if args.cuda_graphs:
            fast["cuda_graphs"] = True
        spec = dataclasses.replace(spec, fast=fast)
        row = measure(spec, device, dtype, small=args.tiny, args=args)
        if args.tiny:
            row["full_size_flops_per_step"] = full_size_flops(registry.get(key))
        row["mfu_forward"] = (row["flops_per_step"] / row["forward_s_fast"] / peak
                              if peak else None)
        row["mfu_forward_default"] = (row["flops_per_step"] / row["forward_s_default"] / peak
                                      if peak else None)
        rows.append(row)
        report(row, mode, device_name)

    met = "unknown"
    if cuda:
        met = "yes" if all(
            r["speedup_step"] >= 1.5 and (r["mfu_forward"] or 0) >= 0.40
            and r["first_job_stall_per_step_s"] < 0.5 * r["step_s_fast"] for r in rows
        ) else "no"
    speedups = " ".join(f"{r['arch']}_step_speedup={r['speedup_step']:.2f}" for r in rows)
    print(f"RESULT name=generation mode={mode} device={device_name.replace(' ', '_')} "
          f"{speedups} target_met={met}")
    return 0


def report(row: dict, mode: str, device_name: str) -> None:
    def pct(value):
        return f"{value * 100:.1f}%" if value is not None else "n/a"

    print(f"\n{row['key']} ({mode})   applied: {row['applied']}")
    print(f"  {'':28}{'diffusers defaults':>20}{'worker fast path':>20}{'ratio':>8}")
    for label, a, b in (("s per denoising step", "step_s_default", "step_s_fast"),
                        ("s denoiser forward / step", "forward_s_default", "forward_s_fast"),
                        ("s per whole job", "job_s_default", "job_s_fast")):
        print(f"  {label:28}{row[a]:>20.4f}{row[b]:>20.4f}{row[a] / row[b]:>7.2f}×")
    print(f"  {'jobs per hour (one per call)':28}{row['jobs_per_hour_default']:>20.1f}"
          f"{row['jobs_per_hour']:>20.1f}")
    if "jobs_per_hour_batched" in row:
        print(f"  {'jobs per hour, batched':28}{'':>20}{row['jobs_per_hour_batched']:>20.1f}")
    print(f"  model FLOPs per step: {row['flops_per_step'] / 1e12:.4f} TFLOP"
          f"   bf16 peak fraction (forward): {pct(row['mfu_forward_default'])} → "
          f"{pct(row['mfu_forward'])}")
    if "full_size_flops_per_step" in row:
        print(f"  full-size model FLOPs per step (meta count): "
              f"{row['full_size_flops_per_step'] / 1e12:.2f} TFLOP")
    if row["peak_gib_default"] is not None:
        print(f"  peak GPU memory in a job: {row['peak_gib_default']:.1f} GiB → "
              f"{row['peak_gib_fast']:.1f} GiB")
    if "attention_sweep" in row:
        sweep = "   ".join(f"{name} {value:.4f} s" if value is not None else f"{name} n/a"
                           for name, value in row["attention_sweep"].items())
        print(f"  eager forward per SDPA backend: {sweep}")
    if "cfg_batch_gain" in row:
        print(f"  CFG pair as one batch-2 call (eager): {row['cfg_batch_gain']:.2f}× the two "
              f"batch-1 calls")
    print(f"  start-up: build {row['build_s']:.2f} s + fast path/compile warm-up "
          f"{row['apply_s']:.2f} s = {row['startup_s']:.2f} s;   first fast job's excess "
          f"{row['first_job_stall_s']:.3f} s;   max rel diff {row['max_rel_diff']:.2e}")
    fields = [f"arch={row['arch']}", f"mode={mode}", f"device={device_name.replace(' ', '_')}",
              f"step_s_default={row['step_s_default']:.4f}",
              f"step_s_fast={row['step_s_fast']:.4f}",
              f"step_speedup={row['speedup_step']:.2f}",
              f"forward_speedup={row['speedup_forward']:.2f}",
              f"job_s_default={row['job_s_default']:.3f}", f"job_s_fast={row['job_s_fast']:.3f}",
              f"tflop_per_step={row['flops_per_step'] / 1e12:.6g}",
              f"mfu_forward={row['mfu_forward']:.3f}" if row["mfu_forward"] is not None
              else "mfu_forward=na",
              f"jobs_per_hour={row['jobs_per_hour']:.1f}",
              f"jobs_per_hour_batched={row.get('jobs_per_hour_batched', 0):.1f}",
              f"startup_s={row['startup_s']:.2f}",
              f"first_job_stall_s={row['first_job_stall_s']:.3f}",
              f"max_rel_diff={row['max_rel_diff']:.2e}"]
    if "attention_sweep" in row:
        timed = {k: v for k, v in row["attention_sweep"].items() if v is not None}
        fields.append(f"attention_best={min(timed, key=timed.get)}")
    if "cfg_batch_gain" in row:
        fields.append(f"cfg_batch_gain={row['cfg_batch_gain']:.2f}")
    if "full_size_flops_per_step" in row:
        fields.append(f"full_tflop_per_step={row['full_size_flops_per_step'] / 1e12:.2f}")
    print("RESULT name=generation " + " ".join(fields))


if __name__ == "__main__":
    sys.exit(main())
