"""Fixtures of the dashboard tests: a studio with money on its ledger account."""

import datetime
import threading
from decimal import Decimal

import pytest

from dashboard.services import PayoutError, request_payout
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


def racing_requests(payee, requests, amount: str) -> list:
    """Sends every (user, key) payout request for `amount` to `payee` at the same moment,
    one thread each; returns the outcomes: True for a new request, "refused" for one the
    balance could not cover."""
    barrier = threading.Barrier(len(requests))
    outcomes = []

    def go(user, key):
        from django.db import connections
        try:
            barrier.wait()
            try:
                outcomes.append(request_payout(payee, user, amount, key)[1])
            except PayoutError:
                outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=go, args=request) for request in requests]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes
