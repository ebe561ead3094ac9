"""Ledger sums are exact to the fen on every database (SQLite adds decimals as doubles)."""

import datetime
from decimal import Decimal

import pytest

from dashboard.queries import summary
from revenue.queries import statement, trial_balance
from revenue.services import balance, create_policy, settle, studio_account
from tests.dashboard.conftest import credit
from tests.revenue.conftest import POLICY

pytestmark = pytest.mark.django_db

# Each fits a ledger amount; their sum needs 16 significant digits, one more than a double
# read back by Django's SQLite backend keeps.
AMOUNTS = ["9999999999999.99", "0.01", "0.01", "0.01"]
EXACT = Decimal("10000000000000.02")


@pytest.fixture
def earned(studio):
    for amount in AMOUNTS:
        credit(studio, amount, datetime.date(2026, 2, 10))
    return studio


def test_a_balance_is_the_exact_sum_of_its_entries(earned):
    assert balance(studio_account(earned)) == EXACT


def test_the_statement_totals_are_exact(earned):
    create_policy(POLICY)
    settle("2026-01")
    settle("2026-02")
    settle("2026-03")
    assert statement("2026-02", studio=earned)["totals"]["earned_share"] == str(EXACT)
    assert statement("2026-03", studio=earned)["totals"]["opening_balance"] == str(EXACT)


def test_the_trial_balance_and_the_dashboard_balance_are_exact(earned):
    rows = {r["account"].kind: r["balance"] for r in trial_balance()}
    assert rows["studio"] == EXACT and rows["platform_revenue"] == -EXACT
    assert summary(earned)["balance"] == str(EXACT)
