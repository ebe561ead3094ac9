"""Progress fan-out: many WebSocket clients, each watching its own job, while the worker's
publishing code (generation.progress.publish) sends 10 events a second per job.

Measures publish-to-receive latency (sent_at stamped by the publisher, read on receipt)
and lost messages (gaps in each job's sequence numbers, missing terminal events). The
baseline is the same clients receiving a plain channel-layer group_send per event from a
loop that awaits each send (no background sender, no ordering per job).

    .venv/bin/python bench/progress.py [--clients 200] [--rate 10] [--seconds 5]
"""

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from generation.benchstack import Stack, percentile  # noqa: E402


def publisher(job_ids: list[str], studio_id: int, rate: int, seconds: float, mode: str):
    """Runs in its own process, as a worker would."""
    import django

    django.setup()
    from generation.progress import publish

    ticks = int(rate * seconds)
    started = time.monotonic()
    if mode == "platform":
        for tick in range(ticks):
            for n, job_id in enumerate(job_ids):
                # Jobs run independently, so their steps are spread over the tick.
                delay = started + (tick + n / len(job_ids)) / rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                publish(job_id, studio_id, {"type": "job", "state": "running",
                                            "step": tick + 1, "total": ticks})
        for job_id in job_ids:
            publish(job_id, studio_id, {"type": "job", "state": "succeeded", "step": ticks,
                                        "total": ticks}, wait=True, final=True)
        return
    # Baseline: await each group_send in one loop, with the same payload.
    from channels.layers import get_channel_layer

    from generation.progress import job_group

    async def run():
        layer = get_channel_layer()
        for tick in range(ticks + 1):
            for n, job_id in enumerate(job_ids):
                delay = started + (tick + n / len(job_ids)) / rate - time.monotonic()
                if delay > 0 and tick < ticks:
                    await asyncio.sleep(delay)
                state = "succeeded" if tick == ticks else "running"
                await layer.group_send(job_group(job_id), {"type": "job.event", "payload": {
                    "type": "job", "job": job_id, "state": state, "step": tick + 1,
                    "total": ticks, "seq": tick + 2, "sent_at": time.time()}})

    asyncio.run(run())


async def clients(stack, cookie, job_ids, start_publisher, timeout):
    import websockets

    latencies: list[float] = []
    seen: dict[str, list[int]] = {j: [] for j in job_ids}
    terminal: set[str] = set()
    ready = 0

    async def one(job_id):
        nonlocal ready
        url = f"{stack.ws_url}/ws/jobs/{job_id}/"
        async with websockets.connect(url, additional_headers={"Cookie": cookie},
                                      origin=stack.url, open_timeout=60) as ws:
            json.loads(await ws.recv())  # the snapshot
            ready += 1
            while True:
                event = json.loads(await ws.recv())
                latencies.append(time.time() - event["sent_at"])
                seen[job_id].append(event["seq"])
                if event["state"] == "succeeded":
                    terminal.add(job_id)
                    return

    tasks = [asyncio.create_task(one(j)) for j in job_ids]
    while ready < len(job_ids):
        await asyncio.sleep(0.05)
    proc = start_publisher()
    done, pending = await asyncio.wait(tasks, timeout=timeout)
    for task in pending:
        task.cancel()
    await asyncio.get_running_loop().run_in_executor(None, proc.wait)
    lost = 0
    for seqs in seen.values():
        if seqs:
            lost += (max(seqs) - min(seqs) + 1) - len(set(seqs))
    return latencies, seen, terminal


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--rate", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--layer", choices=["settings", "pubsub"], default="settings",
                        help="the channel layer of config.settings, or channels-redis' "
                             "pub/sub layer for comparison")
    parser.add_argument("--publisher", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.publisher:
        spec = json.loads(args.publisher)
        publisher(spec["jobs"], spec["studio"], args.rate, args.seconds, spec["mode"])
        return 0

    stack = Stack().start(worker=False, layer=args.layer)
    results = {}
    try:
        from generation.models import Job

        user, studio, cookie = stack.studio_with_member()
        expected = int(args.rate * args.seconds) + 1
        for mode in ("baseline", "platform"):
            jobs = [str(Job.objects.create(studio=studio, kind="keyframe",
                                           model_key="tiny-keyframe", price=0,
                                           state="running", total_steps=expected).pk)
                    for _ in range(args.clients)]

            def start(jobs=jobs, mode=mode):
                spec = json.dumps({"jobs": jobs, "studio": studio.pk, "mode": mode})
                return subprocess.Popen(
                    [sys.executable, __file__, "--publisher", spec, "--rate", str(args.rate),
                     "--seconds", str(args.seconds)], env=os.environ)

            latencies, seen, terminal = asyncio.run(
                clients(stack, cookie, jobs, start, timeout=args.seconds * 6 + 30))
            received = sum(len(s) for s in seen.values())
            results[mode] = {
                "p50": percentile(latencies, 50) * 1000, "p99": percentile(latencies, 99) * 1000,
                "lost": expected * len(jobs) - received,
                "terminal_lost": len(jobs) - len(terminal),
                "out_of_order": sum(1 for s in seen.values() if s != sorted(s)),
            }
    finally:
        stack.stop()
    print(f"{args.clients} clients × {args.rate} events/s × {args.seconds:g} s "
          f"(+1 terminal event each), channel layer: {args.layer}")
    print(f"{'':<12}{'p50 ms':>9}{'p99 ms':>9}{'lost':>7}{'lost terminal':>15}"
          f"{'out of order':>14}")
    for mode, r in results.items():
        print(f"{mode:<12}{r['p50']:>9.1f}{r['p99']:>9.1f}{r['lost']:>7}"
              f"{r['terminal_lost']:>15}{r['out_of_order']:>14}")
    p = results["platform"]
    met = "yes" if p["p99"] < 100 and p["terminal_lost"] == 0 else "no"
    print(f"RESULT name=progress clients={args.clients} rate={args.rate} layer={args.layer} "
          f"p50_ms={p['p50']:.1f} p99_ms={p['p99']:.1f} lost={p['lost']} "
          f"terminal_lost={p['terminal_lost']} "
          f"p99_vs_baseline={p['p99'] / max(results['baseline']['p99'], 1e-9):.2f} "
          f"target_met={met}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
