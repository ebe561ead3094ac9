"""The dashboard's grouped figures (charts, drill-down groups, per-episode revenue, the
rights holder's royalties) are exact to the fen on every database, as the ledger's are:
SQLite adds decimal columns as doubles, and a total that needs 16 significant digits
came back a fen off (tests/revenue/test_exact_sums.py is the ledger's side of this)."""

import io
from decimal import Decimal

import pytest

from creators.catalog import import_catalog
from creators.models import Series, Studio, User
from dashboard.queries import chart_data, drill, holder_summary, series_detail
from revenue.models import RevenueLine
from revenue.services import create_policy, import_revenue, settle
from tests.revenue.conftest import POLICY, catalog, csv_bytes

pytestmark = pytest.mark.django_db

# Ad revenue of 2,499,999,999,999.99 makes a base of 4,999,999,999,999.98 under the
# exclusive ad coefficient (2), a royalty of 1,499,999,999,999.99 (the license's 30 %) and
# a studio share of 3,499,999,999,999.99. No period's amounts pass the largest amount the
# ledger keeps (revenue.services.MAX_MONEY), but seven such lines over four periods, three
# of 0.05 and the minutes make totals of 16 significant digits, one more than a double
# read back keeps.
BIG = "2499999999999.99"
ROWS = [
    f"2026-02-03,E1,10,0.00,{BIG}",
    f"2026-02-05,E2,10,0.00,{BIG}",
    f"2026-03-03,E1,10,0.00,{BIG}",
    "2026-03-03,E2,10,0.00,0.05",
    "2026-03-04,E1,10,0.00,0.05",
    "2026-03-04,E2,10,0.00,0.05",
    "2026-03-06,E2,10,9999999999999.99,0.00",
    "2026-03-06,E1,10,0.01,0.00",
    f"2026-04-10,E1,10,0.00,{BIG}",
    f"2026-04-11,E2,10,0.00,{BIG}",
    f"2026-05-10,E1,10,0.00,{BIG}",
    f"2026-05-11,E2,10,0.00,{BIG}",
]
PERIODS = ["2026-02", "2026-03", "2026-04", "2026-05"]


@pytest.fixture
def settled(db):
    import_catalog(catalog([("E1", "2026-01-02", "C", 60), ("E2", "2026-01-02", "C", 60)]))
    create_policy(POLICY)
    import_revenue(io.BytesIO(csv_bytes(ROWS)), "hongguo")
    for period in PERIODS:
        settle(period)
    return Studio.objects.get(slug="sun")


def exact(lines, field) -> Decimal:
    """The sum in Python of the values as stored, each read exactly."""
    return sum((getattr(x, field) for x in lines), Decimal(0))


def test_the_stored_lines_need_sixteen_digits(settled):
    lines = list(RevenueLine.objects.settled())
    assert exact(lines, "studio_share") == Decimal("24850000000000.14")
    assert exact(lines, "royalty") == Decimal("10650000000000.02")


def test_the_charts_are_exact(settled):
    lines = list(RevenueLine.objects.settled())
    data = chart_data(settled, 120)
    assert data["by_series"][0]["revenue"] == str(exact(lines, "studio_share"))
    for day in data["daily"]:
        of_day = [x for x in lines if x.date.isoformat() == day["date"]]
        assert day["revenue"] == str(exact(of_day, "studio_share"))
    assert sum(Decimal(d["revenue"]) for d in data["daily"]) == Decimal("24850000000000.14")
    parts = {p["part"]: p["amount"] for p in data["parts"]}
    for part, field in (("minute", "minute_part"), ("ad", "ad_part")):
        assert parts[part] == str(exact(lines, field).quantize(Decimal("0.01")))


def test_the_drill_down_groups_and_episode_revenue_are_exact(settled):
    lines = list(RevenueLine.objects.settled())
    for period in PERIODS:
        group = drill(settled, period)["groups"][0]
        of_period = [x for x in lines if x.date.isoformat().startswith(period)]
        assert group["share"] == exact(of_period, "studio_share")
        assert group["royalty"] == exact(of_period, "royalty")
    detail = series_detail(Series.objects.get(slug="tale"))
    assert detail["revenue"] == str(exact(lines, "studio_share"))
    per_episode = {row["episode"].number: row["revenue"] for row in detail["episodes"]}
    for number, ref in ((1, "E1"), (2, "E2")):
        assert per_episode[number] == str(exact([x for x in lines if x.episode_ref == ref],
                                                "studio_share"))


def test_the_rights_holder_royalties_are_exact(settled):
    lines = list(RevenueLine.objects.settled())
    royalty = exact(lines, "royalty")
    mine = holder_summary(User.objects.get(username="rh"))
    assert mine["licenses"][0]["royalty"] == str(royalty)
    assert mine["by_series"][0]["royalty"] == str(royalty)
