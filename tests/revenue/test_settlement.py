"""Settlement scenarios: late lines, partial recoupment, uplift threshold, hit-bonus tiers,
policy change inside a month, the ledger guards, payouts, concurrent runs."""

import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from creators.catalog import import_catalog
from creators.models import Studio, User
from revenue.models import LedgerEntry, LedgerTransaction, PolicyVersion, SettlementRun
from revenue.queries import statement
from revenue.services import (
    RevenueError,
    compute_line,
    create_policy,
    hit_bonus,
    import_revenue,
    post_payout,
    q,
    settle,
)
from tests.conftest import at_once
from tests.revenue.conftest import POLICY, catalog, csv_bytes


def load(rows, platform="hongguo"):
    return import_revenue(io.BytesIO(csv_bytes(rows)), platform)


def totals(period, studio="sun"):
    return statement(period, studio=Studio.objects.get(slug=studio))["totals"]


def rh_totals(period):
    return statement(period, licensor=User.objects.get(username="rh"))["totals"]


@pytest.fixture
def one_episode(db):
    # C grade: no episode MG; license MG 1000 to recoup from royalties.
    import_catalog(catalog([("E1", "2026-01-02", "C", 60)], license_mg="1000.00"))
    create_policy(POLICY)


def test_license_mg_is_recouped_partially_over_several_months(one_episode):
    # base per line: 10000 min × 0.0005 × 50 × 2 = 500.00, royalty 150.00
    load(["2026-01-10,E1,1,10000.00,0.00"])
    settle("2026-01")
    assert rh_totals("2026-01") == {
        "opening_balance": "0.00", "earned_share": "150.00", "incentives": "0.00",
        "mg_advanced": "1000.00", "mg_recouped": "150.00", "payouts": "0.00",
        "closing_balance": "1000.00"}
    load(["2026-02-10,E1,1,40000.00,0.00"])  # royalty 600
    settle("2026-02")
    assert rh_totals("2026-02")["mg_recouped"] == "600.00"
    assert rh_totals("2026-02")["closing_balance"] == "1000.00"
    load(["2026-03-10,E1,1,40000.00,0.00"])  # royalty 600, only 250 outstanding
    settle("2026-03")
    t = rh_totals("2026-03")
    assert (t["opening_balance"], t["mg_recouped"], t["closing_balance"]) == (
        "1000.00", "250.00", "1350.00")
    load(["2026-04-10,E1,1,40000.00,0.00"])
    settle("2026-04")
    assert rh_totals("2026-04")["mg_recouped"] == "0.00"


def test_late_lines_are_settled_next_run_without_incentives(one_episode):
    load(["2026-01-10,E1,1000,10000.00,0.00"])
    settle("2026-01")
    # 2,000,000 late views in January would earn a hit bonus if they were on time.
    load(["2026-01-20,E1,2000000,10000.00,0.00", "2026-02-03,E1,10,0.00,1.00"])
    settle("2026-02")
    st_ = statement("2026-02", studio=Studio.objects.get(slug="sun"))
    assert [x["late"] for x in st_["lines"]] == [True, False]
    assert st_["totals"]["earned_share"] == "351.40"  # 350.00 + (2.00 − 0.60)
    assert st_["totals"]["incentives"] == "0.00"


def test_earlier_periods_with_lines_must_be_settled_first(one_episode):
    load(["2026-01-10,E1,1,1.00,0.00", "2026-02-10,E1,1,1.00,0.00"])
    with pytest.raises(RevenueError, match="settle 2026-01 first"):
        settle("2026-02")
    assert SettlementRun.objects.count() == 0


@pytest.mark.parametrize("published, uplift", [(2, "0.00"), (3, "30.00")])
def test_uplift_needs_the_minimum_of_episodes_published_in_the_period(db, published, uplift):
    eps = [(f"E{i}", f"2026-01-0{i + 1}", "C", 60) for i in range(published)]
    import_catalog(catalog(eps, ip=False))
    create_policy(POLICY)
    load(["2026-01-10,E0,1,6000.00,0.00"])  # 300.00 share, original series
    settle("2026-01")
    t = totals("2026-01")
    assert (t["earned_share"], t["incentives"]) == ("300.00", uplift)


