"""Runs go in order and leave no month out, and what a run used stays as it was: a month
with no lines between two runs still gets its statement (its payouts on it), a policy a
run used in any way is never edited, and the ledger refuses a bulk update on every
database."""

import datetime
import io
from decimal import Decimal

import pytest
from django.db import DatabaseError, transaction

from creators.catalog import import_catalog
from creators.models import Studio
from revenue.models import LedgerEntry, LedgerTransaction, PolicyVersion, SettlementRun
from revenue.queries import statement
from revenue.services import RevenueError, create_policy, import_revenue, post_payout, settle
from tests.revenue.conftest import POLICY, catalog, csv_bytes


def load(rows):
    return import_revenue(io.BytesIO(csv_bytes(rows)), "hongguo")


def totals(period):
    return statement(period, studio=Studio.objects.get(slug="sun"))["totals"]


@pytest.fixture
def one_episode(db):
    import_catalog(catalog([("E1", "2026-01-02", "C", 60)]))
    create_policy(POLICY)


def test_a_month_without_lines_between_two_runs_gets_its_statement(one_episode):
    load(["2026-01-10,E1,1,10000.00,0.00"])
    settle("2026-01")
    january = totals("2026-01")
    post_payout(Studio.objects.get(slug="sun"), Decimal("100.00"), datetime.date(2026, 2, 3))
    load(["2026-04-10,E1,1,10000.00,0.00"])  # nothing in February or March

    run, created = settle("2026-04")
    assert created and run.period == "2026-04"
    assert set(SettlementRun.objects.values_list("period", flat=True)) == {
        "2026-01", "2026-02", "2026-03", "2026-04"}
    february, march, april = totals("2026-02"), totals("2026-03"), totals("2026-04")
    # Every statement opens at the previous one's close, and the payout is on February's.
    assert february["opening_balance"] == january["closing_balance"] == "350.00"
    assert (february["payouts"], february["closing_balance"]) == ("100.00", "250.00")
    assert march["opening_balance"] == march["closing_balance"] == "250.00"
    assert march["earned_share"] == "0.00"
    assert april["opening_balance"] == "250.00"
    assert april["closing_balance"] == "600.00"  # + the 350.00 share of April's line


def test_a_period_before_a_settled_one_is_refused_not_settled_out_of_order(one_episode):
    load(["2026-03-10,E1,1,10000.00,0.00"])
    settle("2026-03")  # the first run: nothing is before it
    with pytest.raises(RevenueError, match="comes before 2026-03"):
        settle("2026-02")
    assert list(SettlementRun.objects.values_list("period", flat=True)) == ["2026-03"]
    # A line dated in February arriving now is a late line of the next run.
    load(["2026-02-20,E1,1,10000.00,0.00"])
    run, _ = settle("2026-04")
    assert run.lines == 1 and statement("2026-04", studio=Studio.objects.get(
        slug="sun"))["lines"][0]["late"] is True


def test_the_end_of_period_policy_of_a_run_is_never_edited(one_episode):
    create_policy({**POLICY, "name": "End", "valid_from": "2026-01-31",
                   "continuous_creation": {"min_episodes": 1, "uplift": "0.10"}})
    load(["2026-01-10,E1,1,10000.00,0.00"])  # priced by the first policy
    run, _ = settle("2026-01")
    end = PolicyVersion.objects.get(name="End")
    assert run.policy_id == end.pk
    end.data["continuous_creation"]["uplift"] = "0.50"
    with pytest.raises(ValueError, match="never edited"):
        end.save()
    with pytest.raises(ValueError, match="never deleted"):
        end.delete()


def test_the_policy_that_priced_a_minimum_guarantee_is_never_edited(db):
    import_catalog(catalog([("E1", "2026-01-02", "S", 60)], ip=False))
    create_policy(POLICY)  # from 2026-01-01: prices E1's guarantee
    create_policy({**POLICY, "name": "Feb", "valid_from": "2026-02-01"})
    settle("2026-01")  # no lines at all, only the advance
    assert LedgerEntry.objects.filter(kind="mg_advance").exists()
    launch, february = (PolicyVersion.objects.get(name=n) for n in ("Launch", "Feb"))
    launch.data["mg_per_minute"]["S"] = "1"
    with pytest.raises(ValueError, match="never edited"):
        launch.save()
    # February's version priced nothing, and was no run's end policy: it may still change.
    february.name = "February"
    february.save()


def test_the_ledger_refuses_a_bulk_update_on_every_database(one_episode):
    load(["2026-01-10,E1,1,10000.00,0.00"])
    settle("2026-01")
    with pytest.raises(DatabaseError), transaction.atomic():
        LedgerEntry.objects.filter(kind="share").update(amount=Decimal("1.00"))
    with pytest.raises(DatabaseError), transaction.atomic():
        LedgerTransaction.objects.update(memo="rewritten")
    assert str(LedgerEntry.objects.get(kind="share").amount) == "350.00"
