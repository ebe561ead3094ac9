"""Review queue page latency with many items in all states, against a page of the same
layout (same template, same number of rows) that runs no query: the floor.

Both pages are rendered in-process by calling the view with a RequestFactory request (no
middleware on either side), so the ratio is what the queue's queries cost.

    DATABASE_URL=postgres://... REDIS_URL=redis://.../5 .venv/bin/python bench/review_queue.py
    .venv/bin/python bench/review_queue.py --items 100000 --requests 300

Without DATABASE_URL it uses a fresh SQLite file; without REDIS_URL a local-memory cache.
"""

import argparse
import datetime
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import page_request, percentile, setup_django  # noqa: E402


def populate(n: int):
    from django.db import connection
    from django.utils import timezone

    from creators.models import Episode, Series
    from creators.services import create_studio
    from review.models import ReviewItem
    from tests.conftest import make_user

    if ReviewItem.objects.count() >= n:
        return
    rng = random.Random(7)
    studios = [create_studio(make_user(f"bench{i}"), f"Bench {i}", slug=f"bench-{i}")
               for i in range(50)]
    series = Series.objects.bulk_create(
        Series(studio=studios[i % 50], slug=f"bench-s{i}", title=f"Series {i}",
               category=["ai_real", "premium_3d", "premium_2d", "narrated", "standard"][i % 5])
        for i in range(500))
    states = ([("open", "submitted")] * 20 + [("approved", "published")] * 50
              + [("rejected", "rejected")] * 15
              + [("changes_requested", "changes_requested")] * 15)
    now = timezone.now()
    batch = 5000
    for start in range(0, n, batch):
        chunk = range(start, min(n, start + batch))
        picks = [states[rng.randrange(100)] for _ in chunk]
        eps = Episode.objects.bulk_create(
            Episode(series=series[i % 500], number=i // 500 + 1, title=f"Episode {i}",
                    ref=f"EP-B{i:07d}", status=picks[k][1], source=rng.choice(
                        ["uploaded", "generated"]))
            for k, i in enumerate(chunk))
        if connection.vendor == "sqlite" or eps[0].pk is None:
            eps = list(Episode.objects.filter(ref__in=[e.ref for e in eps]).order_by("ref"))
        ReviewItem.objects.bulk_create(
            ReviewItem(episode=ep, studio_id=series[i % 500].studio_id, series=series[i % 500],
                       category=series[i % 500].category, source=ep.source,
                       state=picks[k][0],
                       submitted_at=now - datetime.timedelta(minutes=rng.randrange(60 * 24 * 90)),
                       decided_at=None if picks[k][0] == "open" else now,
                       checks_state="done",
                       flags=rng.choice(["", "", "", ",hook,", ",duplicate,"]))
            for k, (i, ep) in enumerate(zip(chunk, eps, strict=True)))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    setup_django("review")

    from django.core.cache import cache
    from django.db import connection
    from django.shortcuts import render
    from django.test import RequestFactory
    from django.utils import timezone

    from review import conf, views
    from review.forms import QueueFilterForm
    from review.queries import state_counts
    from tests.conftest import make_user

    started = time.perf_counter()
    populate(args.items)
    fill_s = time.perf_counter() - started
    from creators.models import User
    reviewer = (User.objects.filter(username="bench-reviewer").first()
                or make_user("bench-reviewer", is_reviewer=True))
    factory = RequestFactory()

    def request(query=None):
        return page_request(factory, "/review/", reviewer, query)

    # The floor: the same template and the same number of rows, built in memory.
    sample, _ = __import__("review.queries", fromlist=["queue"]).queue({}, 1)
    fake_counts = dict(state_counts())

    def floor():
        return render(request(), "review/queue.html", {
            "form": QueueFilterForm(), "items": sample, "page": 1, "has_next": True,
            "counts": fake_counts, "query": ""})

    def queue_page(query=None):
        response = views.index(request(query))
        assert response.status_code == 200
        return response

    assert len(sample) == conf.QUEUE_PAGE_SIZE
    for _ in range(20):  # warm-up
        floor(), queue_page()

    # Interleaved: each round times every variant once, so machine noise hits all alike.
    variants = [
        ("floor (no query)", floor, None),
        ("queue page", queue_page, None),
        ("queue, filtered by studio", lambda: queue_page({"studio": "7"}), None),
        ("queue, flag=duplicate", lambda: queue_page({"flag": "duplicate"}), None),
        ("queue, counts cache cold", queue_page, lambda: cache.delete("review:counts")),
    ]
    times: dict[str, list[float]] = {name: [] for name, _, _ in variants}
    for _ in range(args.requests):
        for name, fn, before in variants:
            if before:
                before()
            t = time.perf_counter()
            fn()
            times[name].append((time.perf_counter() - t) * 1000)
    rows = list(times.items())
    floor_ms = times["floor (no query)"]
    print(f"database: {connection.vendor}; items: {args.items} (filled in {fill_s:.1f} s); "
          f"requests per row: {args.requests}; at {timezone.now():%Y-%m-%d %H:%M}")
    print(f"{'page':32} {'median ms':>10} {'p95 ms':>10} {'p95/floor':>10}")
    floor_p95 = percentile(floor_ms, 95)
    for name, values in rows:
        print(f"{name:32} {statistics.median(values):10.2f} {percentile(values, 95):10.2f} "
              f"{percentile(values, 95) / floor_p95:10.2f}")
    queue_ms = rows[1][1]
    ratio = percentile(queue_ms, 95) / floor_p95
    cold = percentile(rows[4][1], 95) / floor_p95
    print(f"RESULT name=review_queue items={args.items} db={connection.vendor} "
          f"median_ms={statistics.median(queue_ms):.2f} p95_ms={percentile(queue_ms, 95):.2f} "
          f"floor_p95_ms={floor_p95:.2f} p95_vs_floor={ratio:.2f} cold_counts_p95_vs_floor="
          f"{cold:.2f} target_met={'yes' if ratio <= 5 else 'no'}")


if __name__ == "__main__":
    main()
