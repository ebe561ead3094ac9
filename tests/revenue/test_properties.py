"""Properties over random catalogs, policies and revenue, through import and settlement:
every ledger transaction balances, every statement reconciles, settling twice changes
nothing, and what the payees are owed is exactly what the platform's accounts gave."""

import copy
import datetime
import io
from decimal import Decimal

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from creators.catalog import import_catalog
from creators.models import Studio, User
from revenue.models import LedgerEntry, LedgerTransaction
from revenue.queries import statement
from revenue.services import create_policy, import_revenue, money_sum, post_payout, settle
from tests.revenue.conftest import POLICY, catalog, csv_bytes

dec = st.decimals(min_value=0, max_value=50, places=2, allow_nan=False, allow_infinity=False)
money = st.decimals(min_value=0, max_value=10**5, places=2, allow_nan=False,
                    allow_infinity=False)
episode = st.tuples(st.integers(1, 40), st.sampled_from("SABC"), st.integers(30, 600))
line = st.tuples(st.integers(0, 2), st.integers(0, 58), st.integers(0, 3_000_000), money,
                 money)


def _sum(qs) -> Decimal:
    return money_sum(qs)


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(episodes=st.lists(episode, min_size=1, max_size=3), share=st.sampled_from(
    ["0.00", "0.25", "0.333", "1.00"]), license_mg=st.sampled_from(["0.00", "10.00", "5000.00"]),
    ip=st.booleans(), category=dec, uplift=st.sampled_from(["0.00", "0.10", "0.155"]),
    lines=st.lists(line, max_size=12), payout=st.sampled_from([None, "1.00", "50.00"]))
def test_the_ledger_balances_and_statements_reconcile(db, episodes, share, license_mg, ip,
                                                        category, uplift, lines, payout):
    with transaction.atomic():
        eps = [(f"E{i}", f"2026-01-{day:02d}" if day <= 31 else f"2026-02-{day - 31:02d}",
                grade, secs) for i, (day, grade, secs) in enumerate(episodes)]
        import_catalog(catalog(eps, license_mg=license_mg, share=share, ip=ip))
        policy = copy.deepcopy(POLICY)
        policy["category_coefficients"]["premium_2d"] = str(category)
        policy["continuous_creation"] = {"min_episodes": 2, "uplift": uplift}
        create_policy(policy)
        rows, seen = [], set()
        for idx, day, views, minutes, ad in lines:
            ref = f"E{idx % len(eps)}"
            date = f"2026-01-{day + 1:02d}" if day < 31 else f"2026-02-{day - 30:02d}"
            if (ref, date) in seen or date < eps[idx % len(eps)][1]:
                continue
            seen.add((ref, date))
            rows.append(f"{date},{ref},{views},{minutes},{ad}")
        if rows:
            import_revenue(io.BytesIO(csv_bytes(rows)), "hongguo")
        settle("2026-01")
        if payout:
            post_payout(Studio.objects.get(slug="sun"), Decimal(payout), datetime.date(2026, 2, 3))
        settle("2026-02")

        for tx in LedgerTransaction.objects.all():
            assert _sum(tx.entries.all()) == 0
        payees = LedgerEntry.objects.exclude(account__kind__startswith="platform")
        platform = LedgerEntry.objects.filter(account__kind__startswith="platform")
        assert _sum(payees) == -_sum(platform)
        for period in ("2026-01", "2026-02"):
            for who in ({"studio": Studio.objects.get(slug="sun")},
                        {"licensor": User.objects.get(username="rh")}):
                t = {k: Decimal(v) for k, v in statement(period, **who)["totals"].items()}
                assert t["closing_balance"] == (
                    t["opening_balance"] + t["earned_share"] + t["incentives"]
                    + t["mg_advanced"] - t["mg_recouped"] - t["payouts"])
                assert t["earned_share"] >= 0 and t["mg_recouped"] <= t["earned_share"]
        # Never more recouped than was advanced, per payee account.
        for account_id in payees.values_list("account_id", flat=True).distinct():
            mine = payees.filter(account_id=account_id)
            assert -_sum(mine.filter(kind="mg_recoup")) <= _sum(mine.filter(kind="mg_advance"))
        sun = statement("2026-02", studio=Studio.objects.get(slug="sun"))["totals"]
        assert Decimal(sun["closing_balance"]) == _sum(payees.filter(account__studio__slug="sun"))
        before = LedgerEntry.objects.count()
        settle("2026-01")
        settle("2026-02")
        assert LedgerEntry.objects.count() == before
        transaction.set_rollback(True)
