"""Decisions: approve with grade and category, reject with reasons, request changes and
resubmit keeping history; the audit trail cannot be edited anywhere; live notification."""

import asyncio
import datetime

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from creators import services as creators
from creators.consumers import studio_group
from review import services
from review.models import Decision, ReviewItem


def test_approving_asks_for_a_grade_and_none_is_preselected(client, submitted, reviewer):
    client.force_login(reviewer)
    client.post(reverse("review:claim", args=[submitted.pk]))
    page = client.get(reverse("review:item", args=[submitted.pk])).content.decode()
    assert '<option value="" selected>' in page.split('name="grade"')[1].split("</select>")[0]
    client.post(reverse("review:decide", args=[submitted.pk, "approve"]),
                {"category": "premium_2d", "publish_on": timezone.localdate()})
    episode = submitted.episode
    episode.refresh_from_db()
    assert episode.status != "published" and not episode.grade
    assert not Decision.objects.filter(episode=episode).exists()


def test_approving_publishes_with_grade_and_corrected_category(client, submitted, reviewer):
    client.force_login(reviewer)
    client.post(reverse("review:claim", args=[submitted.pk]))
    day = timezone.localdate() + datetime.timedelta(days=2)
    response = client.post(reverse("review:decide", args=[submitted.pk, "approve"]),
                           {"grade": "A", "category": "premium_3d", "publish_on": day})
    assert response.status_code == 302
    episode = submitted.episode
    episode.refresh_from_db()
    episode.series.refresh_from_db()
    assert (episode.status, episode.grade, episode.published_on) == ("published", "A", day)
    assert episode.series.category == "premium_3d"
    decision = Decision.objects.get(episode=episode)
    assert (decision.reviewer, decision.kind, decision.category_corrected) == (
        reviewer, "approve", True)
    assert {c["code"] for c in decision.checks} >= {"license", "duplicate", "labels"}


def test_a_decision_needs_the_claim(client, submitted, reviewer):
    client.force_login(reviewer)
    response = client.post(reverse("review:decide", args=[submitted.pk, "approve"]),
                           {"grade": "A", "category": "premium_2d",
                            "publish_on": timezone.localdate()})
    assert response.status_code == 409
    submitted.episode.refresh_from_db()
    assert submitted.episode.status == "submitted" and not Decision.objects.exists()


def test_rejecting_needs_a_reason_code(submitted, reviewer):
    services.claim(submitted, reviewer)
    with pytest.raises(ValidationError):
        services.reject(submitted, reviewer, [], "no")
    with pytest.raises(ValidationError):
        services.reject(submitted, reviewer, ["boring"], "no")
    services.reject(submitted, reviewer, ["copyright", "duplicate"], "stolen")
    submitted.refresh_from_db()
    submitted.episode.refresh_from_db()
    assert (submitted.state, submitted.episode.status) == ("rejected", "rejected")
    assert Decision.objects.get().reasons == ["copyright", "duplicate"]


def test_changes_then_resubmission_keeps_the_history(client, submitted, reviewer, owner):
    services.claim(submitted, reviewer)
    services.ask_for_changes(submitted, reviewer, "Sharper hook please")
    episode = submitted.episode
    episode.refresh_from_db()
    assert episode.status == "changes_requested"
    creators.submit_episode(episode)
    second = services.enqueue(episode, run_checks_now=True)
    assert second.pk != submitted.pk
    services.claim(second, reviewer)
    services.approve(second, reviewer, "S", "premium_2d", timezone.localdate())
    assert list(Decision.objects.filter(episode=episode).values_list("kind", flat=True)) == [
        "changes", "approve"]
    client.force_login(owner)
    body = client.get(reverse("creators:episode",
                              args=[episode.series.studio.slug, episode.ref])).content.decode()
    assert "Sharper hook please" in body and "S" in body
    client.force_login(reviewer)
    body = client.get(reverse("review:item", args=[second.pk])).content.decode()
    assert "Sharper hook please" in body  # the reviewer sees the earlier round too


def test_the_audit_trail_cannot_be_edited_or_deleted(submitted, reviewer):
    services.claim(submitted, reviewer)
    decision = services.reject(submitted, reviewer, ["policy"], "original note")
    decision.note = "rewritten"
    with pytest.raises(PermissionError):
        decision.save()
    with pytest.raises(PermissionError):
        decision.delete()
    with pytest.raises(PermissionError):
        Decision.objects.filter(pk=decision.pk).update(note="rewritten")
    with pytest.raises(PermissionError):
        Decision.objects.all().delete()
    assert Decision.objects.get(pk=decision.pk).note == "original note"


