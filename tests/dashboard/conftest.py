"""Fixtures of the dashboard tests: a studio with money on its ledger account."""

import datetime
from decimal import Decimal

import pytest

from dashboard.services import PayoutError, request_payout
from revenue.services import platform_account, post, studio_account
from tests.conftest import at_once


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


def racing_requests(payee, requests, amount: str) -> list:
    """Sends every (user, key) payout request for `amount` to `payee` at the same moment,
    one thread each; returns the outcomes: True for a new request, "refused" for one the
    balance could not cover."""
    results = at_once(*[lambda user=user, key=key: request_payout(payee, user, amount, key)[1]
                        for user, key in requests], expected=(PayoutError,))
    return ["refused" if isinstance(r, PayoutError) else r for r in results]
