"""Dashboard JSON latency for one studio with many settled lines.

One studio, 500 episodes (50 series) × 365 days of settled revenue lines (182,500); the
chart endpoint `/dashboard/<studio>/data.json?days=…` is timed (median, p95) through the
Django test client, against the floor: an endpoint of the same framework, behind the same
middleware and a logged-in session, that runs no query. Target: p95 within 5× the floor.
The cached requests are timed in rounds, the floor and each endpoint once a round, so
that load from elsewhere on the machine weighs on both sides of the ratio alike. For
context it also times the session and its user alone, and the membership query.

    .venv/bin/python bench/dashboard.py [--episodes 500] [--days 365] [--requests 200]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/manju_dashboard_bench \\
        .venv/bin/python bench/dashboard.py

Without DATABASE_URL it uses a fresh SQLite file. With one, the database is flushed first.
Without REDIS_URL the cache is Django's in-process LocMemCache; run it under
`platform/embedded.py` for the embedded Redis, or with REDIS_URL for a server.
"""

import argparse
import datetime
import os
import statistics
import sys
import time
import types
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import bench_policy, setup_django  # noqa: E402

TARGET = 5.0
POLICY = bench_policy("2024-01-01")


def setup():
    setup_django("dash", flush=True)
    from django.conf import settings

    # The floor: same framework and middleware, no query.
    from django.http import JsonResponse
    from django.urls import include, path

    urls = types.ModuleType("bench_dashboard_urls")
    def auth_floor(request):  # for context: the login + membership reads every page does
        from creators.queries import membership_or_404
        membership_or_404(request.user, "bench")
        return JsonResponse({"ok": True})

    def user_floor(request):  # for context: the session and its user, nothing else
        return JsonResponse({"ok": request.user.is_authenticated})

    urls.urlpatterns = [path("floor/", lambda r: JsonResponse({"ok": True})),
                        path("user-floor/", user_floor),
                        path("auth-floor/", auth_floor),
                        path("", include("config.urls"))]
    sys.modules["bench_dashboard_urls"] = urls
    settings.ROOT_URLCONF = "bench_dashboard_urls"


def generate(episodes: int, days: int):
    from django.db import transaction

    from creators.models import Episode, Series, User
    from creators.services import create_studio
    from revenue.models import ImportBatch, RevenueLine, SettlementRun
    from revenue.services import coefficients, compute_line, create_policy

    owner = User.objects.create_user("bench-owner", password="x")
    studio = create_studio(owner, "Bench", slug="bench")
    policy = create_policy(POLICY)
    cats = ["ai_real", "premium_3d", "premium_2d", "narrated", "standard"]
    n_series = max(1, episodes // 10)
    series = Series.objects.bulk_create([
        Series(studio=studio, slug=f"bs-{i}", title=f"S{i}", category=cats[i % 5],
               exclusive=i % 2 == 0) for i in range(n_series)])
    eps = Episode.objects.bulk_create([
        Episode(series=series[i % n_series], number=i // n_series + 1, title=f"E{i}",
                ref=f"EP-{i:06d}", duration_seconds=Decimal(90))
        for i in range(episodes)])
    batch = ImportBatch.objects.create(platform="bench", filename="bench", sha256="0" * 64,
                                       status="accepted", rows=episodes * days)
    start = datetime.date(2025, 1, 1)
    runs = {}
    coeffs = {s.id: coefficients(policy, s.category, s.exclusive) for s in series}
    with transaction.atomic():
        for d in range(days):
            day = start + datetime.timedelta(days=d)
            period = day.strftime("%Y-%m")
            if period not in runs:
                runs[period] = SettlementRun.objects.create(period=period, policy=policy)
            rows = []
            for e, ep in enumerate(eps):
                views = (e * 7919 + d * 104729) % 50000
                minutes = Decimal(f"{views * 3 // 10}.{(e + d) % 100:02d}")
                ad = Decimal(f"{views // 100}.{(e * d) % 100:02d}")
                c = coeffs[ep.series_id]
                parts = compute_line(minutes, ad, c, None)
                rows.append(RevenueLine(
                    date=day, platform="bench", episode=ep, episode_ref=ep.ref,
                    valid_views=views, valid_minutes=minutes, ad_revenue=ad, batch=batch,
                    settled_in=runs[period], policy=policy,
                    coefficients=dict(c, licensor_share=None),
                    minute_part=parts["minute_part"], ad_part=parts["ad_part"],
                    base=parts["base"], royalty=parts["royalty"],
                    studio_share=parts["studio_share"]))
            RevenueLine.objects.bulk_create(rows, batch_size=2000)
    return owner


def timed(client, url, n):
    times = []
    for _ in range(n):
        t = time.perf_counter()
        r = client.get(url)
        times.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200, (url, r.status_code)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.95))]


