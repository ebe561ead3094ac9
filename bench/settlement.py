"""Revenue import and settlement at volume.

  import  : `import_revenue` of a CSV (parse, validate every row, bulk insert in one
            transaction) against a raw `bulk_create` of the same, already parsed lines.
  settle  : settling every month the lines span against one aggregate scan of all lines.

Targets (issue 8): import within 3× the raw insert, settle within 10× the scan, memory
flat (the RSS growth while importing is printed). Default size 2,000 episodes × 500 days
= 1,000,000 lines; `--episodes/--days` for less.

    .venv/bin/python bench/settlement.py --episodes 200 --days 100
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/manju_revenue_bench .venv/bin/python \
        bench/settlement.py

Without DATABASE_URL it uses a fresh SQLite file. With one, the database is flushed first.
"""

import argparse
import datetime
import gc
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import bench_policy, setup_django  # noqa: E402

POLICY = bench_policy("2025-01-01")



def catalog(episodes: int) -> dict:
    studios = max(1, episodes // 100)
    series = max(1, episodes // 10)
    cats = ["ai_real", "premium_3d", "premium_2d", "narrated", "standard"]
    return {
        "users": [{"username": f"b{i}", "roles": ["creator"]} for i in range(studios)],
        "studios": [{"slug": f"bench-{i}", "name": f"Bench {i}", "owner": f"b{i}"}
                    for i in range(studios)],
        "series": [{"slug": f"bs-{i}", "studio": f"bench-{i % studios}", "title": f"S{i}",
                    "category": cats[i % 5], "exclusive": i % 2 == 0, "ip": None}
                   for i in range(series)],
        "episodes": [{"ref": f"EP-{i:06d}", "series": f"bs-{i % series}",
                      "number": i // series + 1, "title": f"E{i}", "duration_seconds": 90,
                      "grade": "ABCS"[i % 4], "published_on": "2025-12-01"}
                     for i in range(episodes)],
    }


def make_csv(episodes: int, days: int) -> tuple[bytes, list[tuple]]:
    start = datetime.date(2026, 1, 1)
    rows, parsed = ["date,episode_ref,valid_views,valid_minutes,ad_revenue"], []
    for d in range(days):
        day = start + datetime.timedelta(days=d)
        iso = day.isoformat()
        for e in range(episodes):
            views = (e * 7919 + d * 104729) % 50000
            minutes = f"{views * 3 // 10}.{(e + d) % 100:02d}"
            ad = f"{views // 100}.{(e * d) % 100:02d}"
            rows.append(f"{iso},EP-{e:06d},{views},{minutes},{ad}")
            parsed.append((day, f"EP-{e:06d}", views, Decimal(minutes), Decimal(ad)))
    return ("\n".join(rows) + "\n").encode(), parsed


def rss_mib() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class RssSampler:
    """Highest resident set size seen while the block runs, above the start."""

    def __enter__(self):
        self.start = self.peak = rss_mib()
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        return self

    def _run(self):
        while not self.done.wait(0.05):
            self.peak = max(self.peak, rss_mib())

    def __exit__(self, *exc):
        self.done.set()
        self.thread.join()
        self.peak = max(self.peak, rss_mib())

    @property
    def growth(self) -> float:
        return self.peak - self.start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--episodes", type=int, default=2000)
    parser.add_argument("--days", type=int, default=500)
    args = parser.parse_args()
    setup_django("settle", flush=True)

    from django.db import connection, transaction
    from django.db.models import Count, Sum

    from creators.catalog import import_catalog
    from creators.models import Episode
    from revenue.models import ImportBatch, RevenueLine
    from revenue.services import create_policy, import_revenue, period_of, settle

    n = args.episodes * args.days
    print(f"size: {args.episodes} episodes × {args.days} days = {n:,} lines "
          f"on {connection.vendor}")
    import_catalog(catalog(args.episodes))
    create_policy(POLICY)
    data, parsed = make_csv(args.episodes, args.days)
    episodes = dict(Episode.objects.values_list("ref", "id"))

    # Baseline: raw bulk insert of the parsed lines, one transaction, same batch size.
    t0 = time.perf_counter()
    with transaction.atomic():
        batch = ImportBatch.objects.create(platform="raw", filename="raw", sha256="raw",
                                           status="refused")
        objs = [RevenueLine(date=d, platform="raw", episode_id=episodes[r], episode_ref=r,
                            valid_views=v, valid_minutes=m, ad_revenue=a, batch=batch)
                for d, r, v, m, a in parsed]
        for i in range(0, len(objs), 2000):
            RevenueLine.objects.bulk_create(objs[i:i + 2000])
    raw = time.perf_counter() - t0
    RevenueLine.objects.filter(platform="raw").delete()
    batch.delete()
    if connection.vendor == "postgresql":  # the baseline's million dead rows are not ours
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE revenue_revenueline")
    del objs, parsed

    # The import reads the CSV from a file on disk (streaming); RSS is sampled meanwhile.
    csv_path = Path(tempfile.mkdtemp(prefix="settle-bench-csv-")) / "bench.csv"
    csv_path.write_bytes(data)
    file_mib = len(data) / 2**20
    del data
    gc.collect()
    sampler = RssSampler()
    t0 = time.perf_counter()
    with sampler, open(csv_path, "rb") as fh:
        import_revenue(fh, "bench", filename="bench.csv")
    imported = time.perf_counter() - t0
    csv_path.unlink()

    # Baseline: one aggregate scan of every line.
    t0 = time.perf_counter()
    RevenueLine.objects.aggregate(Sum("valid_minutes"), Sum("ad_revenue"),
                                  Sum("valid_views"), Count("id"))
    scan = time.perf_counter() - t0

    start = datetime.date(2026, 1, 1)
    last = start + datetime.timedelta(days=args.days - 1)
    periods = sorted({period_of(start + datetime.timedelta(days=d))
                      for d in range(args.days)})
    t0 = time.perf_counter()
    for p in periods:
        settle(p)
    settled = time.perf_counter() - t0
    assert not RevenueLine.objects.unsettled().filter(date__lte=last).exists()

    print(f"{'step':<28}{'seconds':>10}{'lines/s':>14}")
    for name, s in [("raw bulk insert (baseline)", raw), ("import_revenue", imported),
                    ("aggregate scan (baseline)", scan),
                    (f"settle {len(periods)} periods", settled)]:
        print(f"{name:<28}{s:>10.2f}{n / s:>14,.0f}")
    import_ratio, settle_ratio = imported / raw, settled / scan
    print(f"import / raw insert = {import_ratio:.2f}×, settle / scan = {settle_ratio:.1f}×")
    print(f"import memory: RSS grew {sampler.growth:.1f} MiB while importing a "
          f"{file_mib:.1f} MiB file ({n:,} lines)")
    met = import_ratio <= 3 and settle_ratio <= 10
    print(f"RESULT name=settlement lines={n} import_s={imported:.2f} raw_s={raw:.2f} "
          f"import_ratio={import_ratio:.2f} settle_s={settled:.2f} scan_s={scan:.3f} "
          f"settle_ratio={settle_ratio:.1f} import_rss_growth_mib={sampler.growth:.1f} "
          f"target_met={'yes' if met else 'no'}")


if __name__ == "__main__":
    main()
