"""The studio page is for its members only."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_it_shows_the_studio_to_its_owner(client, studio, owner):
    client.force_login(owner)
    response = client.get(reverse("creators:studio", args=[studio.slug]))
    assert response.status_code == 200
    assert studio.name in response.content.decode()


def test_it_shows_the_studio_to_a_member(client, studio, member):
    client.force_login(member)
    assert client.get(reverse("creators:studio", args=[studio.slug])).status_code == 200


def test_it_hides_the_studio_from_other_studios(client, studio, outsider):
    client.force_login(outsider)
    response = client.get(reverse("creators:studio", args=[studio.slug]))
    assert response.status_code == 404
    assert studio.name not in response.content.decode()


def test_it_sends_anonymous_visitors_to_login(client, studio):
    response = client.get(reverse("creators:studio", args=[studio.slug]))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]
