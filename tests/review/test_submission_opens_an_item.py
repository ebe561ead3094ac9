"""Submitting an episode opens its review item at once, through creators' signal."""

import pytest

from review.models import ReviewItem
from tests.review.conftest import add_episode

pytestmark = pytest.mark.django_db


def test_submitting_opens_exactly_one_item(series, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        episode = add_episode(series, 7, submit=True)
    items = ReviewItem.objects.filter(episode=episode)
    assert items.count() == 1
    assert items.get().state == ReviewItem.State.OPEN


def test_a_draft_opens_nothing(series, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        episode = add_episode(series, 8, submit=False)
    assert not ReviewItem.objects.filter(episode=episode).exists()
