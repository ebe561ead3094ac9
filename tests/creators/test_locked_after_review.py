"""What review confirmed stays: a series that earns keeps its category and exclusivity
(they price every line: changing standard/non-exclusive to ai_real/exclusive paid 120
times as much), and an episode in review or published keeps its title, hook and number.
The pages hid the buttons; the server took the posts."""

import io

import pytest
from django.urls import reverse

from creators import services as creators
from creators.catalog import import_catalog
from creators.models import Category, Episode, Series, User
from revenue.queries import statement
from revenue.services import create_policy, import_revenue, settle
from tests.conftest import logged_in
from tests.revenue.conftest import POLICY, catalog, csv_bytes

pytestmark = pytest.mark.django_db


def test_an_earning_series_keeps_its_category_and_exclusivity(client):
    data = catalog([("E1", "2026-01-02", "C", 60)], ip=False)
    data["series"][0].update(category="standard", exclusive=False)
    import_catalog(data)
    create_policy(POLICY)
    import_revenue(io.BytesIO(csv_bytes(["2026-01-10,E1,1,10000.00,0.00"])), "hongguo")
    logged_in(client, User.objects.get(username="sol"), "en")
    page = client.post(reverse("creators:series_edit", args=["sun", "tale"]), {
        "title": "Tale", "synopsis": "", "category": "ai_real", "exclusive": "on",
        "license": ""})
    assert page.status_code == 200
    assert "category and exclusivity price them" in page.content.decode()
    series = Series.objects.get(slug="tale")
    assert (series.category, series.exclusive) == ("standard", False)
    settle("2026-01")
    assert statement("2026-01", studio=series.studio)["totals"]["earned_share"] == "5.00"


def test_a_series_with_only_drafts_may_change_its_category(client, owner, studio):
    series = creators.create_series(studio, title="S", category=Category.STANDARD)
    creators.create_episode(series, 1, "E1")
    logged_in(client, owner, "en")
    page = client.post(reverse("creators:series_edit", args=["dawn", series.slug]), {
        "title": "S", "synopsis": "", "category": "premium_2d", "license": ""})
    assert page.status_code == 302
    series.refresh_from_db()
    assert series.category == "premium_2d"


@pytest.mark.parametrize("status", [Episode.Status.SUBMITTED, Episode.Status.PUBLISHED])
def test_an_episode_in_review_or_published_is_not_edited(client, owner, studio, status):
    series = creators.create_series(studio, title="S", category=Category.PREMIUM_2D)
    episode = creators.create_episode(series, 1, "Approved title", hook_line="approved hook")
    Episode.objects.filter(pk=episode.pk).update(status=status)
    logged_in(client, owner, "en")
    page = client.post(reverse("creators:episode_edit", args=["dawn", episode.ref]),
                       {"number": 7, "title": "Changed after approval", "hook_line": "changed"})
    assert page.status_code == 200
    assert "can no longer be edited" in page.content.decode()
    episode.refresh_from_db()
    assert (episode.title, episode.hook_line, episode.number) == (
        "Approved title", "approved hook", 1)


def test_a_draft_episode_is_edited(client, owner, studio):
    series = creators.create_series(studio, title="S", category=Category.PREMIUM_2D)
    episode = creators.create_episode(series, 1, "Draft")
    logged_in(client, owner, "en")
    page = client.post(reverse("creators:episode_edit", args=["dawn", episode.ref]),
                       {"number": 2, "title": "Better", "hook_line": ""})
    assert page.status_code == 302
    episode.refresh_from_db()
    assert (episode.title, episode.number) == ("Better", 2)
