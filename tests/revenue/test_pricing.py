"""Every settled line keeps its policy, coefficients and parts, and its parts are what the
DOMAIN.md formula gives (on PostgreSQL the lines are priced by set-based SQL, so this
checks the SQL against the Decimal formula, half-cent roundings included)."""

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
