"""The automatic checks run in a worker, in the platform's default language (Chinese);
each reviewer reads their messages in their own language, not the worker's."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from library.models import License
from review import services
from review.models import ReviewItem
from tests.conftest import logged_in
from tests.review.conftest import add_episode, make_clip


@pytest.fixture
def failing_item(licensed_series):
    """An episode under an expired license, 16:9, mpeg4, generated without labels."""
    series, lic = licensed_series
    today = timezone.localdate()
    episode = add_episode(series, 1, make_clip(seed=5), width=1920, height=1080,
                          codec="mpeg4", source="generated")
    License.objects.filter(pk=lic.pk).update(starts_on=today - datetime.timedelta(days=60),
                                             ends_on=today - datetime.timedelta(days=1))
    lic.refresh_from_db()
    with translation.override("zh-hans"):  # the worker's language
        item = services.enqueue(episode, run_checks_now=True)
    return item, lic


def messages(client, item) -> dict[str, str]:
    """The review page's check list: code → the words after its badge."""
    body = client.get(reverse("review:item", args=[item.pk])).content.decode()
    out = {}
    for code in ("license", "aspect", "codec", "labels"):
        start = body.index(f'data-check="{code}"')
        line = body[start:body.index("</li>", start)]
        out[code] = line.rsplit("</span>", 1)[1].strip()
    return out


def test_an_english_reviewer_reads_checks_a_chinese_worker_ran_in_english(
        client, reviewer, failing_item):
    item, lic = failing_item
    stored = {c["code"]: c["message"] for c in item.checks}
    assert stored["codec"] == "不接受编码格式 mpeg4。"  # what the worker wrote

    shown = messages(logged_in(client, reviewer, "en"), item)

    today = timezone.localdate().isoformat()
    assert shown["license"] == (f"The license runs from {lic.starts_on} to {lic.ends_on} "
                                f"and does not cover {today}.")
    assert shown["aspect"] == "1920×1080 is not 9:16."
    assert shown["codec"] == "Codec mpeg4 is not accepted."
    assert shown["labels"] == "AI content without its visible label, implicit label."


def test_a_chinese_reviewer_reads_them_in_chinese(client, reviewer, failing_item):
    item, lic = failing_item

    shown = messages(logged_in(client, reviewer, "zh-hans"), item)

    today = timezone.localdate().isoformat()
    assert shown["license"] == f"该授权期为 {lic.starts_on} 至 {lic.ends_on}，不包含 {today}。"
    assert shown["aspect"] == "1920×1080 不是 9:16 竖屏。"
    assert shown["labels"] == "AI 内容缺少显式标识、隐式标识。"


def test_a_check_stored_before_message_i18n_shows_as_it_was_written(client, reviewer,
                                                                     failing_item):
    item, _lic = failing_item
    ReviewItem.objects.filter(pk=item.pk).update(checks=[
        {"code": "license", "level": "bad", "message": "旧的授权消息"},
        {"code": "aspect", "level": "ok", "message": "720×1280, 9:16."},
        {"code": "codec", "level": "ok", "message": "h264"},
        {"code": "labels", "level": "ok", "message": "ok"}])

    shown = messages(logged_in(client, reviewer, "en"), item)

    assert shown == {"license": "旧的授权消息", "aspect": "720×1280, 9:16.",
                     "codec": "h264", "labels": "ok"}
