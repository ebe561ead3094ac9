"""Revenue demo: the policies of the worked example, a month of revenue for moonlight's
imported series, settled, so statements and the finance pages have something to show.
Idempotent: it only adds what is missing."""

import copy
import datetime
import io

from django.db import transaction
from django.utils import timezone

from creators.models import Episode, Series, Studio
from revenue.models import PolicyVersion, RevenueLine, SettlementRun
from revenue.services import create_policy, import_revenue, period_bounds, period_of, settle

POLICY = {
    "name": "Launch policy", "valid_from": "2025-01-01", "minute_price": "0.0005",
    "category_coefficients": {"ai_real": "60", "premium_3d": "50", "premium_2d": "50",
                              "narrated": "10", "standard": "1"},
    "copyright_coefficients": {"exclusive": "2", "non_exclusive": "1"},
    "ad_coefficients": {"exclusive": "2.00", "non_exclusive": "1.00"},
    "mg_per_minute": {"S": "5000", "A": "2000", "B": "500", "C": "0"},
    "hit_bonus_tiers": [{"min_views": 1000000, "bonus": "3000"},
                        {"min_views": 5000000, "bonus": "20000"}],
    "continuous_creation": {"min_episodes": 3, "uplift": "0.10"},
}


@transaction.atomic
def load() -> None:
    studio = Studio.objects.filter(slug="moonlight").first()
    if studio is None:
        return
    today = timezone.localdate()
    first_this_month = today.replace(day=1)
    last_month = period_of(first_this_month - datetime.timedelta(days=1))
    start, end = period_bounds(last_month)
    if not PolicyVersion.objects.exists():
        create_policy(POLICY)
    series, _ = Series.objects.get_or_create(
        slug="moonlight-sword", defaults={"studio": studio, "title": "开局一把剑",
                                          "category": "narrated", "exclusive": True})
    for n in range(1, 4):
        Episode.objects.get_or_create(ref=f"DEMO-SW-{n:03d}", defaults={
            "series": series, "number": n, "title": f"第{n}集", "duration_seconds": 90,
            "grade": "B", "published_on": start + datetime.timedelta(days=n),
            "status": Episode.Status.PUBLISHED, "source": Episode.Source.IMPORTED})
    if not RevenueLine.objects.filter(platform="hongguo", episode__series=series).exists():
        rows = ["date,episode_ref,valid_views,valid_minutes,ad_revenue"]
        day = start + datetime.timedelta(days=4)
        while day <= end:
            for n in range(1, 4):
                views = 20000 + 3000 * n + 100 * day.day
                rows.append(f"{day},DEMO-SW-{n:03d},{views},{views * 2 // 5}.00,"
                            f"{views // 200}.{day.day:02d}")
            day += datetime.timedelta(days=1)
        import_revenue(io.BytesIO(("\n".join(rows) + "\n").encode()), "hongguo",
                       filename="demo-hongguo.csv")
    if not SettlementRun.objects.filter(period=last_month).exists():
        settle(last_month)
    # The next version, to show a policy history, starts this month.
    if PolicyVersion.objects.count() == 1:
        nxt = copy.deepcopy(POLICY)
        nxt.update(name="Coefficient update: narrated 10 -> 5",
                   valid_from=first_this_month.isoformat())
        nxt["category_coefficients"]["narrated"] = "5"
        create_policy(nxt)