@pytest.mark.parametrize("views, bonus", [
    (999999, "0.00"), (1000000, "3000.00"), (4999999, "3000.00"), (5000000, "20000.00")])
def test_the_hit_bonus_is_the_highest_tier_reached(db, views, bonus):
    import_catalog(catalog([("E1", "2026-01-02", "C", 60)], ip=False))
    create_policy(POLICY)
    half = views // 2
    load([f"2026-01-10,E1,{half},0.00,0.00", f"2026-01-11,E1,{views - half},0.00,0.00"])
    settle("2026-01")
    assert totals("2026-01")["incentives"] == bonus


def test_episode_mg_is_advanced_once_and_recouped_from_the_series_share(db):
    import_catalog(catalog([("E1", "2026-01-02", "S", 90)], ip=False))  # 1.5 × 5000
    create_policy(POLICY)
    settle("2026-01")
    assert totals("2026-01")["mg_advanced"] == "7500.00"
    load(["2026-02-10,E1,1,100000.00,0.00"])  # share 5000.00
    settle("2026-02")
    t = totals("2026-02")
    assert (t["mg_advanced"], t["mg_recouped"], t["closing_balance"]) == (
        "0.00", "5000.00", "7500.00")


def test_a_run_posts_compound_transactions_whose_payee_legs_name_what_they_are_for(db):
    import_catalog(catalog([("E1", "2026-01-02", "S", 90), ("E2", "2026-01-03", "A", 60),
                            ("E3", "2026-01-04", "C", 60)], license_mg="1000.00"))
    create_policy(POLICY)
    load(["2026-01-10,E1,1,10000.00,3.33", "2026-01-11,E2,2000000,20000.00,1.00"])
    run, _ = settle("2026-01")
    txs = list(LedgerTransaction.objects.filter(run=run).prefetch_related("entries__account"))
    payee_kinds = []
    for tx in txs:
        platform = [e for e in tx.entries.all() if e.kind == "platform"]
        payees = [e for e in tx.entries.all() if e.kind != "platform"]
        assert len(platform) == 1 and platform[0].account.kind.startswith("platform")
        assert platform[0].amount == -sum(e.amount for e in payees) != 0
        assert len({e.kind for e in payees}) == 1
        payee_kinds.append(payees[0].kind)
    # shares, royalties, uplift (3 episodes published), hit bonus, episode MGs, license MG,
    # and the recoupments of both: one transaction each.
    assert sorted(payee_kinds) == sorted(["share", "royalty", "uplift", "hit_bonus",
                                          "mg_advance", "mg_advance", "mg_recoup",
                                          "mg_recoup"])
    advanced = LedgerEntry.objects.filter(kind="mg_advance", episode__isnull=False)
    assert sorted((e.episode.ref, e.series.slug, e.amount) for e in advanced) == [
        ("E1", "tale", Decimal("7500.00")), ("E2", "tale", Decimal("2000.00"))]  # C: none
    assert LedgerEntry.objects.get(kind="mg_advance", license__isnull=False).amount == 1000
    assert LedgerEntry.objects.get(kind="share").series.slug == "tale"


def test_a_policy_change_inside_a_month_applies_by_line_date(one_episode):
    create_policy({**POLICY, "name": "Cut", "valid_from": "2026-01-15",
                   "category_coefficients": {**POLICY["category_coefficients"],
                                             "premium_2d": "25"}})
    load(["2026-01-14,E1,1,10000.00,0.00", "2026-01-15,E1,1,10000.00,0.00"])
    settle("2026-01")
    lines = statement("2026-01", studio=Studio.objects.get(slug="sun"))["lines"]
    assert [(x["policy_version"]["name"], x["base"]) for x in lines] == [
        ("Launch", "500.00"), ("Cut", "250.00")]
    with pytest.raises(ValueError):
        PolicyVersion.objects.get(name="Cut").save()
    with pytest.raises(RevenueError, match="closed period"):
        create_policy({**POLICY, "valid_from": "2026-01-31"})


def test_payouts_in_the_period_are_subtracted_by_the_statement(one_episode):
    load(["2026-01-10,E1,1,10000.00,0.00"])
    settle("2026-01")
    post_payout(Studio.objects.get(slug="sun"), Decimal("100.00"),
                datetime.date(2026, 2, 3))
    settle("2026-02")
    t = totals("2026-02")
    assert (t["opening_balance"], t["payouts"], t["closing_balance"]) == (
        "350.00", "100.00", "250.00")


