"""A reviewer never reviews their own studio's episodes: the grade sets the minimum
guarantee the platform advances to that studio."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from creators.models import Membership
from review import services
from review.models import ReviewItem


def test_a_reviewer_cannot_claim_an_episode_of_their_own_studio(client, submitted, studio,
                                                                 reviewer):
    Membership.objects.create(studio=studio, user=reviewer, role="member")
    with pytest.raises(ValidationError) as refused:
        services.claim(submitted, reviewer)
    assert refused.value.code == "own_studio"
    client.force_login(reviewer)
    page = client.post(reverse("review:claim", args=[submitted.pk]), follow=True,
                       HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "须由其他审核员审核" in page.content.decode()
    item = ReviewItem.objects.get(pk=submitted.pk)
    assert item.claimed_by is None and item.state == "open"


def test_joining_the_studio_after_claiming_blocks_the_decision(submitted, studio, reviewer,
                                                               reviewer2):
    services.claim(submitted, reviewer)
    Membership.objects.create(studio=studio, user=reviewer, role="member")
    with pytest.raises(ValidationError) as refused:
        services.approve(submitted, reviewer, grade="S", category="premium_2d",
                         publish_on=timezone.localdate())
    assert refused.value.code == "own_studio"
    episode = submitted.episode
    episode.refresh_from_db()
    assert episode.grade in ("", None) and episode.status != "published"
    # Another reviewer, once the claim has lapsed, decides as usual.
    ReviewItem.objects.filter(pk=submitted.pk).update(claim_expires_at=timezone.now())
    services.claim(submitted, reviewer2)
    services.approve(submitted, reviewer2, grade="A", category="premium_2d",
                     publish_on=timezone.localdate())
    episode.refresh_from_db()
    assert episode.grade == "A"
