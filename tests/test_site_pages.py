"""Site-wide pages: the error pages in both languages, the favicon, and layout rules that
every page shares (wide tables, at a phone's width)."""

import pytest
from django.template.loader import get_template
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from tests.conftest import PASSWORD, make_user


@pytest.fixture
def reviewer(db):
    return make_user("reviewer", is_reviewer=True)


def _in_language(client, language: str) -> None:
    client.post(reverse("set_language"), {"language": language, "next": "/"})


@override_settings(DEBUG=False)
@pytest.mark.parametrize(("language", "heading", "home"), [
    ("zh-hans", "你无权打开此页面", "返回首页"),
    ("en", "You may not open this page", "Back to the home page"),
])
def test_a_reviewer_who_is_not_staff_gets_the_sites_403_page(client, reviewer, language, heading, home):
    client.login(username="reviewer", password=PASSWORD)
    _in_language(client, language)
    response = client.get(reverse("review:stats"))
    body = response.content.decode()
    assert response.status_code == 403
    assert f'<html lang="{language}">' in body
    assert heading in body and home in body
    assert 'class="topbar"' in body  # the site header, not a bare "403 Forbidden"
    assert 'data-testid="username">reviewer<' in body


@override_settings(DEBUG=False)
@pytest.mark.parametrize(("language", "heading"), [
    ("zh-hans", "页面不存在"), ("en", "Page not found"),
])
def test_an_unknown_address_gets_the_sites_404_page(client, db, language, heading):
    _in_language(client, language)
    response = client.get("/no-such-page/")
    body = response.content.decode()
    assert response.status_code == 404
    assert f'<html lang="{language}">' in body
    assert heading in body
    assert 'href="/"' in body and 'class="topbar"' in body


@pytest.mark.parametrize(("language", "heading"), [("zh-hans", "出错了"), ("en", "Something went wrong")])
def test_the_500_page_renders_without_a_request_or_the_database(language, heading):
    # Django's server_error renders it with no context at all; no db fixture, so any
    # query would fail the test.
    with translation.override(language):
        body = get_template("500.html").render()
    assert f'<html lang="{language}">' in body
    assert heading in body and 'href="/"' in body


def _fetch(client, url: str):
    response = client.get(url)
    # WhiteNoise answers static files with a streaming response.
    return response, b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.django_db
def test_favicon_ico_leads_to_the_sites_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    icon, content = _fetch(client, response["Location"])
    assert icon.status_code == 200
    assert icon["Content-Type"] == "image/png" and content.startswith(b"\x89PNG")


@pytest.mark.django_db
def test_every_page_names_its_icon(client):
    body = client.get(reverse("home")).content.decode()
    href = body.split('<link rel="icon" href="', 1)[1].split('"', 1)[0]
    icon, content = _fetch(client, href)
    assert icon.status_code == 200 and b"<svg" in content
