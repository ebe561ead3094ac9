"""The queue (oldest first, filters, counts, sync of submissions) and claims: one holder,
an expiry, and exactly one winner of two concurrent claims on PostgreSQL."""

import datetime

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from creators import services as creators
from review import queries, services
from review.models import ReviewItem
from tests.conftest import at_once, logged_in
from tests.review.conftest import add_episode


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def test_it_lists_the_oldest_submission_first_with_filters(client, series, other_studio,
                                                            reviewer):
    other = creators.create_series(other_studio, title="Far", synopsis="",
                                   category="narrated", exclusive=False)
    young = add_episode(series, 1)
    old = add_episode(other, 1, source="generated")
    young_item, old_item = services.enqueue(young), services.enqueue(old)
    ReviewItem.objects.filter(pk=old_item.pk).update(
        submitted_at=timezone.now() - datetime.timedelta(days=3), flags=",duplicate,")
    client.force_login(reviewer)
    body = client.get(reverse("review:index")).content.decode()
    assert body.index(old.ref) < body.index(young.ref)
    assert 'badge bad' in body  # the 3-day-old item is past the SLA
    for query, shown, hidden in [({"studio": other_studio.pk}, old, young),
                                 ({"category": "premium_2d"}, young, old),
                                 ({"source": "generated"}, old, young),
                                 ({"flag": "duplicate"}, old, young),
                                 ({"series": series.pk}, young, old)]:
        body = client.get(reverse("review:index"), query).content.decode()
        assert shown.ref in body and hidden.ref not in body, query
    assert young_item.pk != old_item.pk


def test_it_picks_up_episodes_submitted_through_the_creators_app(client, series, reviewer):
    episode = add_episode(series, 1)
    assert not ReviewItem.objects.filter(episode=episode).exists()
    client.force_login(reviewer)
    assert episode.ref in client.get(reverse("review:index")).content.decode()
    assert ReviewItem.objects.filter(episode=episode, state="open").count() == 1
    assert services.sync_submissions(force=True) == 0  # never a second open item


def test_it_counts_items_per_state(series, reviewer):
    items = [services.enqueue(add_episode(series, n)) for n in range(1, 4)]
    services.claim(items[0], reviewer)
    services.reject(items[0], reviewer, ["policy"], "no")
    services.claim(items[1], reviewer)
    cache.clear()
    counts = queries.state_counts()
    assert (counts["open"], counts["claimed"], counts["waiting"], counts["rejected"]) == (
        2, 1, 1, 1)


def test_a_claimed_item_cannot_be_taken_by_another_reviewer(submitted, reviewer, reviewer2):
    services.claim(submitted, reviewer)
    submitted.episode.refresh_from_db()
    assert submitted.episode.status == "in_review"
    with pytest.raises(ValidationError):
        services.claim(submitted, reviewer2)
    with pytest.raises(ValidationError):  # nor decided by them
        services.reject(submitted, reviewer2, ["policy"], "mine now")
    submitted.refresh_from_db()
    assert submitted.claimed_by == reviewer


def test_an_expired_claim_returns_to_the_queue(client, submitted, reviewer, reviewer2):
    services.claim(submitted, reviewer)
    ReviewItem.objects.filter(pk=submitted.pk).update(
        claim_expires_at=timezone.now() - datetime.timedelta(seconds=1))
    with pytest.raises(ValidationError):  # the old holder can no longer decide
        services.approve(submitted, reviewer, "A", "premium_2d", timezone.localdate())
    assert services.expire_claims() == 1
    submitted.refresh_from_db()
    submitted.episode.refresh_from_db()
    assert submitted.claimed_by is None and submitted.episode.status == "submitted"
    services.claim(submitted, reviewer2)
    submitted.refresh_from_db()
    assert submitted.claimed_by == reviewer2
    with pytest.raises(ValidationError):  # the old holder cannot decide over the new one
        services.approve(submitted, reviewer, "A", "premium_2d", timezone.localdate())


def test_an_expired_claim_can_be_taken_before_any_cleanup(submitted, reviewer, reviewer2):
    services.claim(submitted, reviewer)
    ReviewItem.objects.filter(pk=submitted.pk).update(
        claim_expires_at=timezone.now() - datetime.timedelta(seconds=1))
    services.claim(submitted, reviewer2)
    submitted.refresh_from_db()
    assert submitted.claimed_by == reviewer2


def test_claiming_through_the_page(client, submitted, reviewer, reviewer2):
    client.force_login(reviewer)
    client.post(reverse("review:claim", args=[submitted.pk]))
    client.force_login(reviewer2)
    client.post(reverse("review:claim", args=[submitted.pk]))
    submitted.refresh_from_db()
    assert submitted.claimed_by == reviewer


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_claims_exactly_one_wins(series, reviewer, reviewer2):
    if connection.vendor != "postgresql":
        pytest.skip("row-level concurrency is tested on PostgreSQL (the suite's PG run)")
    episode = add_episode(series, 1)
    # Committed at once here, so submitting already opened the item (creators' signal).
    item = services.enqueue(episode) or ReviewItem.objects.get(episode=episode)
    claimants = (reviewer, reviewer2)
    results = at_once(*[lambda u=u: services.claim(ReviewItem.objects.get(pk=item.pk), u)
                        for u in claimants], expected=(ValidationError,))
    outcomes = ["lost" if isinstance(r, ValidationError) else u.username
                for r, u in zip(results, claimants, strict=True)]
    assert sorted(outcomes).count("lost") == 1
    item.refresh_from_db()
    assert item.claimed_by.username in outcomes


def test_the_item_page_says_who_holds_the_claim(client, submitted, reviewer, reviewer2):
    services.claim(submitted, reviewer)
    client.force_login(reviewer2)
    body = client.get(reverse("review:item", args=[submitted.pk])).content.decode()
    assert "rev" in body and 'data-testid="claim"' not in body
    client.force_login(reviewer)
    body = client.get(reverse("review:item", args=[submitted.pk])).content.decode()
    assert 'data-testid="approve-form"' in body


def test_demo_load_queues_submitted_episodes_once(series):
    from review import demo

    episode = add_episode(series, 1)
    demo.load()
    demo.load()
    item = ReviewItem.objects.get(episode=episode)
    assert item.state == "open" and item.checks_state == "done"


def test_the_claim_ends_at_a_time_of_day_in_one_sentence(client, series, reviewer,
                                                          reviewer2):
    """English formats a datetime as "Dec. 3, 2026, 11:30 p.m.", which ended the sentence
    with two periods; a 30-minute claim needs only the time."""
    item = services.enqueue(add_episode(series, 1))
    services.claim(item, reviewer)
    until = timezone.localtime(ReviewItem.objects.get(pk=item.pk).claim_expires_at)

    mine = logged_in(client, reviewer, "en").get(reverse("review:item", args=[item.pk]))
    assert f"Yours until {until:%H:%M}.</p>" in mine.content.decode()
    theirs = logged_in(client, reviewer2, "en").get(reverse("review:item", args=[item.pk]))
    assert f"Claimed by rev until {until:%H:%M}.</p>" in theirs.content.decode()