def interleaved(client, urls, rounds):
    """(median, p95) per URL, timed in rounds that take each URL once, in turn: a burst of
    load from elsewhere on the machine falls on the floor as much as on the endpoints."""
    samples = {url: [] for url in urls}
    for _ in range(rounds):
        for url in urls:
            t = time.perf_counter()
            r = client.get(url)
            samples[url].append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200, (url, r.status_code)
    out = {}
    for url, times in samples.items():
        times.sort()
        out[url] = (statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.95))])
    return out


def settings_cache() -> str:
    from django.conf import settings

    return settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--episodes", type=int, default=500)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--requests", type=int, default=200,
                    help="rounds of cached requests, each endpoint once a round")
    ap.add_argument("--cold", type=int, default=5, help="uncached requests per window")
    args = ap.parse_args()
    setup()
    from django.db import connection
    from django.test import Client

    t = time.perf_counter()
    owner = generate(args.episodes, args.days)
    gen_s = time.perf_counter() - t
    if connection.vendor == "postgresql":  # as autovacuum would after a bulk load
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    client = Client()
    client.force_login(owner)
    from django.core.cache import cache

    print(f"database: {connection.vendor}; cache: {settings_cache()}; {args.episodes} episodes"
          f" × {args.days} days = {args.episodes * args.days} settled lines "
          f"(generated in {gen_s:.1f} s); load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} CPUs (a load above the CPU count inflates the p95s)")
    cold = {}
    for days in (30, 90, 365):
        url = f"/dashboard/bench/data.json?days={days}"
        runs = []
        for _ in range(args.cold):
            cache.delete_many([f"dashboard:charts:bench:{d}" for d in (30, 90, 365)])
            runs.append(timed(client, url, 1)[0])
        cold[days] = (statistics.median(runs), max(runs))
    charts = [f"/dashboard/bench/data.json?days={days}" for days in (30, 90, 365)]
    urls = ["/floor/", "/user-floor/", "/auth-floor/", *charts]
    for url in urls:  # warm: every cached entry in place, every code path loaded
        timed(client, url, 3)
    got = interleaved(client, urls, args.requests)
    floor_med, floor_p95 = got["/floor/"]
    print(f"{'endpoint':<34}{'median ms':>12}{'p95 ms':>12}{'p95 / floor':>14}")
    print(f"{'floor (no query)':<34}{floor_med:>12.2f}{floor_p95:>12.2f}{1:>14.1f}")
    user_med, user_p95 = got["/user-floor/"]
    print(f"{'session + user, no data':<34}{user_med:>12.2f}{user_p95:>12.2f}"
          f"{user_p95 / floor_p95:>14.1f}")
    auth_med, auth_p95 = got["/auth-floor/"]
    print(f"{'session + membership (query)':<34}{auth_med:>12.2f}{auth_p95:>12.2f}"
          f"{auth_p95 / floor_p95:>14.1f}")
    for days in (30, 90, 365):
        med, worst_run = cold[days]
        print(f"{f'data.json?days={days} uncached':<34}{med:>12.2f}"
              f"{worst_run:>12.2f}{worst_run / floor_p95:>14.1f}")
    worst = 0.0
    result = {}
    for days, url in zip((30, 90, 365), charts, strict=True):
        med, p95 = got[url]
        ratio = p95 / floor_p95
        worst = max(worst, ratio)
        result[days] = (med, p95, ratio)
        print(f"{f'data.json?days={days} cached':<34}{med:>12.2f}{p95:>12.2f}{ratio:>14.1f}")
    med, p95, ratio = result[365]
    print(f"RESULT name=dashboard db={connection.vendor} lines={args.episodes * args.days} "
          f"floor_p95_ms={floor_p95:.2f} json365_median_ms={med:.2f} json365_p95_ms={p95:.2f} "
          f"user_floor_p95_ms={user_p95:.2f} auth_floor_p95_ms={auth_p95:.2f} "
          f"uncached365_median_ms={cold[365][0]:.2f} "
          f"worst_cached_ratio={worst:.1f} load1={os.getloadavg()[0]:.1f} target={TARGET:.0f} "
          f"target_met={'yes' if worst <= TARGET else 'no'}")


if __name__ == "__main__":
    main()
