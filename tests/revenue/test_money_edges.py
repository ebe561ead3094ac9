"""Edges where money went wrong before: a period typed without its zero, revenue of an
episode taken down since, a platform code in capitals, a licensor's unsettled royalty, the
minimum guarantee's rounding, statement parts that did not add up, a spreadsheet's blank
last line."""

import datetime
import io
import json
from decimal import Decimal

import pytest
from django.core.management.base import CommandError

from creators.catalog import import_catalog
from creators.models import Episode, Studio, User
from creators.services import take_down
from revenue.models import LedgerEntry, RevenueLine, SettlementRun
from revenue.queries import statement
from revenue.services import (
    RevenueError,
    create_policy,
    import_revenue,
    last_closed_day,
    mg_amount,
    settle,
)
from tests.revenue.conftest import POLICY, catalog, csv_bytes, run

pytestmark = pytest.mark.django_db


def load(rows, platform="hongguo", data=None):
    return import_revenue(io.BytesIO(data if data is not None else csv_bytes(rows)), platform)


def totals(period: str) -> dict:
    return statement(period, studio=Studio.objects.get(slug="sun"))["totals"]


def test_a_period_without_its_leading_zero_is_refused_and_closes_nothing():
    import_catalog(catalog([("E1", "2026-01-02", "C", 60)], ip=False))
    create_policy(POLICY)
    load(["2026-01-10,E1,1,10000.00,0.00"])
    run("settle", "2026-01")
    for typo in ("2026-2", "2026-13", "2026-00", "26-02", "2026-02-01", " 2026-02"):
        with pytest.raises((RevenueError, CommandError)):
            run("settle", typo)
        with pytest.raises(RevenueError):
            settle(typo)
    assert list(SettlementRun.all_runs.values_list("period", flat=True)) == ["2026-01"]
    assert last_closed_day() == datetime.date(2026, 1, 31)
    load(["2026-03-10,E1,1,10.00,0.00"])  # later months still import
    assert RevenueLine.objects.count() == 2


def test_revenue_earned_before_a_takedown_is_imported_and_counts_for_the_uplift():
    """DOMAIN: refuse a line only when the episode is 'not yet published on that date'; the
    uplift counts episodes 'published inside the period'."""
    import_catalog(catalog([("E1", "2026-01-02", "C", 60), ("E2", "2026-01-03", "C", 60),
                            ("E3", "2026-01-04", "C", 60)], ip=False))
    create_policy(POLICY)
    take_down(Episode.objects.get(ref="E3"))
    load(["2026-01-10,E1,1000,10000.00,0.00", "2026-01-11,E3,10,100.00,0.00"])
    with pytest.raises(RevenueError, match="not yet published"):
        load(["2026-01-01,E3,10,100.00,0.00"], platform="douyin")  # before it was up
    settle("2026-01")
    t = totals("2026-01")
    # shares 10000 × 0.0005 × 50 × 2 = 500.00 and 5.00; three episodes went up in January.
    assert Decimal(t["earned_share"]) == Decimal("505.00")
    assert Decimal(t["incentives"]) == Decimal("50.50")  # q(505.00 × 0.10)


def test_a_platform_code_is_one_platform_whatever_its_capitals():
    import_catalog(catalog([("E1", "2026-01-02", "C", 60)], ip=False))
    create_policy(POLICY)
    load(["2026-01-12,E1,1,1.00,1.00"], platform="hongguo")
    with pytest.raises(RevenueError, match="already imported"):
        load(["2026-01-12,E1,1,1.00,1.00"], platform=" HongGuo ")
    with pytest.raises(RevenueError, match="bad platform code"):
        load(["2026-01-13,E1,1,1.00,1.00"], platform="hong guo")
    assert list(RevenueLine.objects.values_list("platform", flat=True)) == ["hongguo"]


def test_the_licensors_dashboard_counts_only_settled_royalties():
    from dashboard.queries import holder_summary

    import_catalog(catalog([("E1", "2026-01-02", "C", 60)]))
    create_policy(POLICY)
    load(["2026-01-10,E1,1000,10000.00,0.00"])
    settle("2026-01")
    load(["2026-02-10,E1,1000,10000.00,0.00"])  # imported, its period still open
    summary = holder_summary(User.objects.get(username="rh"))
    assert [x["royalty"] for x in summary["licenses"]] == ["150.00"]  # q(500.00 × 0.30)
    assert summary["balance"] == "150.00"
    assert [r["royalty"] for r in summary["by_series"]] == ["150.00"]


@pytest.mark.parametrize(("seconds", "rate", "advance"), [
    ("60.005", "4500", "4500.38"),   # 4500.375 exactly: half up
    ("90", "5000", "7500.00"),
    ("61.111", "300", "305.56"),     # 305.555 exactly
])
def test_the_minimum_guarantee_rounds_once_and_half_up(seconds, rate, advance):
    assert mg_amount(Decimal(seconds), rate) == Decimal(advance)
    policy = json.loads(json.dumps(POLICY))
    policy["mg_per_minute"]["S"] = rate
    import_catalog(catalog([("E1", "2026-01-02", "S", seconds)], ip=False))
    create_policy(policy)
    settle("2026-01")
    assert LedgerEntry.objects.get(kind="mg_advance", episode__ref="E1").amount == Decimal(advance)


def test_a_statement_line_shows_its_parts_exactly_so_they_round_to_its_base(client):
    policy = json.loads(json.dumps(POLICY))
    policy["ad_coefficients"]["exclusive"] = "1.5"
    import_catalog(catalog([("E1", "2026-01-02", "C", 60)], ip=False))
    create_policy(policy)
    load(["2026-01-10,E1,1,0.10,0.01", "2026-01-11,E1,1,100.00,3.00"])
    settle("2026-01")
    lines = statement("2026-01", studio=Studio.objects.get(slug="sun"))["lines"]
    # 0.10 × 0.0005 × 50 × 2 = 0.005 and 0.01 × 1.5 = 0.015: base q(0.020) = 0.02.
    assert [(x["minute_part"], x["ad_part"], x["base"]) for x in lines] == [
        ("0.005", "0.015", "0.02"), ("5.00", "4.50", "9.50")]
    for x in lines:
        total = (Decimal(x["minute_part"]) + Decimal(x["ad_part"])).quantize(Decimal("0.01"))
        assert total == Decimal(x["base"])
    from django.urls import reverse

    from tests.conftest import make_user

    client.force_login(make_user("fin", is_finance=True))
    page = client.get(reverse("revenue:statement", args=["studio", "sun", "2026-01"]))
    body = page.content.decode()
    assert "¥0.005" in body and "¥0.015" in body and "¥5.00" in body


def test_blank_lines_at_the_end_are_nothing_but_in_the_middle_are_refused():
    import_catalog(catalog([("E1", "2026-01-02", "C", 60)], ip=False))
    create_policy(POLICY)
    header = b"date,episode_ref,valid_views,valid_minutes,ad_revenue\r\n"
    batch = load(None, data=header + b"2026-01-10,E1,1,1.00,1.00\r\n\r\n,,,,\r\n")
    assert batch.rows == 1
    with pytest.raises(RevenueError) as refused:
        load(None, platform="douyin",
             data=header + b"2026-01-10,E1,1,1.00,1.00\r\n\r\n2026-01-11,E1,1,1.00,1.00\r\n")
    assert "row 3: blank line" in str(refused.value)
    assert RevenueLine.objects.count() == 1