def test_the_admin_shows_the_audit_trail_read_only(client, submitted, reviewer):
    services.claim(submitted, reviewer)
    decision = services.reject(submitted, reviewer, ["policy"], "original note")
    admin = type(reviewer).objects.create_superuser("root", "root@example.com", "pw-Root-123")
    client.force_login(admin)
    change = reverse("admin:review_decision_change", args=[decision.pk])
    assert client.get(change).status_code == 200  # viewable
    client.post(change, {"note": "rewritten", "kind": "approve"})
    delete = reverse("admin:review_decision_delete", args=[decision.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:review_decision_add")).status_code == 403
    client.post(reverse("admin:review_decision_changelist"),
                {"action": "delete_selected", "_selected_action": [decision.pk], "post": "yes"})
    assert Decision.objects.get(pk=decision.pk).note == "original note"
    assert ReviewItem.objects.get(pk=submitted.pk).state == "rejected"


def test_the_studio_hears_the_decision_live(submitted, reviewer,
                                           django_capture_on_commit_callbacks):
    def decide():
        services.claim(submitted, reviewer)
        with django_capture_on_commit_callbacks(execute=True):
            services.approve(submitted, reviewer, "A", "premium_2d", timezone.localdate())

    async def listen_while_deciding():
        # One event loop for the whole exchange: channel layers are per loop.
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add(studio_group(submitted.studio_id), channel)
        await sync_to_async(decide)()
        return await asyncio.wait_for(layer.receive(channel), 10)

    payload = async_to_sync(listen_while_deciding)()["payload"]
    assert payload["type"] == "review.decision" and payload["decision"] == "approve"
    assert submitted.episode.ref in payload["message"] and "A" in payload["message"]


def test_reviewer_statistics_count_throughput_waits_and_reasons(client, series, staff,
                                                                reviewer):
    from tests.review.conftest import add_episode

    items = [services.enqueue(add_episode(series, n)) for n in (1, 2)]
    for item in items:
        services.claim(item, reviewer)
    services.reject(items[0], reviewer, ["copyright"], "x")
    services.approve(items[1], reviewer, "B", "premium_2d", timezone.localdate())
    client.force_login(staff)
    body = client.get(reverse("review:stats")).content.decode()
    assert "rev" in body
    from review.queries import reviewer_stats

    stats = reviewer_stats()
    assert stats["total"] == 2 and {c: n for c, _, n in stats["reasons"]}["copyright"] == 1


def test_one_decision_is_counted_in_the_singular(client, series, staff, reviewer):
    from tests.conftest import logged_in
    from tests.review.conftest import add_episode

    item = services.enqueue(add_episode(series, 1))
    services.claim(item, reviewer)
    services.reject(item, reviewer, ["copyright"], "x")
    body = logged_in(client, staff, "en").get(reverse("review:stats")).content.decode()
    assert ">1 decision in 30 days (0.0 a day)</p>" in body
    body = logged_in(client, staff, "zh-hans").get(reverse("review:stats")).content.decode()
    assert ">30 天内 1 个结论（每天 0.0 个）</p>" in body


def test_reasons_read_in_the_readers_words_not_as_codes(client, submitted, reviewer, owner):
    """The creator's episode page and the reviewer's audit trail listed "copyright,
    duplicate" on Chinese pages."""
    from tests.conftest import logged_in

    services.claim(submitted, reviewer)
    services.reject(submitted, reviewer, ["copyright", "duplicate"], "stolen")
    episode = submitted.episode
    logged_in(client, owner, "zh-hans")
    page = client.get(reverse("creators:episode", args=[episode.series.studio.slug,
                                                       episode.ref])).content.decode()
    assert "版权、重复" in page and "copyright" not in page
    logged_in(client, reviewer, "en")
    trail = client.get(reverse("review:item", args=[submitted.pk])).content.decode()
    history = trail[trail.index('data-testid="history"'):]
    assert "Copyright, Duplicate" in history and "copyright, duplicate" not in history


def test_a_lapsed_claim_brings_the_decision_back_as_written_to_send_again(
        client, submitted, reviewer, reviewer2):
    """The claim ran out while a long note was written: the decision came back as 'claim
    the item first', on a page with only a Claim button, and the note was gone."""
    client.force_login(reviewer)
    client.post(reverse("review:claim", args=[submitted.pk]))
    ReviewItem.objects.filter(pk=submitted.pk).update(
        claim_expires_at=timezone.now() - datetime.timedelta(minutes=1))
    services.expire_claims()  # the minute's clean-up clears the lapsed claim
    note = "镜头 3 的字幕遮住了人物的脸，请调整。" * 5
    url = reverse("review:decide", args=[submitted.pk, "changes"])
    refused = client.post(url, {"note": note, "reasons": ["quality"]})
    page = refused.content.decode()
    assert refused.status_code == 409 and not Decision.objects.exists()
    assert 'data-testid="reclaim"' in page and note in page
    assert 'name="reclaim" value="1"' in page
    sent = client.post(url, {"note": note, "reasons": ["quality"], "reclaim": "1"})
    assert sent.status_code == 302
    assert Decision.objects.get(episode=submitted.episode).note == note
    # Someone else who took a lapsed item meanwhile keeps it: no form comes back to send.
    other = add_episode_item(submitted.episode.series)
    client.post(reverse("review:claim", args=[other.pk]))
    ReviewItem.objects.filter(pk=other.pk).update(
        claimed_by=reviewer2, claim_expires_at=timezone.now() + datetime.timedelta(minutes=9))
    taken = client.post(reverse("review:decide", args=[other.pk, "changes"]),
                        {"note": "x", "reasons": ["quality"], "reclaim": "1"})
    assert taken.status_code == 409 and 'data-testid="reclaim"' not in taken.content.decode()
    assert not Decision.objects.filter(episode=other.episode).exists()


def add_episode_item(series, number=2):
    from tests.review.conftest import add_episode, make_clip

    episode = add_episode(series, number, make_clip(seed=number, label=True,
                                                    generated_meta=True))
    return services.enqueue(episode, run_checks_now=True)


def test_a_publish_day_far_ahead_is_refused(client, submitted, reviewer):
    """2099 typed for 2026 held the minimum guarantee back for good, and the creator's page
    said Published."""
    from review import conf

    client.force_login(reviewer)
    client.post(reverse("review:claim", args=[submitted.pk]))
    far = timezone.localdate() + datetime.timedelta(days=conf.PUBLISH_AHEAD_DAYS + 1)
    response = client.post(reverse("review:decide", args=[submitted.pk, "approve"]),
                           {"grade": "A", "category": "premium_2d", "publish_on": far})
    latest = (far - datetime.timedelta(days=1)).isoformat()
    assert response.status_code == 400 and latest in response.content.decode()
    submitted.episode.refresh_from_db()
    assert submitted.episode.status != "published"


def test_a_category_correction_never_reprices_episodes_already_published(client, submitted,
                                                                         reviewer):
    from creators.models import Episode

    series = submitted.episode.series
    Episode.objects.create(series=series, number=9, title="Earlier", ref="EP-EARLY",
                           status="published", grade="A", published_on=timezone.localdate())
    client.force_login(reviewer)
    client.post(reverse("review:claim", args=[submitted.pk]))
    response = client.post(reverse("review:decide", args=[submitted.pk, "approve"]),
                           {"grade": "A", "category": "standard",
                            "publish_on": timezone.localdate()})
    assert response.status_code == 409
    series.refresh_from_db()
    assert series.category == "premium_2d"
    submitted.episode.refresh_from_db()
    assert submitted.episode.status != "published"


def test_an_episode_approved_for_a_later_day_reads_as_scheduled(client, submitted, reviewer,
                                                                owner):
    """The creator read "Published" the moment it was approved for a day weeks ahead."""
    from tests.conftest import logged_in

    client.force_login(reviewer)
    client.post(reverse("review:claim", args=[submitted.pk]))
    day = timezone.localdate() + datetime.timedelta(days=20)
    client.post(reverse("review:decide", args=[submitted.pk, "approve"]),
                {"grade": "A", "category": "premium_2d", "publish_on": day})
    episode = submitted.episode
    logged_in(client, owner, "en")
    page = client.get(reverse("creators:episode", args=[episode.series.studio.slug,
                                                       episode.ref])).content.decode()
    assert f'data-testid="episode-status">Scheduled for {day.isoformat()}</span>' in page
    from creators.models import Episode

    Episode.objects.filter(pk=episode.pk).update(published_on=timezone.localdate())
    page = client.get(reverse("creators:episode", args=[episode.series.studio.slug,
                                                       episode.ref])).content.decode()
    assert 'data-testid="episode-status">Published</span>' in page
