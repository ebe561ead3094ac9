"""A period is settled once it is over: a run for this month or a later one would close
days still to come, and a payout dated on them would then be refused."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from creators.models import Studio
from revenue.models import SettlementRun
from revenue.services import RevenueError, period_of, post_payout, settle
from tests.conftest import make_user


def this_month() -> str:
    return period_of(timezone.localdate())


def next_year() -> str:
    today = timezone.localdate()
    return period_of(today.replace(day=1, year=today.year + 1))


def last_month() -> str:
    return period_of(timezone.localdate().replace(day=1) - datetime.timedelta(days=1))


@pytest.mark.parametrize("period", [this_month, next_year])
def test_it_refuses_a_period_not_over_yet(example, period):
    with override("en"), pytest.raises(RevenueError, match="is not over yet"):
        settle(period())
    assert not SettlementRun.objects.exists()
    run, created = settle(last_month())  # over: settled, and a payout today goes through
    assert created and run.period == last_month()
    post_payout(Studio.objects.get(slug="moonlight"), Decimal("1.00"), timezone.localdate())


def test_the_finance_form_shows_why_in_chinese(client, example):
    client.force_login(make_user("fin", is_finance=True))
    page = client.post(reverse("revenue:runs"), {"period": next_year()},
                       HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 400
    assert "尚未结束" in page.content.decode()
    assert not SettlementRun.objects.exists()


def test_a_period_without_a_policy_is_refused_in_the_readers_language(client, db):
    client.force_login(make_user("fin", is_finance=True))
    page = client.post(reverse("revenue:runs"), {"period": last_month()},
                       HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 400 and "没有生效的政策" in page.content.decode()
    with override("en"), pytest.raises(RevenueError, match="no policy effective on"):
        settle(last_month())
