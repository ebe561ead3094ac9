"""Studio profile, payout details and members: who may change what."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from creators.models import Invitation, Membership, Studio
from tests.conftest import make_user
from tests.creators.conftest import make_png

pytestmark = pytest.mark.django_db


def test_a_member_edits_the_profile_with_an_avatar_checked_by_content(client, member, studio,
                                                                     media_root):
    client.force_login(member)
    url = reverse("creators:studio_edit", args=["dawn"])
    fake = SimpleUploadedFile("a.png", b"<?php echo 1; ?>", content_type="image/png")
    refused = client.post(url, {"name": "Dawn", "bio": "x", "avatar": fake})
    assert refused.status_code == 200
    assert not Studio.objects.get(pk=studio.pk).avatar

    real = SimpleUploadedFile("a.png", make_png(), content_type="image/png")
    saved = client.post(url, {"name": "破晓动画", "bio": "We draw.", "avatar": real})
    assert saved.status_code == 302
    studio.refresh_from_db()
    assert (studio.name, studio.bio) == ("破晓动画", "We draw.")
    assert studio.avatar.read() == make_png()


def test_an_avatar_is_stored_by_what_it_is_not_by_the_name_it_came_with(client, member,
                                                                         studio, media_root):
    client.force_login(member)
    url = reverse("creators:studio_edit", args=["dawn"])
    # (Django's ImageField already refuses a name without a picture's suffix, .html say.)
    disguised = SimpleUploadedFile("我的头像.jpg", make_png(), content_type="image/jpeg")
    assert client.post(url, {"name": "Dawn", "bio": "", "avatar": disguised}).status_code == 302
    studio.refresh_from_db()
    name = studio.avatar.name
    assert name.startswith("studios/avatars/") and name.endswith(".png")
    assert "头像" not in name
    served = client.get(studio.avatar.url)
    assert served["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content) == make_png()


def test_an_owner_keeps_payout_details_that_the_studio_page_never_shows(client, owner,
                                                                       studio):
    client.force_login(owner)
    url = reverse("creators:payout", args=["dawn"])
    assert client.post(url, {"payout_details": "ICBC 6222 9999"}).status_code == 302
    assert "ICBC 6222 9999" in client.get(url).content.decode()
    assert "6222" not in client.get(reverse("creators:studio", args=["dawn"])).content.decode()
    too_long = client.post(url, {"payout_details": "9" * 2001})
    assert too_long.status_code == 200 and "2000" in too_long.content.decode()
    assert "ICBC 6222 9999" in client.get(url).content.decode()  # the saved details stay


def test_an_owner_invites_by_username_or_email(client, owner, studio, mailoutbox):
    yue, xin = make_user("yue"), make_user("xin")
    client.force_login(owner)
    client.cookies["django_language"] = "en"
    url = reverse("creators:members", args=["dawn"])
    client.post(url, {"who": "YUE@example.com", "role": "member"})
    client.post(url, {"who": "xin", "role": "owner"})
    client.post(url, {"who": "nobody", "role": "member"})
    invited = dict(Invitation.objects.filter(studio=studio)
                   .values_list("addressed_to", "user__username"))
    # An email is answered through the link mailed there; a username on the user's page.
    assert invited == {"yue@example.com": None, "xin": "xin", "nobody": None}
    link = re.search(r"(/accounts/invitations/join/[^\s]+/)", mailoutbox[0].body)[1]
    client.force_login(yue)
    client.post(link, {"answer": "accept"})
    client.force_login(xin)
    client.post(reverse("invitation_accept",
                        args=[Invitation.objects.get(studio=studio, user=xin).pk]))
    roles = dict(Membership.objects.filter(studio=studio).values_list("user__username", "role"))
    assert roles == {"owner": "owner", "yue": "member", "xin": "owner"}


def test_the_last_owner_can_neither_leave_nor_step_down(client, owner, member, studio):
    client.force_login(owner)
    mine = Membership.objects.get(studio=studio, user=owner)
    theirs = Membership.objects.get(studio=studio, user=member)

    client.post(reverse("creators:member_remove", args=["dawn", mine.pk]))
    client.post(reverse("creators:member_role", args=["dawn", mine.pk]), {"role": "member"})
    assert Membership.objects.get(pk=mine.pk).role == "owner"

    client.post(reverse("creators:member_role", args=["dawn", theirs.pk]), {"role": "owner"})
    client.post(reverse("creators:member_role", args=["dawn", mine.pk]), {"role": "member"})
    assert Membership.objects.get(pk=mine.pk).role == "member"
    assert Membership.objects.get(pk=theirs.pk).role == "owner"


def test_an_owner_removes_a_member(client, owner, member, studio):
    client.force_login(owner)
    theirs = Membership.objects.get(studio=studio, user=member)
    client.post(reverse("creators:member_remove", args=["dawn", theirs.pk]))
    assert not Membership.objects.filter(pk=theirs.pk).exists()


def test_an_owner_cannot_touch_memberships_of_another_studio(client, owner, outsider,
                                                             other_studio):
    client.force_login(owner)
    theirs = Membership.objects.get(studio=other_studio)
    response = client.post(reverse("creators:member_remove", args=["dawn", theirs.pk]))
    assert response.status_code == 404
    assert Membership.objects.filter(pk=theirs.pk).exists()