def test_every_transaction_balances_and_entries_are_never_edited(one_episode):
    load(["2026-01-10,E1,1,10000.00,3.33"])
    settle("2026-01")
    for tx in LedgerTransaction.objects.all():
        assert sum(e.amount for e in tx.entries.all()) == 0
    entry = LedgerEntry.objects.first()
    with pytest.raises(ValueError):
        entry.save()
    with pytest.raises(ValueError):
        entry.delete()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'",
                    reason="SQLite serialises writers; the PostgreSQL run covers this")
def test_concurrent_settlements_make_one_run_and_the_database_guards_the_ledger():
    import_catalog(catalog([("E1", "2026-01-02", "A", 60)], license_mg="100.00"))
    create_policy(POLICY)
    load(["2026-01-10,E1,1,10000.00,0.00"])
    results = at_once(lambda: settle("2026-01")[1], lambda: settle("2026-01")[1])
    assert sorted(results) == [False, True]
    assert SettlementRun.objects.count() == 1
    assert LedgerEntry.objects.filter(kind="mg_advance").count() == 2
    _assert_the_database_guards_the_ledger()


def _assert_the_database_guards_the_ledger():
    from django.db import DatabaseError, transaction
    with pytest.raises(DatabaseError), transaction.atomic():
        LedgerEntry.objects.filter(kind="share").update(amount=1)
    with pytest.raises(DatabaseError), transaction.atomic():
        e = LedgerEntry.objects.first()
        LedgerEntry.objects.create(transaction=e.transaction, account=e.account,
                                   kind="share", amount=Decimal("1.00"))
        connection.check_constraints()
        with connection.cursor() as cur:
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.mark.skipif("connection.vendor != 'postgresql'",
                    reason="the database's own balance check is PostgreSQL's")
def test_the_database_refuses_any_insert_that_leaves_a_transaction_unbalanced(one_episode):
    from django.db import DatabaseError, transaction
    load(["2026-01-10,E1,1,10000.00,3.33"])
    settle("2026-01")
    account = LedgerEntry.objects.filter(kind="share").first().account
    platform = LedgerEntry.objects.filter(kind="platform").first().account

    def insert(amounts):
        tx = LedgerTransaction.objects.create(period="2026-02", day="2026-02-01", memo="t")
        with connection.cursor() as cur:  # one statement, however many legs
            cur.execute(
                "INSERT INTO revenue_ledgerentry (transaction_id, account_id, kind, amount) "
                "VALUES " + ", ".join(["(%s, %s, %s, %s)"] * len(amounts)),
                [x for a in amounts
                 for x in (tx.pk, platform.pk if a < 0 else account.pk, "share", a)])
        return tx

    with pytest.raises(DatabaseError, match="does not balance"), transaction.atomic():
        insert([Decimal("5.00"), Decimal("-4.99")])
    with pytest.raises(DatabaseError, match="does not balance"), transaction.atomic():
        insert([Decimal("5.00")])  # the other leg would come in a second statement
    tx = insert([Decimal("5.00"), Decimal("2.00"), Decimal("-7.00")])  # a compound one
    assert sum(e.amount for e in tx.entries.all()) == 0


money = st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False)
coef = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False)


@settings(max_examples=30, deadline=None)
@given(minutes=money, ad=money, c=coef, share=st.decimals(min_value=0, max_value=1, places=4))
def test_royalty_plus_studio_share_is_the_base(minutes, ad, c, share):
    coeffs = {"minute_price": "0.0005", "category_coefficient": str(c),
              "copyright_coefficient": "2", "ad_coefficient": "1.00"}
    parts = compute_line(minutes, ad, coeffs, share)
    assert parts["royalty"] + parts["studio_share"] == parts["base"]
    assert parts["base"] == q(minutes * Decimal("0.0005") * c * 2 + ad)
    assert 0 <= parts["royalty"] <= parts["base"]


@settings(max_examples=30, deadline=None)
@given(views=st.integers(min_value=0, max_value=10**8))
def test_the_hit_bonus_never_decreases_with_views(views):
    tiers = POLICY["hit_bonus_tiers"]
    assert hit_bonus(tiers, views) <= hit_bonus(tiers, views + 1)
