"""bench/common.py: what the Django benches share still fits the code they measure."""

from decimal import Decimal

from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import get_messages, info
from django.test import RequestFactory

from bench.common import bench_policy, page_request, percentile


def test_percentile_is_nearest_rank():
    values = [5, 1, 4, 2, 3]
    assert percentile(values, 0) == 1
    assert percentile(values, 50) == 3
    assert percentile(values, 100) == 5
    assert percentile(list(range(1, 101)), 95) == 95
    assert percentile([7], 95) == 7


def test_page_request_carries_what_a_view_called_directly_needs():
    request = page_request(RequestFactory(), "/library/", AnonymousUser(), {"q": "修仙"})
    assert request.GET["q"] == "修仙"
    assert not request.user.is_authenticated
    info(request, "saved")  # a view's messages.* call must not raise without middleware
    assert [str(m) for m in get_messages(request)] == ["saved"]


def test_bench_policy_is_one_the_revenue_service_accepts(db):
    from revenue.services import create_policy

    policy = create_policy(bench_policy("2025-01-01"))
    assert str(policy.valid_from) == "2025-01-01"
    assert Decimal(policy.data["minute_price"]) == Decimal("0.0005")
