"""An expired license blocks new episodes of its series; the episodes already made stay."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from creators.models import Episode, Series
from library.models import IP, License
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def expired_series(studio):
    holder = make_user("holder", is_rights_holder=True, is_creator=False)
    ip = IP.objects.create(slug="old-ip", title="旧书", rights_holder=holder, kind="novel")
    today = timezone.localdate()
    license = License.objects.create(
        ip=ip, studio=studio, exclusive=False, starts_on=today - datetime.timedelta(days=400),
        ends_on=today - datetime.timedelta(days=1), licensor_share=Decimal("0.30"))
    series = Series.objects.create(studio=studio, slug="old", title="旧剧", category="standard",
                                   license=license)
    Episode.objects.create(series=series, number=1, title="第1集", ref="EP-OLD-1")
    return series


def test_it_refuses_a_new_episode_under_an_expired_license(client, owner, expired_series):
    client.force_login(owner)
    url = reverse("creators:episode_create", args=["dawn", expired_series.slug])
    response = client.post(url, {"number": 2, "title": "第2集", "hook_line": ""})
    assert response.status_code == 200
    assert "expired" in response.content.decode() or "到期" in response.content.decode()
    assert list(expired_series.episodes.values_list("ref", flat=True)) == ["EP-OLD-1"]
