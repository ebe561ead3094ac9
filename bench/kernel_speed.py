"""gpu_kernels on the GPU: each Triton kernel against (a) the eager torch reference on the
same device and (b) the bandwidth floor, bytes read + written / the copy bandwidth measured
in this run with a large torch copy.

    .venv/bin/python bench/kernel_speed.py [--frames 16] [--hash-frames 64] [--library 1000000]

Targets (H100): finishing ≥ 80 % of copy bandwidth and ≥ 5× eager; hashing 1080p frames
≥ 50 % of copy bandwidth; Hamming search of 1,024 queries over 1M hashes < 1 ms.

Without CUDA it says so, times the torch reference on the CPU at a small size and ends with
target_met=unknown. `--dry-run` (CPU, sets TRITON_INTERPRET=1) runs the GPU code path with
the kernels interpreted at a tiny size to check it end to end; its timings mean nothing.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

if "--dry-run" in sys.argv:
    os.environ["TRITON_INTERPRET"] = "1"  # before triton is imported

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402

from gpu_kernels import reference as ref  # noqa: E402
from gpu_kernels.label import render_label  # noqa: E402


def timed(fn, device, reps, warmup=2):
    """Median seconds of fn() (CUDA events on the GPU, perf_counter elsewhere)."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(reps):
        if device.type == "cuda":
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(
                enable_timing=True)
            start.record()
            fn()
            end.record()
            torch.cuda.synchronize()
            samples.append(start.elapsed_time(end) / 1000)
        else:
            started = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def copy_bandwidth(device, nbytes, reps):
    src = torch.empty(nbytes, dtype=torch.uint8, device=device).random_(0, 255)
    dst = torch.empty_like(src)
    seconds = timed(lambda: dst.copy_(src), device, reps)
    return 2 * nbytes / seconds


def frames_1080p(n, device, seed=0):
    generator = torch.Generator(device=device).manual_seed(seed)
    return torch.rand(n, 3, 1920, 1080, generator=generator, device=device) * 2 - 1


def rows(table):
    widths = [max(len(str(r[i])) for r in table) for i in range(len(table[0]))]
    for r in table:
        print("  ".join(str(c).rjust(w) if i else str(c).ljust(w)
                        for i, (c, w) in enumerate(zip(r, widths, strict=True))))


