"""Each automatic check on a passing and a failing case, with real videos."""

import datetime

import pytest
from django.utils import timezone

from library.models import License
from review import services
from tests.review.conftest import add_episode, make_clip


def levels(item) -> dict[str, str]:
    return {c["code"]: c["level"] for c in item.checks}


def checked(series, number, clip=None, **kw):
    return services.enqueue(add_episode(series, number, clip, **kw), run_checks_now=True)


def test_license_check_passes_inside_the_term_and_fails_outside(licensed_series):
    series, lic = licensed_series
    assert levels(checked(series, 1))["license"] == "ok"
    License.objects.filter(pk=lic.pk).update(
        starts_on=timezone.localdate() - datetime.timedelta(days=60),
        ends_on=timezone.localdate() - datetime.timedelta(days=1))
    item = checked(series, 2)
    assert levels(item)["license"] == "bad" and "license" in item.flags


def test_original_series_need_no_license(series):
    assert levels(checked(series, 1))["license"] == "ok"


def test_format_check_wants_9_16_a_known_codec_and_an_episode_length(series):
    good = levels(checked(series, 1, seconds=90))
    assert (good["aspect"], good["codec"], good["duration"]) == ("ok", "ok", "ok")
    bad = levels(checked(series, 2, width=1920, height=1080, codec="mpeg4", seconds=12))
    assert (bad["aspect"], bad["codec"], bad["duration"]) == ("bad", "bad", "warn")


def test_generated_content_with_both_labels_and_provenance_passes(series):
    item = checked(series, 1, make_clip(seed=3, label=True, generated_meta=True),
                   source="generated")
    assert (levels(item)["labels"], levels(item)["provenance"]) == ("ok", "ok")


def test_generated_content_without_labels_or_provenance_fails(series):
    item = checked(series, 1, make_clip(seed=3), source="generated")
    assert (levels(item)["labels"], levels(item)["provenance"]) == ("bad", "bad")


def test_a_visible_label_without_the_implicit_one_is_caught(series):
    item = checked(series, 1, make_clip(seed=3, label=True))
    assert levels(item)["labels"] == "bad"


def test_an_unlabelled_upload_is_flagged_not_blocked(series):
    item = checked(series, 1, make_clip(seed=3))
    assert levels(item)["labels"] == "warn" and "provenance" not in levels(item)


def test_a_reencoded_reupload_of_a_published_episode_is_a_near_duplicate(series, reviewer):
    original = checked(series, 1, make_clip(seed=5, bitrate=800_000, label=True))
    services.claim(original, reviewer)
    services.approve(original, reviewer, "B", "premium_2d", timezone.localdate())
    reupload = checked(series, 2, make_clip(seed=5, bitrate=60_000, label=True))
    dup = next(c for c in reupload.checks if c["code"] == "duplicate")
    assert dup["level"] == "bad" and dup["match"] == original.episode.ref
    fresh = checked(series, 3, make_clip(seed=6, bitrate=800_000, label=True))
    assert levels(fresh)["duplicate"] == "ok"


def test_an_unpublished_episode_is_not_in_the_duplicate_library(series):
    checked(series, 1, make_clip(seed=5, label=True))
    assert levels(checked(series, 2, make_clip(seed=5, bitrate=60_000, label=True)))[
        "duplicate"] == "ok"


def test_hook_hint_wants_a_short_hook_line(series):
    assert levels(checked(series, 1, hook="他回来了!"))["hook"] == "ok"
    assert levels(checked(series, 2, hook=""))["hook"] == "warn"
    assert levels(checked(series, 3, hook="这是一句非常非常长的开场白，三秒钟之内根本没有办法读完它的全部内容"))[
        "hook"] == "warn"


def test_a_broken_video_is_a_failed_check(series):
    item = checked(series, 1, b"not a video at all")
    assert levels(item)["video"] == "bad" and item.checks_state == "done"


def test_approval_after_the_license_term_is_refused_and_not_recorded(licensed_series,
                                                                     reviewer):
    from django.core.exceptions import ValidationError

    from review.models import Decision

    series, lic = licensed_series
    item = checked(series, 1)
    services.claim(item, reviewer)
    with pytest.raises(ValidationError):
        services.approve(item, reviewer, "A", "premium_2d",
                         lic.ends_on + datetime.timedelta(days=1))
    item.episode.refresh_from_db()
    assert item.episode.status == "in_review" and not Decision.objects.exists()
