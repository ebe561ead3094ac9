"""Nobody joins a studio without saying yes: an owner invites, the invitee accepts or
declines, and the owner's form tells nobody who is registered."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from creators.models import Invitation, Membership
from creators.services import create_studio
from tests.conftest import logged_in, make_user

pytestmark = pytest.mark.django_db


def invite(client, who: str, role: str = "member", studio: str = "dawn"):
    return client.post(reverse("creators:members", args=[studio]), {"who": who, "role": role},
                       follow=True)


def said(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)] or [
        m.message for m in response.context["messages"]]


def test_an_invited_user_joins_only_by_accepting(client, owner, studio):
    yue = make_user("yue")
    logged_in(client, owner, "en")
    invite(client, "YUE@example.com", "owner")
    assert not Membership.objects.filter(studio=studio, user=yue).exists()
    sent = client.get(reverse("creators:members", args=["dawn"])).content.decode()
    assert "yue@example.com" in sent and ">yue<" not in sent  # the email stays an email

    logged_in(client, yue, "en")
    page = client.get(reverse("invitations")).content.decode()
    assert 'data-testid="invitations-link"' in page and "晨光工作室" in page
    invitation = Invitation.objects.get(studio=studio)
    joined = client.post(reverse("invitation_accept", args=[invitation.pk]))
    assert joined["Location"] == reverse("creators:studio", args=["dawn"])
    assert Membership.objects.get(studio=studio, user=yue).role == "owner"
    assert client.get(reverse("invitations")).status_code == 200
    assert 'data-testid="invitations-link"' not in client.get(reverse("invitations")).content.decode()


def test_a_declined_invitation_adds_nobody_and_leaves_the_owners_list(client, owner, studio):
    xin = make_user("xin")
    logged_in(client, owner, "en")
    invite(client, "xin")
    invitation = Invitation.objects.get(studio=studio)
    logged_in(client, xin, "zh-hans")
    declined = client.post(reverse("invitation_decline", args=[invitation.pk]), follow=True)
    assert "你已拒绝晨光工作室的邀请。" in declined.content.decode()
    assert not Membership.objects.filter(studio=studio, user=xin).exists()
    assert client.post(reverse("invitation_accept", args=[invitation.pk])).status_code == 404
    logged_in(client, owner, "en")
    assert 'data-testid="invitations-sent"' not in client.get(
        reverse("creators:members", args=["dawn"])).content.decode()


def test_the_reply_is_the_same_whether_or_not_the_address_has_an_account(client, owner, studio):
    make_user("yue")
    logged_in(client, owner, "en")
    known = said(invite(client, "yue@example.com"))
    unknown = said(invite(client, "nobody@example.com"))
    assert known == [m.replace("nobody@", "yue@") for m in unknown] and "Invitation sent" in known[0]
    again = invite(client, "nobody@example.com").content.decode()
    assert "already waiting for an answer" in again
    assert Invitation.objects.filter(studio=studio).count() == 2


def test_only_the_invitee_answers_and_only_an_owner_withdraws(client, owner, member, outsider,
                                                              studio):
    yue = make_user("yue")
    logged_in(client, owner, "en")
    invite(client, "yue")
    invitation = Invitation.objects.get(studio=studio)
    for someone in (outsider, member, owner):
        logged_in(client, someone, "en")
        for name in ("invitation_accept", "invitation_decline"):
            assert client.post(reverse(name, args=[invitation.pk])).status_code == 404
        assert "晨光工作室" not in client.get(reverse("invitations")).content.decode()
    withdraw = reverse("creators:invitation_withdraw", args=["dawn", invitation.pk])
    logged_in(client, outsider, "en")
    assert client.post(withdraw).status_code == 404
    logged_in(client, member, "en")
    assert client.post(withdraw).status_code == 403
    assert client.post(reverse("creators:members", args=["dawn"]),
                       {"who": "outsider", "role": "owner"}).status_code == 403
    logged_in(client, owner, "en")
    assert client.post(withdraw).status_code == 302
    logged_in(client, yue, "en")
    assert client.post(reverse("invitation_accept", args=[invitation.pk])).status_code == 404
    assert not Membership.objects.filter(studio=studio, user=yue).exists()


def test_an_expired_invitation_is_refused_and_a_new_one_replaces_it(client, owner, studio):
    yue = make_user("yue")
    logged_in(client, owner, "en")
    invite(client, "yue")
    old = Invitation.objects.get(studio=studio)
    Invitation.objects.filter(pk=old.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1))
    assert "Expired" in client.get(reverse("creators:members", args=["dawn"])).content.decode()
    logged_in(client, yue, "en")
    assert "晨光工作室" not in client.get(reverse("invitations")).content.decode()
    refused = client.post(reverse("invitation_accept", args=[old.pk]), follow=True)
    assert "This invitation has expired" in refused.content.decode()
    assert not Membership.objects.filter(studio=studio, user=yue).exists()
    logged_in(client, owner, "en")
    invite(client, "yue")
    fresh = Invitation.objects.get(studio=studio, status="pending")
    assert fresh.pk != old.pk and Invitation.objects.get(pk=old.pk).status == "withdrawn"


def test_members_are_told_so_and_bad_input_keeps_the_form(client, owner, member, studio):
    logged_in(client, owner, "en")
    assert "is already a member" in invite(client, "member@example.com").content.decode()
    blank = invite(client, "   ")
    assert blank.status_code == 200 and not Invitation.objects.exists()
    bad_role = invite(client, "yue", role="admin")
    assert bad_role.status_code == 200 and not Invitation.objects.exists()


def test_an_older_studio_that_adds_you_is_not_where_you_land(client, owner, studio):
    """The menu and the landing page act for the studio the user opened last, else the first
    one they joined, never merely the oldest studio that counts them as a member."""
    newcomer = make_user("newcomer")
    create_studio(newcomer, "新人工作室", slug="newbie")
    logged_in(client, owner, "en")
    invite(client, "newcomer")
    logged_in(client, newcomer, "en")
    client.post(reverse("invitation_accept", args=[Invitation.objects.get().pk]))
    assert client.get(reverse("creators:home_redirect"))["Location"].endswith("/dawn/")
    client.logout()
    logged_in(client, newcomer, "en")  # a fresh session: back to the studio they started
    assert client.get(reverse("creators:home_redirect"))["Location"].endswith("/newbie/")
    assert client.get(reverse("generation:index"))["Location"].endswith("/s/newbie/")
    client.get(reverse("creators:series_list", args=["dawn"]))  # opening its pages chooses it
    assert client.get(reverse("creators:home_redirect"))["Location"].endswith("/dawn/")
    Membership.objects.filter(studio=studio, user=newcomer).delete()
    assert client.get(reverse("creators:home_redirect"))["Location"].endswith("/newbie/")


def test_staff_see_invitations_in_the_admin_but_cannot_answer_them(client, owner, studio):
    yue = make_user("yue")
    logged_in(client, owner, "en")
    invite(client, "yue")
    invitation = Invitation.objects.get()
    client.force_login(make_user("boss", is_staff=True, is_superuser=True))
    listing = client.get(reverse("admin:creators_invitation_changelist"))
    assert listing.status_code == 200 and "yue" in listing.content.decode()
    client.post(reverse("admin:creators_invitation_change", args=[invitation.pk]),
                {"status": "accepted"})
    assert Invitation.objects.get().status == "pending"
    assert not Membership.objects.filter(studio=studio, user=yue).exists()
