"""IP library search page latency over many generated IPs, against a page of the same
layout (same template, same number of cards) that runs no query: the floor.

Both pages are rendered in-process by calling the view with a RequestFactory request (no
middleware on either side), so the ratio is what the search's queries cost.

    .venv/bin/python bench/library_search.py                      # SQLite, 100,000 IPs
    DATABASE_URL=postgres://... .venv/bin/python bench/library_search.py --ips 100000

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

WORDS = ["都市", "至尊", "剑来", "修仙", "系统", "末日", "重生", "狂妃", "神医", "战神", "星辰",
         "龙王", "逆天", "仙帝", "总裁", "萌宝", "诡异", "无敌", "赘婿", "天骄"]
TAGS = ["都市异能", "玄幻", "系统", "女频", "末日", "修仙", "重生", "甜宠", "悬疑", "历史",
        "科幻", "武侠", "宫斗", "无限流", "种田"]
AUTHORS = [f"{a}{b}" for a in "张王李赵刘陈杨黄周吴" for b in ["三", "四", "墨", "风", "雪",
                                                                 "月", "火", "云", "青", "白"]]



def populate(n: int) -> None:
    from django.db import connection

    from creators.models import User
    from creators.services import create_studio
    from library.models import IP, License, Tag
    from tests.conftest import make_user

    if IP.objects.filter(slug__startswith="bench-").count() >= n:
        return
    rng = random.Random(7)
    holders = [User.objects.filter(username=f"bench-holder{i}").first()
               or make_user(f"bench-holder{i}", is_rights_holder=True) for i in range(20)]
    studios = [create_studio(make_user(f"bench-studio{i}"), f"Bench {i}", slug=f"bench-{i}")
               for i in range(20)]
    tags = [Tag.objects.get_or_create(name=name)[0] for name in TAGS]
    Through = IP.tags.through
    today = datetime.date.today()
    batch = 5000
    for start in range(0, n, batch):
        chunk = range(start, min(n, start + batch))
        ips = IP.objects.bulk_create(
            IP(slug=f"bench-{i}", title="".join(rng.sample(WORDS, 2)) + f"{i}",
               original_author=rng.choice(AUTHORS), rights_holder=holders[i % 20],
               kind=rng.choice(["novel", "novel", "comic", "script"]),
               synopsis="一个关于成长与逆袭的故事。" * 3, exclusive_allowed=rng.random() < 0.7)
            for i in chunk)
        if connection.vendor == "sqlite" or ips[0].pk is None:
            ips = list(IP.objects.filter(slug__in=[ip.slug for ip in ips]))
        Through.objects.bulk_create(
            Through(ip_id=ip.pk, tag_id=tag.pk) for ip in ips
            for tag in rng.sample(tags, rng.randint(1, 3)))
        # One IP in ten is licensed (runs until after today), half of those exclusively.
        License.objects.bulk_create(
            License(ip=ip, studio=rng.choice(studios), exclusive=rng.random() < 0.5,
                    starts_on=today - datetime.timedelta(days=100),
                    ends_on=today + datetime.timedelta(days=rng.randint(1, 700)),
                    licensor_share="0.30")
            for ip in ips if rng.random() < 0.1)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ips", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    setup_django("library")

    from django.contrib.auth.models import AnonymousUser
    from django.db import connection
    from django.shortcuts import render
    from django.test import RequestFactory
    from django.utils import timezone

    from library import conf, queries, views
    from library.forms import SearchForm
    from library.models import IP

    started = time.perf_counter()
    populate(args.ips)
    fill_s = time.perf_counter() - started
    total = IP.objects.count()
    factory = RequestFactory()

    def request(query=None):
        return page_request(factory, "/library/", AnonymousUser(), query)

    # The floor: the same template with the same number of cards, built in memory.
    sample = list(IP.objects.order_by("-id").prefetch_related("tags")[:conf.PAGE_SIZE])
    tags = list(queries.popular_tags())
    fake = queries.SearchPage(items=sample, number=1, has_next=True, has_previous=False,
                              count=conf.COUNT_CAP, count_capped=True)

    def floor():
        return render(request(), "library/index.html", {
            "form": SearchForm(), "result": fake, "query": "", "tags": tags})

    def search(query=None):
        response = views.index(request(query))
        assert response.status_code == 200
        return response

    variants = [
        ("floor (no query)", floor),
        ("browse, page 1", lambda: search()),
        ("browse, page 50", lambda: search({"page": "50"})),
        ("title contains 都市", lambda: search({"title": "都市"})),
        ("title, rare (都市至尊77)", lambda: search({"title": "都市至尊77"})),
        ("author 张墨", lambda: search({"author": "张墨"})),
        ("tag 修仙", lambda: search({"tag": "修仙"})),
        ("kind comic", lambda: search({"kind": "comic"})),
        ("available for exclusive", lambda: search({"exclusive": "on"})),
        ("tag+kind+exclusive", lambda: search({"tag": "玄幻", "kind": "comic",
                                                "exclusive": "on"})),
    ]
    for _ in range(10):  # warm-up
        for _name, fn in variants:
            fn()
    # Interleaved: each round times every variant once, so machine noise hits all alike.
    times: dict[str, list[float]] = {name: [] for name, _ in variants}
    for _ in range(args.requests):
        for name, fn in variants:
            t = time.perf_counter()
            fn()
            times[name].append((time.perf_counter() - t) * 1000)
    floor_p95 = percentile(times["floor (no query)"], 95)
    print(f"database: {connection.vendor}; IPs: {total} (filled in {fill_s:.1f} s); "
          f"requests per row: {args.requests}; at {timezone.now():%Y-%m-%d %H:%M}")
    print(f"{'page':28} {'median ms':>10} {'p95 ms':>10} {'p95/floor':>10}")
    for name, values in times.items():
        print(f"{name:28} {statistics.median(values):10.2f} {percentile(values, 95):10.2f} "
              f"{percentile(values, 95) / floor_p95:10.2f}")
    searches = [v for name, v in times.items() if name != "floor (no query)"]
    worst_name, worst = max(((n, percentile(v, 95)) for n, v in times.items()
                             if n != "floor (no query)"), key=lambda x: x[1])
    default = times["browse, page 1"]
    all_ms = [x for v in searches for x in v]
    ratio = percentile(all_ms, 95) / floor_p95
    print(f"RESULT name=library_search ips={total} db={connection.vendor} "
          f"median_ms={statistics.median(all_ms):.2f} p95_ms={percentile(all_ms, 95):.2f} "
          f"floor_median_ms={statistics.median(times['floor (no query)']):.2f} "
          f"floor_p95_ms={floor_p95:.2f} p95_vs_floor={ratio:.2f} "
          f"browse_p95_vs_floor={percentile(default, 95) / floor_p95:.2f} "
          f"worst_p95_vs_floor={worst / floor_p95:.2f} "
          f"target_met={'yes' if worst / floor_p95 <= 5 else 'no'}")
    print(f"(worst variant: {worst_name})")


if __name__ == "__main__":
    main()
