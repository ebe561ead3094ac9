"""Nobody joins a studio without saying yes: an owner invites, the invitee accepts or
declines, and the owner's form tells nobody who is registered."""

import datetime
import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from creators.models import Invitation, Membership, User
from creators.services import create_studio
from tests.conftest import logged_in, make_user

pytestmark = pytest.mark.django_db


def invite(client, who: str, role: str = "member", studio: str = "dawn"):
    return client.post(reverse("creators:members", args=[studio]), {"who": who, "role": role},
                       follow=True)


def said(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)] or [
        m.message for m in response.context["messages"]]


def link_in(mail) -> str:
    return re.search(r"https?://[^/\s]+(/accounts/invitations/join/[^\s]+/)", mail.body)[1]


def test_an_invited_user_joins_only_by_accepting(client, owner, studio):
    yue = make_user("yue")
    logged_in(client, owner, "en")
    invite(client, "yue", "owner")
    assert not Membership.objects.filter(studio=studio, user=yue).exists()

    logged_in(client, yue, "en")
    page = client.get(reverse("invitations")).content.decode()
    assert 'data-testid="invitations-link"' in page and "晨光工作室" in page
    invitation = Invitation.objects.get(studio=studio)
    joined = client.post(reverse("invitation_accept", args=[invitation.pk]))
    assert joined["Location"] == reverse("creators:studio", args=["dawn"])
    assert Membership.objects.get(studio=studio, user=yue).role == "owner"
    assert client.get(reverse("invitations")).status_code == 200
    assert 'data-testid="invitations-link"' not in client.get(reverse("invitations")).content.decode()


def test_an_email_invitation_goes_to_the_address_not_to_who_claimed_it(client, owner, studio,
                                                                       mailoutbox):
    """Signing up proves no email: an account registered with the address first gets
    nothing; the link mailed there is the invitation, whoever opens it answers."""
    squatter = make_user("mallory")
    User.objects.filter(pk=squatter.pk).update(email="newhire@corp.example")
    logged_in(client, owner, "en")
    invite(client, "NewHire@corp.example", "owner")
    sent = client.get(reverse("creators:members", args=["dawn"])).content.decode()
    assert "newhire@corp.example" in sent and "mallory" not in sent
    assert Invitation.objects.get().user is None
    assert [m.to for m in mailoutbox] == [["newhire@corp.example"]]
    assert mailoutbox[0].subject == "邀请你加入晨光工作室 / Invitation to join 晨光工作室"
    body = mailoutbox[0].body
    assert "owner 邀请你以所有者身份加入漫剧工坊上的晨光工作室" in body
    assert "owner invites you to join 晨光工作室 on Manju Studio as owner" in body
    link = link_in(mailoutbox[0])

    logged_in(client, squatter, "en")
    assert "晨光工作室" not in client.get(reverse("invitations")).content.decode()
    assert client.post(reverse("invitation_accept", args=[Invitation.objects.get().pk])
                       ).status_code == 404

    client.logout()
    assert "/accounts/login/" in client.get(link)["Location"]  # sign in (or up) first
    newhire = make_user("newhire")
    logged_in(client, newhire, "en")
    page = client.get(link).content.decode()
    assert "owner invites you to join as owner." in page and "You answer as newhire." in page
    client.post(link, {"answer": "accept"})
    assert Membership.objects.get(studio=studio, user=newhire).role == "owner"
    assert not Membership.objects.filter(studio=studio, user=squatter).exists()
    spent = client.get(link)  # opened again: it says what became of it
    assert spent.status_code == 410
    assert "This invitation was accepted" in spent.content.decode()
    assert "Go to the studio" in spent.content.decode()
    assert client.get(link.replace("/join/", "/join/x")).status_code == 404


def test_a_newcomer_signs_up_from_the_link_and_lands_on_the_invitation(client, owner, studio,
                                                                       mailoutbox):
    logged_in(client, owner, "en")
    invite(client, "fresh@corp.example")
    link = link_in(mailoutbox[0])
    client.logout()
    login_page = client.get(link, follow=True).content.decode()
    assert f'href="/accounts/signup/?next={link}"' in login_page
    # The login and sign-up pages say why the visitor is there.
    ahead = re.compile(r'data-testid="invitation-ahead">[^<]*晨光工作室')
    assert ahead.search(login_page)
    assert ahead.search(client.get(reverse("signup") + f"?next={link}").content.decode())
    assert 'data-testid="invitation-ahead"' not in client.get(reverse("login")).content.decode()
    from tests.conftest import PASSWORD

    signed = client.post(reverse("signup") + f"?next={link}", {
        "username": "fresh", "email": "fresh@corp.example", "password1": PASSWORD,
        "password2": PASSWORD, "studio_name": "", "next": link})
    assert signed["Location"] == link
    # They came to join: no empty studio of their own is made for them to explain away.
    assert 'name="studio_name"' not in client.get(reverse("signup") + f"?next={link}").content.decode()
    assert not Membership.objects.filter(user__username="fresh").exists()
    client.post(link, {"answer": "accept"})
    assert list(Membership.objects.filter(user__username="fresh").values_list(
        "studio__slug", flat=True)) == ["dawn"]
    # An address outside the site is never where sign-up sends anyone.
    client.logout()
    away = client.post(reverse("signup"), {
        "username": "other", "email": "other@corp.example", "password1": PASSWORD,
        "password2": PASSWORD, "studio_name": "", "next": "https://evil.example/"})
    assert away["Location"] == reverse("creators:home_redirect")
    assert Membership.objects.get(user__username="other").role == "owner"  # their own


def test_an_invitation_lapses_with_the_owner_who_sent_it(client, owner, studio):
    co = make_user("co")
    Membership.objects.create(studio=studio, user=co, role="owner")
    pal = make_user("pal")
    make_user("other")
    logged_in(client, co, "en")
    invite(client, "pal", "owner")
    invite(client, "other", "owner")
    first = Invitation.objects.get(addressed_to="pal")
    # The studio's other owner removes co: co's invitations go with them.
    mine = Membership.objects.get(studio=studio, user=owner)
    from creators.services import change_role, remove_member

    remove_member(mine, Membership.objects.get(studio=studio, user=co))
    assert set(Invitation.objects.values_list("status", flat=True)) == {"withdrawn"}
    logged_in(client, pal, "en")
    assert client.post(reverse("invitation_accept", args=[first.pk])).status_code == 404
    assert not Membership.objects.filter(studio=studio, user=pal).exists()
    # An invitation whose sender stepped down is refused at the answer too.
    Membership.objects.create(studio=studio, user=co, role="owner")
    logged_in(client, co, "en")
    invite(client, "pal", "owner")
    fresh = Invitation.objects.get(status="pending")
    # Stepped down some way that did not withdraw it (a data fix, an admin edit).
    Membership.objects.filter(studio=studio, user=co).update(role="member")
    logged_in(client, pal, "en")
    refused = client.post(reverse("invitation_accept", args=[fresh.pk]), follow=True)
    assert "This invitation lapsed" in refused.content.decode()
    assert not Membership.objects.filter(studio=studio, user=pal).exists()
    Membership.objects.filter(studio=studio, user=co).update(role="owner")
    change_role(mine, Membership.objects.get(studio=studio, user=co), "member")
    assert Invitation.objects.get(pk=fresh.pk).status == "withdrawn"


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
