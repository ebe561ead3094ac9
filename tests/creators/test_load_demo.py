"""The demo data loads on an empty database and again without duplicating anything."""

import pytest
from django.core.management import call_command

from creators.models import Membership, Studio, User

pytestmark = pytest.mark.django_db


def counts():
    return User.objects.count(), Studio.objects.count(), Membership.objects.count()


def test_it_loads_the_demo_accounts_once(capsys):
    call_command("load_demo")
    first = counts()
    call_command("load_demo")
    assert counts() == first
    out = capsys.readouterr().out
    assert "manju-demo-2026" in out
    assert User.objects.get(username="reviewer").is_reviewer
    assert User.objects.get(username="finance").is_finance
    assert User.objects.get(username="zhwx").is_rights_holder
    assert Studio.objects.get(slug="moonlight").memberships.get().user.username == "lin"
    assert User.objects.get(username="lin").check_password("manju-demo-2026")


def test_it_gives_the_demo_studio_a_series_with_draft_episodes_once():
    from creators.models import Series

    call_command("load_demo")
    call_command("load_demo")
    series = Series.objects.get(studio__slug="moonlight", title="月下剑")
    assert list(series.episodes.values_list("number", "status")) == [(1, "draft"),
                                                                      (2, "draft")]
    # Refs made by the platform (other apps' demo data may bring refs of their own).
    assert all(ref.startswith("EP-") for ref in series.episodes.values_list("ref", flat=True))
