"""The review queue read in Chinese: the flag filter, a row's flags and its waiting time
are in words, not check codes and English units."""

import datetime

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from review import services
from review.models import ReviewItem
from tests.conftest import logged_in
from tests.review.conftest import add_episode


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


@pytest.fixture
def zh_reviewer(client, reviewer):
    return logged_in(client, reviewer, "zh-hans")


def queue_with(series, age: datetime.timedelta, flags: str = "") -> ReviewItem:
    item = services.enqueue(add_episode(series, 1))
    ReviewItem.objects.filter(pk=item.pk).update(submitted_at=timezone.now() - age,
                                                 flags=flags)
    return item


def test_the_flag_filter_offers_each_check_by_its_chinese_name(zh_reviewer, series):
    body = zh_reviewer.get(reverse("review:index")).content.decode()

    assert '<option value="duplicate">疑似重复</option>' in body
    assert '<option value="license">授权</option>' in body
    assert '<option value="labels">AI 标识</option>' in body
    assert '<option value="hook">开场钩子</option>' in body


def test_a_rows_flags_are_in_chinese(zh_reviewer, series):
    queue_with(series, datetime.timedelta(minutes=5), flags=",aspect,duplicate,")

    body = zh_reviewer.get(reverse("review:index")).content.decode()

    assert '<span class="badge warn" data-flag="aspect">画面比例</span>' in body
    assert '<span class="badge warn" data-flag="duplicate">疑似重复</span>' in body


@pytest.mark.parametrize("age, shown", [
    (datetime.timedelta(minutes=7, seconds=5), "7 分钟"),
    (datetime.timedelta(hours=5, minutes=10), "5 小时"),
    (datetime.timedelta(days=3, hours=2, minutes=1), "3 天 2 小时"),
])
def test_the_waiting_time_is_in_chinese_units(zh_reviewer, series, age, shown):
    queue_with(series, age)

    body = zh_reviewer.get(reverse("review:index")).content.decode()

    assert f'">{shown}</span></td>' in body


def test_the_item_page_names_each_check_in_chinese(zh_reviewer, series):
    item = queue_with(series, datetime.timedelta(minutes=1))
    ReviewItem.objects.filter(pk=item.pk).update(checks=[
        {"code": "duplicate", "level": "warn", "message": "m"},
        {"code": "codec", "level": "ok", "message": "h264"}])

    body = zh_reviewer.get(reverse("review:item", args=[item.pk])).content.decode()

    assert '<span class="badge warn">疑似重复</span>' in body
    assert '<span class="badge ok">编码</span>' in body
