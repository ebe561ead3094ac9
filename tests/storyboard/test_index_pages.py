"""The storyboard index comes in pages, so every episode of a big studio can be reached
(it used to stop at the first 200, saying nothing)."""

import re

import pytest
from django.urls import reverse

from creators import services as creators
from creators.models import Category, Episode
from storyboard import conf

pytestmark = pytest.mark.django_db

INDEX = reverse("storyboard:index")


def refs_on(page: str) -> list[str]:
    return re.findall(r'href="/storyboard/dawn/episodes/([^/"]+)/"', page)


def next_link(page: str) -> str | None:
    found = re.search(r'<a [^>]*rel="next" href="([^"]+)"', page)
    return found and found.group(1).replace("&amp;", "&")


def test_the_page_size_defaults_to_fifty():
    assert conf.INDEX_PAGE_SIZE == 50


def test_every_episode_of_a_big_studio_can_be_reached(owner_client, studio):
    series = creators.create_series(studio, title="长篇", category=Category.STANDARD)
    for number in range(1, 212):
        creators.create_episode(series, number, f"第{number}集")

    seen, address, pages = [], INDEX, 0
    while address:
        page = owner_client.get(address).content.decode()
        pages += 1
        seen += refs_on(page)
        address = next_link(page) and INDEX + next_link(page)
        assert pages <= 10

    assert pages == 5  # 50 a page
    assert seen == list(Episode.objects.filter(series=series).order_by("number")
                        .values_list("ref", flat=True))


def test_pages_say_where_they_are_and_lead_both_ways(owner_client, studio, monkeypatch):
    monkeypatch.setattr(conf, "INDEX_PAGE_SIZE", 2)
    series = creators.create_series(studio, title="短篇", category=Category.STANDARD)
    for number in range(1, 6):
        creators.create_episode(series, number, f"第{number}集")

    first = owner_client.get(INDEX).content.decode()
    assert 'rel="prev"' not in first and 'href="?page=2"' in first and "Page 1" in first
    middle = owner_client.get(INDEX, {"page": 2}).content.decode()
    assert 'href="?page=1"' in middle and 'href="?page=3"' in middle and "Page 2" in middle
    last = owner_client.get(INDEX, {"page": 3}).content.decode()
    assert len(refs_on(last)) == 1 and 'rel="next"' not in last
    # A stale or hand-typed page number still shows a page.
    assert refs_on(owner_client.get(INDEX, {"page": 99}).content.decode()) == refs_on(last)
    assert refs_on(owner_client.get(INDEX, {"page": "x"}).content.decode()) == refs_on(first)


def test_a_single_page_has_no_paging(owner_client, episode):
    page = owner_client.get(INDEX).content.decode()
    assert refs_on(page) == [episode.ref]
    assert 'class="pagination"' not in page


def test_the_pages_hold_only_the_members_studios(owner_client, episode, other_studio):
    theirs = creators.create_series(other_studio, title="别人的剧", category=Category.STANDARD)
    hidden = creators.create_episode(theirs, 1, "秘密的一集")
    page = owner_client.get(INDEX).content.decode()
    assert hidden.ref not in page and "秘密的一集" not in page
