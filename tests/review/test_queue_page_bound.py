"""The review queue's page number is bounded on the server: a page past a 64-bit offset
was a 500."""

import pytest
from django.test import Client

from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def test_a_page_number_past_any_offset_is_not_a_server_error():
    client = Client(raise_request_exception=False)
    client.force_login(make_user("rev", is_reviewer=True))
    assert client.get("/review/?page=2").status_code == 200
    assert client.get("/review/?page=99999999999999999999").status_code < 500
