"""Series and episodes: licenses of one's own studio only, generated EP refs, numbering."""

import datetime

import pytest
from django.urls import reverse

from creators import services
from creators.models import Episode, Series
from library.models import IP, License
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def _license(studio, starts=None, ends=None):
    holder = make_user(f"holder-{studio.slug}", is_rights_holder=True)
    ip = IP.objects.create(slug=f"ip-{studio.slug}", title=f"Novel of {studio.slug}",
                           rights_holder=holder, kind="novel")
    today = datetime.date.today()
    return License.objects.create(
        ip=ip, studio=studio, exclusive=False, licensor_share="0.3000",
        starts_on=starts or today - datetime.timedelta(days=1),
        ends_on=ends or today + datetime.timedelta(days=300),
    )


def test_an_original_series_is_created_and_listed(client, owner, studio):
    client.force_login(owner)
    response = client.post(reverse("creators:series_create", args=["dawn"]), {
        "title": "剑与月", "synopsis": "A sword.", "category": "premium_3d", "exclusive": "on",
    })
    series = Series.objects.get(studio=studio)
    assert response.status_code == 302
    assert (series.title, series.category, series.exclusive, series.is_original) == (
        "剑与月", "premium_3d", True, True)
    listing = client.get(reverse("creators:series_list", args=["dawn"])).content.decode()
    assert "剑与月" in listing


def test_the_series_form_offers_only_the_studios_own_licenses(client, owner, studio,
                                                             other_studio):
    ours, theirs = _license(studio), _license(other_studio)
    client.force_login(owner)
    page = client.get(reverse("creators:series_create", args=["dawn"])).content.decode()
    assert ours.ip.title in page and theirs.ip.title not in page

    refused = client.post(reverse("creators:series_create", args=["dawn"]), {
        "title": "Stolen", "category": "standard", "license": theirs.pk})
    assert refused.status_code == 200 and not Series.objects.exists()

    client.post(reverse("creators:series_create", args=["dawn"]), {
        "title": "Adapted", "category": "standard", "license": ours.pk})
    assert Series.objects.get().license == ours


def test_a_license_outside_its_term_is_refused_with_the_reason(client, owner, studio):
    expired = _license(studio, starts=datetime.date(2020, 1, 1),
                       ends=datetime.date(2020, 12, 31))
    client.force_login(owner)
    client.cookies["django_language"] = "en"
    response = client.post(reverse("creators:series_create", args=["dawn"]), {
        "title": "Late", "category": "standard", "license": expired.pk})
    assert "does not cover" in response.content.decode()
    assert not Series.objects.exists()


def test_episodes_get_unique_generated_refs_and_imports_keep_theirs(series):
    first = services.create_episode(series, 1, "One")
    second = services.create_episode(series, 2, "Two")
    imported = services.create_episode(series, 3, "Three", ref="EP-BK-001")
    assert first.ref.startswith("EP-") and second.ref.startswith("EP-")
    assert first.ref != second.ref
    assert imported.ref == "EP-BK-001"


def test_an_episode_is_created_edited_and_deleted_through_the_pages(client, owner, series):
    client.force_login(owner)
    client.cookies["django_language"] = "en"
    url = reverse("creators:episode_create", args=["dawn", series.slug])
    client.post(url, {"number": 1, "title": "Oath", "hook_line": "He draws!"})
    duplicate = client.post(url, {"number": 1, "title": "Again"})
    assert "already has an episode 1" in duplicate.content.decode()
    zero = client.post(url, {"number": 0, "title": "Prologue"}).content.decode()
    assert "greater than or equal to 1" in zero and 'value="Prologue"' in zero
    episode = Episode.objects.get()
    assert (episode.title, episode.hook_line, episode.status) == ("Oath", "He draws!", "draft")

    client.post(reverse("creators:episode_edit", args=["dawn", episode.ref]),
                {"number": 2, "title": "Oath II", "hook_line": ""})
    episode.refresh_from_db()
    assert (episode.number, episode.title) == (2, "Oath II")
    page = client.get(reverse("creators:episode", args=["dawn", episode.ref])).content.decode()
    assert 'data-testid="generation-panel"' in page

    client.post(reverse("creators:episode_delete", args=["dawn", episode.ref]))
    assert not Episode.objects.exists()
    client.post(reverse("creators:series_delete", args=["dawn", series.slug]))
    assert not Series.objects.exists()


def test_a_series_with_episodes_is_not_deleted(client, owner, episode):
    client.force_login(owner)
    client.post(reverse("creators:series_delete", args=["dawn", episode.series.slug]))
    assert Series.objects.filter(pk=episode.series_id).exists()


def test_a_series_cover_is_checked_by_content(client, owner, studio, media_root):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.creators.conftest import make_png, make_png_bomb

    client.force_login(owner)
    url = reverse("creators:series_create", args=["dawn"])
    bomb = SimpleUploadedFile("c.png", make_png_bomb(), content_type="image/png")
    client.post(url, {"title": "Bomb", "category": "standard", "cover": bomb})
    assert not Series.objects.exists()

    cover = SimpleUploadedFile("c.png", make_png(), content_type="image/png")
    client.post(url, {"title": "Covered", "category": "standard", "cover": cover})
    assert Series.objects.get().cover.read() == make_png()


def test_a_refused_form_asks_for_its_chosen_file_again(client, owner, studio, media_root):
    """The title was missing: the page came back without the cover and without a word."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.conftest import logged_in
    from tests.creators.conftest import make_png

    logged_in(client, owner, "en")
    url = reverse("creators:series_create", args=["dawn"])
    cover = SimpleUploadedFile("moon-cover.png", make_png(), content_type="image/png")
    page = client.post(url, {"title": "", "category": "standard", "cover": cover})
    body = page.content.decode()
    assert 'data-testid="choose-again"' in body and "Choose the file again" in body
    fresh = client.get(url).content.decode()
    assert 'data-testid="choose-again"' not in fresh  # nothing to say before a refusal
    plain = client.post(url, {"title": "", "category": "standard"}).content.decode()
    assert 'data-testid="choose-again"' not in plain  # no file was chosen
