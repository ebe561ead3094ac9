"""Fixtures of the dashboard tests: a studio with money on its ledger account."""

import datetime
from decimal import Decimal

import pytest

from revenue.services import platform_account, post, studio_account


def credit(studio, amount, day=datetime.date(2026, 2, 28)):
    """Money earned by a studio, posted as a balanced ledger transaction."""
    amount = Decimal(amount)
    post(day.strftime("%Y-%m"), day, "test earnings", [
        {"account": studio_account(studio), "kind": "share", "amount": amount},
        {"account": platform_account("platform_revenue"), "kind": "platform",
         "amount": -amount},
    ])


@pytest.fixture
def funded(studio):
    credit(studio, "1000.00")
    return studio