def cpu_only(args):
    print("No CUDA GPU available: Triton kernels not timed; torch reference on the CPU at a "
          "small size only (no GPU figure).")
    device = torch.device("cpu")
    n, h, w = 2, 1920 // 4, 1080 // 4
    frames = torch.rand(n, 3, h, w) * 2 - 1
    label = render_label(h // 12)
    finish = timed(lambda: ref.finish_frames(frames, label), device, 3, 1)
    rgb = frames_to_uint8 = ref.frames_to_rgb_uint8(frames, label)
    phash = timed(lambda: ref.phash_frames(frames_to_uint8), device, 3, 1)
    library = torch.randint(-2**63, 2**63 - 1, (100_000,), dtype=torch.int64)
    queries = torch.randint(-2**63, 2**63 - 1, (64,), dtype=torch.int64)
    search = timed(lambda: ref.hamming_search(queries, library, 8), device, 3, 1)
    copy = copy_bandwidth(device, 64 << 20, 5)
    rows([
        ["op (CPU reference)", "size", "ms", "MB/s"],
        ["copy", "64 MiB", f"{2 * (64 << 20) / copy * 1e3:.1f}", f"{copy / 1e6:.0f}"],
        ["finish_frames", f"{n}×{h}×{w}", f"{finish * 1e3:.1f}",
         f"{n * h * w * 13.5 / finish / 1e6:.0f}"],
        ["phash_frames", f"{n}×{h}×{w}×3 u8", f"{phash * 1e3:.1f}",
         f"{rgb.numel() / phash / 1e6:.0f}"],
        ["hamming_search", "64 × 100k", f"{search * 1e3:.1f}", "-"],
    ])
    print(f"RESULT name=kernels device=cpu gpu=none cpu_finish_ms={finish * 1e3:.1f} "
          f"cpu_phash_ms={phash * 1e3:.1f} cpu_search_64x100k_ms={search * 1e3:.1f} "
          f"target_met=unknown")


def gpu(args, device, dry_run):
    from gpu_kernels.triton_kernels import kernels

    k = kernels()
    if dry_run:
        print("DRY RUN: Triton interpreter on the CPU at a tiny size; timings are not "
              "kernel timings.")
        h, w, n, hn, lib_n, q_n, reps, copy_bytes = 64, 36, 2, 2, 4096, 64, 1, 1 << 20
    else:
        print(f"device: {torch.cuda.get_device_name(device)}")
        h, w, n, hn = 1920, 1080, args.frames, args.hash_frames
        lib_n, q_n, reps, copy_bytes = args.library, args.queries, args.reps, 1 << 31
    copy = copy_bandwidth(device, copy_bytes, reps)

    def floor_s(nbytes):
        return nbytes / copy

    generator = torch.Generator(device=device).manual_seed(0)
    frames = torch.rand(n, 3, h, w, generator=generator, device=device) * 2 - 1
    label = render_label(h // 12).to(device)
    table = [["op", "size", "kernel ms", "eager ms", "floor ms", "vs eager",
              "of copy bw"]]
    result = {}

    # finishing: read fp32 RGB (12 B/px), write Y + U/4 + V/4 (1.5 B/px)
    got = k.finish_frames(frames, label)
    want = ref.finish_frames(frames, label)
    mismatches = sum(int((a != b).sum()) for a, b in zip(got, want, strict=True))
    t_kernel = timed(lambda: k.finish_frames(frames, label), device, reps)
    t_eager = timed(lambda: ref.finish_frames(frames, label), device, reps)
    t_floor = floor_s(n * h * w * 13.5)
    table.append(["finish_frames", f"{n}×{h}×{w}", f"{t_kernel * 1e3:.3f}",
                  f"{t_eager * 1e3:.3f}", f"{t_floor * 1e3:.3f}",
                  f"{t_eager / t_kernel:.1f}×", f"{t_floor / t_kernel:.0%}"])
    result.update(finish_bw=t_floor / t_kernel, finish_speedup=t_eager / t_kernel,
                  finish_mismatch=mismatches)

    # RGB uint8: read 12 B/px, write 3 B/px
    got = k.frames_to_rgb_uint8(frames, label)
    rgb_mismatch = int((got != ref.frames_to_rgb_uint8(frames, label)).sum())
    t_kernel = timed(lambda: k.frames_to_rgb_uint8(frames, label), device, reps)
    t_eager = timed(lambda: ref.frames_to_rgb_uint8(frames, label), device, reps)
    t_floor = floor_s(n * h * w * 15)
    table.append(["frames_to_rgb_uint8", f"{n}×{h}×{w}", f"{t_kernel * 1e3:.3f}",
                  f"{t_eager * 1e3:.3f}", f"{t_floor * 1e3:.3f}",
                  f"{t_eager / t_kernel:.1f}×", f"{t_floor / t_kernel:.0%}"])
    result.update(rgb_mismatch=rgb_mismatch)

    # hashing: read N×H×W×3 uint8
    images = torch.randint(0, 256, (hn, h, w, 3), dtype=torch.uint8, device=device,
                           generator=generator)
    hashes = k.phash_frames(images)
    bit_diff = int(ref.popcount64(hashes ^ ref.phash_frames(images)).sum())
    t_kernel = timed(lambda: k.phash_frames(images), device, reps)
    t_eager = timed(lambda: ref.phash_frames(images), device, reps)
    t_floor = floor_s(images.numel())
    table.append(["phash_frames", f"{hn}×{h}×{w}×3", f"{t_kernel * 1e3:.3f}",
                  f"{t_eager * 1e3:.3f}", f"{t_floor * 1e3:.3f}",
                  f"{t_eager / t_kernel:.1f}×", f"{t_floor / t_kernel:.0%}"])
    result.update(phash_bw=t_floor / t_kernel, phash_bits_differing=bit_diff)

    # Hamming search: q_n queries over lib_n library hashes, distance ≤ 8
    library = torch.randint(-2**63, 2**63 - 1, (lib_n,), dtype=torch.int64, device=device,
                            generator=generator)
    queries = library[torch.randperm(lib_n, device=device, generator=generator)[:q_n]] ^ 5
    capacity = 1 << 20
    count = int(k.hamming_raw(queries, library, 8, capacity).item())
    t_kernel = timed(lambda: k.hamming_raw(queries, library, 8, capacity), device, reps)
    t_full = timed(lambda: k.hamming_search(queries, library, 8), device, max(1, reps // 4))
    sub = library[: lib_n // 16]
    t_eager = timed(lambda: ref.hamming_search(queries, sub, 8, chunk=8192), device, 1, 1) * 16
    same = (k.hamming_search(queries[:64], sub, 8)
            == ref.hamming_search(queries[:64], sub, 8, chunk=8192))
    table.append(["hamming_search (kernel)", f"{q_n}×{lib_n}", f"{t_kernel * 1e3:.3f}",
                  f"{t_eager * 1e3:.1f}*", f"{floor_s(lib_n * 8) * 1e3:.3f}",
                  f"{t_eager / t_kernel:.0f}×", "-"])
    table.append(["hamming_search (+sort, list)", f"{q_n}×{lib_n}", f"{t_full * 1e3:.3f}",
                  "", "", "", ""])
    result.update(search_ms=t_kernel * 1e3, search_full_ms=t_full * 1e3, search_hits=count,
                  search_matches_reference=same)

    print(f"copy bandwidth: {copy / 1e9:.1f} GB/s (read + write of a {copy_bytes >> 20} MiB "
          "torch copy)")
    rows(table)
    print("* eager search timed on 1/16 of the library and scaled ×16")
    print(f"exactness: finish mismatched bytes={mismatches}, rgb mismatched bytes="
          f"{rgb_mismatch}, phash bits differing from the float64 reference={bit_diff} over "
          f"{hn} hashes, search equals reference={same}")
    met = (result["finish_bw"] >= 0.8 and result["finish_speedup"] >= 5
           and result["phash_bw"] >= 0.5 and result["search_ms"] < 1.0
           and mismatches == 0 and rgb_mismatch == 0 and same)
    fields = " ".join(f"{key}={value:.3f}" if isinstance(value, float) else f"{key}={value}"
                      for key, value in result.items())
    name = "cpu-interpreter" if dry_run else torch.cuda.get_device_name(device).replace(" ",
                                                                                        "_")
    print(f"RESULT name=kernels device={name} copy_gbps={copy / 1e9:.1f} {fields} "
          f"target_met={'unknown' if dry_run else ('yes' if met else 'no')}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=16, help="1080×1920 frames to finish")
    parser.add_argument("--hash-frames", type=int, default=64)
    parser.add_argument("--library", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=1024)
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args()
    if args.dry_run:
        gpu(args, torch.device("cpu"), dry_run=True)
    elif torch.cuda.is_available():
        gpu(args, torch.device("cuda"), dry_run=False)
    else:
        cpu_only(args)


if __name__ == "__main__":
    main()
