"""The library search with a bad value in one field: the other filters still apply, the
bad one is refused beside its box, and a bad page number reads as the first page. It
used to drop every filter at once and list the whole library."""

import pytest
from django.urls import reverse

from library import services
from tests.conftest import logged_in

LONG_TITLE = "长" * 101


@pytest.fixture
def shelf(holder):
    services.create_ip(holder, title="Dragon King", original_author="Ann", kind="novel")
    services.create_ip(holder, title="Dragon Queen", original_author="Bo", kind="comic")
    services.create_ip(holder, title="Quiet Sea", original_author="Ann", kind="comic")


@pytest.fixture(autouse=True)
def english(client):
    """Anonymous readers get Chinese first; these tests read the English text."""
    client.cookies["django_language"] = "en"


def _search(client, **params):
    response = client.get(reverse("library:index"), params)
    assert response.status_code == 200
    return response, sorted(ip.title for ip in response.context["result"].items)


def test_a_bad_page_number_keeps_the_filters_and_reads_as_page_one(client, shelf):
    for page in ("abc", "0", "-3", "9999999"):
        response, titles = _search(client, title="zzzzzz", page=page)
        assert titles == [] and response.context["result"].number == 1
        assert "No IP matches." in response.content.decode()
    _response, titles = _search(client, title="Dragon", kind="comic", page="abc")
    assert titles == ["Dragon Queen"]


def test_a_too_long_title_is_refused_beside_its_box_and_the_rest_still_filter(client, shelf):
    response, titles = _search(client, title=LONG_TITLE, kind="comic")
    assert titles == ["Dragon Queen", "Quiet Sea"]  # the kind still applies
    page = response.content.decode()
    assert f'value="{LONG_TITLE}"' in page  # the box keeps what was typed
    assert 'aria-invalid="true" aria-describedby="search-title-error"' in page
    assert ('id="search-title-error">Not searched: at most 100 characters (this has 101).'
            in page)


def test_the_refusal_reads_in_chinese(client, holder, shelf):
    logged_in(client, holder, "zh-hans")
    response, _titles = _search(client, title=LONG_TITLE)
    assert "未按此条件搜索：最多 100 个字符（当前 101 个）。" in response.content.decode()


def test_an_unknown_kind_is_refused_and_the_title_still_filters(client, shelf):
    response, titles = _search(client, title="Dragon", kind="poem")
    assert titles == ["Dragon King", "Dragon Queen"]
    page = response.content.decode()
    assert 'id="search-kind-error">Not searched: choose a kind from the list.' in page


def test_a_too_long_author_or_tag_is_refused_and_the_title_still_filters(client, shelf):
    response, titles = _search(client, title="Dragon", author="A" * 101, tag="t" * 41)
    assert titles == ["Dragon King", "Dragon Queen"]
    page = response.content.decode()
    assert 'id="search-author-error">Not searched: at most 100 characters' in page
    assert 'id="search-tag-error">Not searched: at most 40 characters (this has 41).' in page


def test_a_valid_search_shows_no_refusal(client, shelf):
    response, titles = _search(client, title="Dragon", author="Ann", page="1")
    assert titles == ["Dragon King"]
    assert 'role="alert"' not in response.content.decode()


def test_a_page_past_the_end_leads_back_to_the_first(client, shelf):
    """?page=99 said "3 IPs" and "no IP matches" at once, with only a Previous link to the
    equally empty page 98."""
    page = _search(client, kind="comic", page="99")[0].content.decode()
    assert 'data-testid="past-the-end"' in page and "No IP matches." not in page
    assert 'href="?kind=comic"' in page and 'rel="prev"' not in page
