"""Every settled line keeps its policy, coefficients and parts, and its parts are what the
DOMAIN.md formula gives, half-cent roundings included. Lines are priced at import and
filed under their period's open run; settlement prices again only what went stale."""

import copy
import io
from decimal import Decimal

from creators.catalog import import_catalog
from revenue.models import RevenueLine
from revenue.services import compute_line, create_policy, import_revenue, settle
from tests.revenue.conftest import POLICY, catalog, csv_bytes


def test_settled_parts_match_the_formula_across_a_policy_change_and_roundings(db):
    import_catalog(catalog([("E1", "2026-01-01", "C", 60), ("E2", "2026-01-01", "C", 60)],
                           share="0.33"))
    create_policy(POLICY)
    later = copy.deepcopy(POLICY)
    later.update(name="Mid-month", valid_from="2026-01-16", minute_price="0.00037")
    later["ad_coefficients"]["exclusive"] = "1.75"
    create_policy(later)
    minutes = ["0.01", "0.05", "1.11", "12.35", "99.99", "1234.57", "0.00"]
    ads = ["0.00", "0.01", "0.03", "2.45", "17.77", "0.05"]
    rows = []
    for day in range(1, 32):
        for i, ep in enumerate(("E1", "E2")):
            rows.append(f"2026-01-{day:02d},{ep},{day * 10 + i},"
                        f"{minutes[(day + i) % len(minutes)]},{ads[(day * 3 + i) % len(ads)]}")
    import_revenue(io.BytesIO(csv_bytes(rows)), "hongguo")
    settle("2026-01")
    lines = list(RevenueLine.objects.select_related("policy"))
    assert len(lines) == 62
    assert {x.policy.name for x in lines if x.date.day < 16} == {"Launch"}
    assert {x.policy.name for x in lines if x.date.day >= 16} == {"Mid-month"}
    for x in lines:
        assert x.coefficients["minute_price"] == x.policy.data["minute_price"]
        expect = compute_line(x.valid_minutes, x.ad_revenue, x.coefficients, Decimal("0.33"))
        assert x.minute_part == expect["minute_part"].quantize(Decimal("1e-10")), x
        assert x.ad_part == expect["ad_part"].quantize(Decimal("1e-10")), x
        for key in ("base", "royalty", "studio_share"):
            assert getattr(x, key) == expect[key], (x, key)
        assert x.base == x.royalty + x.studio_share and not x.late


def _priced(line):
    return (line.policy.name, line.pricing, line.base, line.royalty, line.studio_share)


def test_import_prices_lines_and_files_them_under_the_open_run_of_their_period(db):
    from revenue.models import SettlementRun

    import_catalog(catalog([("E1", "2026-01-01", "C", 60)], share="0.30"))
    create_policy(POLICY)
    import_revenue(io.BytesIO(csv_bytes(["2026-01-31,E1,5,100.00,1.00",
                                         "2026-02-01,E1,5,100.00,1.00"])), "hongguo")
    jan, feb = RevenueLine.objects.order_by("date")
    assert (jan.settled_in.period, feb.settled_in.period) == ("2026-01", "2026-02")
    assert jan.settled_in.open and feb.settled_in.open
    # Open runs are no settlement: statements, pages and checks see closed runs only.
    assert not SettlementRun.objects.exists()
    assert RevenueLine.objects.unsettled().count() == 2
    assert not RevenueLine.objects.settled().exists()
    # Priced already, by the formula (premium_2d 50 × exclusive 2 × 0.0005 × 100 + 2 × 1).
    assert (jan.policy.name, jan.base, jan.royalty, jan.studio_share) == (
        "Launch", Decimal("7.00"), Decimal("2.10"), Decimal("4.90"))
    run, created = settle("2026-01")
    assert created and not run.open and run.pk == jan.settled_in_id and run.lines == 1
    assert list(RevenueLine.objects.settled()) == [jan]


def test_settlement_reprices_lines_whose_import_time_price_went_stale(db):
    """A policy version made after the import (inside the still open period), a series
    whose category changed and a license share renegotiated: settlement prices those lines
    again, and only those, with what holds when the period closes."""
    from creators.models import Series
    from library.models import License

    import_catalog(catalog([("E1", "2026-01-01", "C", 60)], share="0.30"))
    create_policy(POLICY)
    rows = [f"2026-01-{d:02d},E1,{d},{d}0.05,0.0{d % 10}" for d in range(1, 32)]
    import_revenue(io.BytesIO(csv_bytes(rows)), "hongguo")
    before = {x.date.day: _priced(x) for x in RevenueLine.objects.select_related("policy")}
    assert {v[0] for v in before.values()} == {"Launch"}

    later = copy.deepcopy(POLICY)
    later.update(name="Mid-month", valid_from="2026-01-20", minute_price="0.00041")
    create_policy(later)
    Series.objects.update(category="premium_3d")
    License.objects.update(licensor_share=Decimal("0.25"))
    settle("2026-01")

    lines = list(RevenueLine.objects.select_related("policy"))
    assert len(lines) == 31
    for x in lines:
        assert x.policy.name == ("Mid-month" if x.date.day >= 20 else "Launch")
        assert x.coefficients["category"] == "premium_3d"
        assert Decimal(x.coefficients["licensor_share"]) == Decimal("0.25")
        expect = compute_line(x.valid_minutes, x.ad_revenue, x.coefficients, Decimal("0.25"))
        for key in ("base", "royalty", "studio_share"):
            assert getattr(x, key) == expect[key], (x, key)
        assert _priced(x) != before[x.date.day]
    # The ledger shares are the sum of the repriced lines, not of the import-time prices.
    from revenue.models import LedgerEntry
    share = LedgerEntry.objects.get(kind="share").amount
    assert share == sum(x.studio_share for x in lines)


def test_a_line_for_a_closed_period_waits_without_a_run_and_is_settled_late(db):
    import_catalog(catalog([("E1", "2026-01-01", "C", 60)], share="0.30"))
    create_policy(POLICY)
    import_revenue(io.BytesIO(csv_bytes(["2026-01-10,E1,5,100.00,1.00"])), "hongguo")
    settle("2026-01")
    import_revenue(io.BytesIO(csv_bytes(["2026-01-11,E1,5,100.00,1.00",
                                         "2026-02-11,E1,5,100.00,1.00"])), "hongguo")
    late = RevenueLine.objects.get(date="2026-01-11")
    assert late.settled_in is None and late.pricing  # priced, waiting for the next run
    run, _ = settle("2026-02")
    late.refresh_from_db()
    assert late.settled_in == run and late.late
    assert not RevenueLine.objects.get(date="2026-02-11").late
    assert run.lines == 2
