"""The chart JSON's cached path: what it serves from the cache, and what makes it ask the
database again. A removed member or an outsider gets nothing, a new settlement or payout
is seen at once, and the logged-in user from the cache behaves like one from the DB."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from creators.models import Membership, Studio, User
from creators.services import accept_invitation, invite_member, remove_member
from dashboard import cached
from dashboard.services import decide_payout, request_payout
from tests.conftest import PASSWORD, make_user
from tests.dashboard.conftest import credit

URL = "dashboard:data"


def data_url(slug="dawn", days=30):
    return reverse(URL, args=[slug]) + f"?days={days}"


class Counting:
    """A compute function for cached.chart_json that says how often it ran."""

    def __init__(self):
        self.calls = 0

    def __call__(self, studio, days):
        self.calls += 1
        return {"studio": studio.slug, "days": days, "n": self.calls}


@pytest.fixture
def funded_member(funded, member, client):
    client.force_login(member)
    return member


def test_a_cached_request_runs_no_query(client, funded_member, django_assert_num_queries):
    first = client.get(data_url())
    assert first.status_code == 200 and first["Content-Type"] == "application/json"
    with django_assert_num_queries(0):
        again = client.get(data_url())
    assert again.status_code == 200 and again.content == first.content


def test_a_cached_request_is_two_cache_reads(client, funded_member, monkeypatch):
    from dashboard.redis_cache import ReusedClientRedisCache

    calls = []
    for name in ("get", "get_many", "set", "add"):
        real = getattr(ReusedClientRedisCache, name)

        def spy(self, *args, _real=real, _name=name, **kwargs):
            calls.append(_name)
            return _real(self, *args, **kwargs)
        monkeypatch.setattr(ReusedClientRedisCache, name, spy)
    client.get(data_url())
    calls.clear()
    assert client.get(data_url()).status_code == 200
    # The session; then the user with the studios, versions and figures in one MGET.
    assert calls == ["get", "get_many"]


def test_a_removed_member_is_refused_at_once(client, funded_member, owner, studio):
    assert client.get(data_url()).status_code == 200
    assert client.get(data_url()).status_code == 200  # now served from the cache
    remove_member(Membership.objects.get(studio=studio, user=owner),
                  Membership.objects.get(studio=studio, user=funded_member))
    assert client.get(data_url()).status_code == 404


def test_a_removal_committed_after_a_read_is_not_trusted(
        funded, member, owner, studio, django_capture_on_commit_callbacks):
    # A request that read the memberships before the removal committed may store its map
    # after it: the bump on commit makes that map stale.
    from django.core.cache import cache

    compute = Counting()
    assert cached.chart_json(member, "dawn", 30, compute) is not None
    stale = cache.get(cached.studios_key(member.pk))[1]
    assert stale == {"dawn": studio.pk}
    with django_capture_on_commit_callbacks(execute=True):
        remove_member(Membership.objects.get(studio=studio, user=owner),
                      Membership.objects.get(studio=studio, user=member))
        # The late writer: it saw the generation of this moment, and the membership
        # that was still there for it before the commit.
        gen = cache.get(cached.user_gen_key(member.pk))
        cache.set(cached.studios_key(member.pk), (gen, stale))
    assert cached.chart_json(member, "dawn", 30, compute) is None


def test_an_outsider_never_gets_the_cached_body(client, funded, owner, outsider):
    client.force_login(owner)
    assert client.get(data_url()).status_code == 200
    client.force_login(outsider)
    for days in (30, 90, 365):
        r = client.get(data_url(days=days))
        assert r.status_code == 404 and b"daily" not in r.content
    client.logout()
    r = client.get(data_url())
    assert r.status_code == 302 and "/login" in r["Location"]


def test_an_invited_outsider_is_let_in_at_once(client, funded, owner, outsider, studio):
    client.force_login(outsider)
    assert client.get(data_url()).status_code == 404  # the refusal is cached too
    invitation = invite_member(Membership.objects.get(studio=studio, user=owner),
                               outsider.username)
    assert client.get(data_url()).status_code == 404  # invited is not yet a member
    accept_invitation(outsider, invitation.pk)
    assert client.get(data_url()).status_code == 200


def test_a_new_settlement_or_payout_is_computed_again(funded, owner):
    compute = Counting()
    first = cached.chart_json(owner, "dawn", 30, compute)
    assert cached.chart_json(owner, "dawn", 30, compute) == first and compute.calls == 1
    credit(funded, "50.00", datetime.date(2026, 3, 31))  # a ledger transaction
    assert cached.chart_json(owner, "dawn", 30, compute) != first and compute.calls == 2
    fin = make_user("fin", is_finance=True)
    payout, _ = request_payout(funded, owner, "100.00", "k")
    cached.chart_json(owner, "dawn", 30, compute)
    assert compute.calls == 2  # a request alone changes no figure
    decide_payout(payout.pk, fin, approve=True, day=datetime.date(2026, 3, 31))
    cached.chart_json(owner, "dawn", 30, compute)
    assert compute.calls == 3


def test_the_windows_are_cached_apart_and_studios_apart(funded, owner, outsider):
    compute = Counting()
    a = cached.chart_json(owner, "dawn", 30, compute)
    b = cached.chart_json(owner, "dawn", 90, compute)
    c = cached.chart_json(outsider, "elsewhere", 30, compute)
    assert b"dawn" in a and b'"days": 90' in b and b"elsewhere" in c and compute.calls == 3


def test_an_episode_duration_change_recomputes_that_studio_only(funded, owner, outsider):
    from creators.models import Episode, Series

    series = Series.objects.create(studio=funded, slug="s1", title="S1", category="standard")
    ep = Episode.objects.create(series=series, number=1, title="E1", ref="EP-X-1",
                                duration_seconds=Decimal("60"))
    compute = Counting()
    cached.chart_json(owner, "dawn", 30, compute)
    cached.chart_json(outsider, "elsewhere", 30, compute)
    ep.title = "renamed"
    ep.save(update_fields=["title"])
    cached.chart_json(owner, "dawn", 30, compute)
    assert compute.calls == 2
    ep.duration_seconds = Decimal("90")
    ep.save(update_fields=["duration_seconds"])
    cached.chart_json(owner, "dawn", 30, compute)
    cached.chart_json(outsider, "elsewhere", 30, compute)
    assert compute.calls == 3


def test_a_renamed_studio_answers_under_its_new_slug_only(client, funded_member, studio):
    assert client.get(data_url()).status_code == 200
    studio.slug = "sunrise"
    studio.save()
    assert client.get(data_url("dawn")).status_code == 404
    assert client.get(data_url("sunrise")).status_code == 200
    # Another studio taking the old slug is not served the first one's figures.
    other = Studio.objects.create(slug="dawn", name="new dawn")
    Membership.objects.create(studio=other, user=funded_member)
    body = client.get(data_url("dawn")).json()
    assert body["daily"] == []


# --- The logged-in user from the cache ------------------------------------------------


def test_a_deactivated_user_is_logged_out_at_once(client, funded_member):
    assert client.get(data_url()).status_code == 200
    funded_member.is_active = False
    funded_member.save()
    r = client.get(data_url())
    assert r.status_code == 302


def test_a_password_change_ends_other_sessions(client, funded_member):
    assert client.get(data_url()).status_code == 200
    user = User.objects.get(pk=funded_member.pk)
    user.set_password("another-Passw0rd")
    user.save()
    assert client.get(data_url()).status_code == 302


def test_the_cached_user_is_the_user_and_saving_it_keeps_the_password(client, funded_member):
    client.get(data_url())
    from dashboard.auth import CachedUserBackend

    user = CachedUserBackend().get_user(funded_member.pk)
    assert user.username == "member" and user.pk == funded_member.pk
    assert "password" not in user.__dict__  # the hash never went to the cache
    user.first_name = "Mei"
    user.save()
    fresh = User.objects.get(pk=funded_member.pk)
    assert fresh.first_name == "Mei" and fresh.check_password(PASSWORD)
    assert user.check_password(PASSWORD)  # loads the hash from the database


def test_a_wrong_password_is_refused_and_the_right_one_logs_in(client, funded_member):
    client.logout()
    r = client.post(reverse("login"), {"username": "member", "password": "wrong"})
    assert r.status_code == 200 and SESSION_KEY not in client.session
    r = client.post(reverse("login"), {"username": "member", "password": PASSWORD})
    assert r.status_code == 302 and client.session[SESSION_KEY] == str(funded_member.pk)
    assert client.get(data_url()).status_code == 200
