"""Slugs of Chinese names read as pinyin in the address bar, stay unique, and never lose
a title's Latin letters or digits."""

import re

import pytest
from django.urls import reverse

from config.slugs import readable_slug
from creators import services
from creators.models import Series, Studio
from library.services import create_ip
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("text, slug", [
    ("剑与月", "jian-yu-yue"),
    ("长安十二时辰", "chang-an-shi-er-shi-chen"),
    ("修仙 Girl 2", "xiu-xian-girl-2"),
    ("《龙族》：第1季", "long-zu-di-1-ji"),
    ("Dawn Blade", "dawn-blade"),
    ("——！", "fallback"),
    ("", "fallback"),
])
def test_a_name_becomes_a_readable_slug(text, slug):
    assert readable_slug(text, "fallback") == slug


def test_a_long_title_is_cut_without_a_trailing_hyphen():
    slug = readable_slug("都市至尊" * 20, "x", max_length=30)
    assert len(slug) <= 30 and not slug.endswith("-") and slug.startswith("du-shi-zhi-zun")


def test_series_with_the_same_chinese_title_get_distinct_pinyin_slugs(client, owner, studio):
    client.force_login(owner)
    for _ in range(2):
        response = client.post(reverse("creators:series_create", args=[studio.slug]), {
            "title": "剑与月", "synopsis": "", "category": "premium_2d"})
        assert response.status_code == 302
    first, second = Series.objects.order_by("pk").values_list("slug", flat=True)
    assert first == "jian-yu-yue"
    assert re.fullmatch(r"jian-yu-yue-[0-9a-f]{6}", second)
    page = client.get(reverse("creators:series", args=[studio.slug, second]))
    assert page.status_code == 200 and "剑与月" in page.content.decode()


def test_ips_and_studios_of_chinese_names_read_as_pinyin(db):
    holder = make_user("zhwx", is_rights_holder=True)
    assert create_ip(holder, title="末世家园", kind="novel").slug == "mo-shi-jia-yuan"
    owner = make_user("林月")
    assert services.create_studio(owner, "月光动画").slug == "lin-yue"
    assert services.create_studio(make_user("林 月"), "另一家").slug.startswith("lin-yue-")
    assert Studio.objects.count() == 2


def test_a_slug_is_never_a_word_the_urls_use_in_its_place(client, owner, studio):
    """A series titled "New" was slugged new, and its page was the New-series form; a
    studio of the user "holder" was slugged holder, and its earnings page was the rights
    holder's. The words are read from the URLs themselves."""
    from config.slugs import reserved_slugs

    assert {"new", "holder", "holders", "finance"} <= reserved_slugs()
    client.force_login(owner)
    client.post(reverse("creators:series_create", args=[studio.slug]), {
        "title": "New", "synopsis": "", "category": "premium_2d"})
    series = Series.objects.get(title="New")
    assert re.fullmatch(r"new-[0-9a-f]{6}", series.slug)
    page = client.get(reverse("creators:series", args=[studio.slug, series.slug]))
    assert page.status_code == 200 and page.context["series"] == series

    from tests.conftest import PASSWORD

    client.logout()
    client.post(reverse("signup"), {"username": "holder", "email": "h@example.com",
                                    "password1": PASSWORD, "password2": PASSWORD})
    own = Studio.objects.get(memberships__user__username="holder")
    assert own.slug != "holder"
    page = client.get(reverse("dashboard:studio", args=[own.slug]))
    assert page.status_code == 200 and page.context["studio"] == own


def test_the_reserved_words_follow_the_urls_a_test_swaps_in(settings):
    from config.slugs import reserved_slugs

    assert "special" not in reserved_slugs()
    settings.ROOT_URLCONF = "tests.creators.reserved_urls"
    assert reserved_slugs() == frozenset({"special"})
