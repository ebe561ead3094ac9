"""Platform overhead of a generation job through the real stack.

Submit (service call, as the view does) → first progress event and → done event, both
received by a WebSocket client on the real ASGI server, with the job run by a real Celery
gpu worker; against the same pipeline called in-process (load once, then render + write
the labelled PNG). Jobs are submitted one after another, so none waits in a queue.

    .venv/bin/python bench/dispatch.py [--jobs 50] [--steps 4]
"""

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from generation.benchstack import Stack, percentile  # noqa: E402


def baseline(n: int, steps: int) -> tuple[list[float], list[float]]:
    from generation import labels, pipelines, registry, services

    spec = registry.get("tiny-keyframe")
    pipe, _ = pipelines.cache.get(spec)
    firsts, totals = [], []
    out = Path(os.environ["MEDIA_ROOT"]) / "baseline.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        params = services.resolve_params(spec, {"prompt": "bench", "steps": steps, "seed": i})
        first = []
        started = time.perf_counter()

        def callback(p, index, t, kwargs, first=first, started=started):
            if not first:
                first.append(time.perf_counter() - started)
            return {}

        frames = pipelines.render(spec, pipe, params, callback)
        labels.write_png(out, frames[0], "baseline", {"params": params})
        totals.append(time.perf_counter() - started)
        firsts.append(first[0])
    return firsts, totals


async def through_stack(stack, studio, user, cookie, n, steps):
    import websockets
    from asgiref.sync import sync_to_async

    from generation import services

    submit = sync_to_async(
        lambda i: services.submit_job(studio, user, "tiny-keyframe",
                                      {"prompt": "bench", "steps": steps, "seed": i}),
        thread_sensitive=False)
    firsts, totals = [], []
    url = f"{stack.ws_url}/ws/studio/{studio.pk}/"
    async with websockets.connect(url, additional_headers={"Cookie": cookie},
                                  origin=stack.url, max_size=2**22) as ws:
        for i in range(-3, n):  # three warm-up jobs: the worker loads the model once
            started = time.perf_counter()
            job = await submit(max(i, 0))
            first = None
            while True:
                event = json.loads(await asyncio.wait_for(ws.recv(), 60))
                if event.get("job") != str(job.pk):
                    continue
                if first is None and event.get("state") == "running" and event.get("step"):
                    first = time.perf_counter() - started
                if event.get("state") in ("succeeded", "failed", "canceled"):
                    assert event["state"] == "succeeded", event
                    break
            if i >= 0:
                firsts.append(first)
                totals.append(time.perf_counter() - started)
    return firsts, totals


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=50)
    parser.add_argument("--steps", type=int, default=4)
    args = parser.parse_args()
    stack = Stack().start()
    try:
        user, studio, cookie = stack.studio_with_member()
        base_first, base_total = baseline(args.jobs, args.steps)
        first, total = asyncio.run(through_stack(stack, studio, user, cookie, args.jobs,
                                                 args.steps))
    finally:
        stack.stop()
    ms = 1000

    def row(name, values):
        print(f"{name:<34}{statistics.median(values) * ms:>10.1f}"
              f"{percentile(values, 95) * ms:>10.1f}")

    print(f"tiny-keyframe 72x128, {args.steps} steps, {args.jobs} jobs each")
    print(f"{'':<34}{'median ms':>10}{'p95 ms':>10}")
    row("in-process: call → first step", base_first)
    row("in-process: call → PNG written", base_total)
    row("stack: submit → first step event", first)
    row("stack: submit → done event", total)
    overhead_first = (statistics.median(first) - statistics.median(base_first)) * ms
    overhead_done = (statistics.median(total) - statistics.median(base_total)) * ms
    print(f"platform overhead (median): first event {overhead_first:.1f} ms, "
          f"done {overhead_done:.1f} ms; done ratio stack/in-process "
          f"{statistics.median(total) / statistics.median(base_total):.2f}")
    met = "yes" if overhead_done < 150 and overhead_first < 150 else "no"
    print(f"RESULT name=dispatch jobs={args.jobs} steps={args.steps} "
          f"overhead_first_ms={overhead_first:.1f} overhead_done_ms={overhead_done:.1f} "
          f"done_p95_ms={percentile(total, 95) * ms:.1f} "
          f"done_ratio={statistics.median(total) / statistics.median(base_total):.2f} "
          f"target_met={met}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
