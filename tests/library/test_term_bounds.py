"""An IP's term is 1 to 1200 months: a term of 2,000,000,000 was accepted, and every
creator opening the IP's page then got a 500 (its end day is past the calendar)."""

import pytest
from django.test import Client

from library.models import IP
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

FORM = {"title": "Novel", "original_author": "", "kind": "novel", "synopsis": "",
        "exclusive_allowed": "on", "licensor_share": "0.3", "minimum_guarantee": "0",
        "territories": "CN", "tags": ""}


@pytest.mark.parametrize("months, listed", [("2000000000", False), ("0", False),
                                            ("1200", True)])
def test_the_term_is_bounded_on_the_server(months, listed):
    holder = make_user("rh", is_rights_holder=True)
    client = Client()
    client.force_login(holder)
    client.cookies["django_language"] = "en"
    page = client.post("/library/holder/ips/new/", {**FORM, "term_months": months})
    assert IP.objects.exists() == listed
    if listed:
        creator = make_user("creator")
        client.force_login(creator)
        assert client.get(f"/library/ip/{IP.objects.get().slug}/").status_code == 200
    else:
        assert page.status_code == 400 and "term" in page.content.decode().lower()
