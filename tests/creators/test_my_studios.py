"""A person in several studios sees them on one page, switches between them, and may start
another while they own fewer than the limit."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from creators import conf, services
from creators.models import Membership, Studio
from tests.conftest import at_once, logged_in, make_user


@pytest.mark.django_db
def test_a_member_of_two_studios_switches_between_them(client, owner, studio, outsider):
    Membership.objects.create(studio=studio, user=outsider, role=Membership.Role.MEMBER)
    logged_in(client, outsider, "en")
    page = client.get(reverse("studios")).content.decode()
    assert 'data-testid="studio-elsewhere"' in page and 'data-testid="studio-dawn"' in page
    # The menu acts for the studio they started with until they open the other one.
    assert page.index('data-testid="studio-elsewhere"') < page.index('data-testid="acting-for"') \
        < page.index('data-testid="studio-dawn"')
    client.get(reverse("creators:studio", args=["dawn"]))
    page = client.get(reverse("studios")).content.decode()
    assert page.index('data-testid="studio-dawn"') < page.index('data-testid="acting-for"')
    assert f'href="{reverse("creators:studio", args=["dawn"])}" data-nav="studio"' in page
    # The page is reached from the name in the header and from every studio's own menu.
    assert f'href="{reverse("studios")}"' in client.get(reverse("creators:studio", args=["dawn"])).content.decode()


@pytest.mark.django_db
def test_starting_a_studio_makes_the_user_its_owner_and_acts_for_it(client, owner, studio):
    logged_in(client, owner, "en")
    made = client.post(reverse("studios"), {"name": "  夜航工作室 "})
    new = Studio.objects.get(name="夜航工作室")
    assert made["Location"] == reverse("creators:studio", args=[new.slug])
    assert Membership.objects.get(studio=new, user=owner).role == "owner"
    home = client.get(reverse("creators:home_redirect"))
    assert home["Location"] == reverse("creators:studio", args=[new.slug])


@pytest.mark.django_db
def test_a_bad_name_is_refused_beside_the_field_and_kept(client, owner, studio):
    logged_in(client, owner, "zh-hans")
    before = Studio.objects.count()
    empty = client.post(reverse("studios"), {"name": "   "})
    assert empty.status_code == 200 and "这个字段是必填项" in empty.content.decode()
    long = "长" * 121
    refused = client.post(reverse("studios"), {"name": long}).content.decode()
    assert 'class="field has-error"' in refused and f'value="{long}"' in refused
    assert "工作室名称最多 120 个字符（当前 121 个）。" in refused
    assert Studio.objects.count() == before


@pytest.mark.django_db
def test_no_more_studios_past_the_limit(client, owner, studio, monkeypatch):
    monkeypatch.setattr(conf, "STUDIOS_OWNED_MAX", 2)
    logged_in(client, owner, "en")
    client.post(reverse("studios"), {"name": "Second"})
    refused = client.post(reverse("studios"), {"name": "Third"})
    body = refused.content.decode()
    assert refused.status_code == 200 and "You already own 2 studios" in body
    assert 'value="Third"' in body  # what they typed is still there
    assert not Studio.objects.filter(name="Third").exists()
    # Stepping down as owner of one frees a place; joining others never takes one.
    Membership.objects.filter(user=owner, studio__name="Second").update(role="member")
    assert client.post(reverse("studios"), {"name": "Third"}).status_code == 302


@pytest.mark.django_db
def test_a_user_without_a_studio_is_shown_how_to_start_one(client):
    lone = make_user("lone")
    logged_in(client, lone, "en")
    home = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("studios")}"' in home
    page = client.get(reverse("studios")).content.decode()
    assert "You are not a member of any studio yet" in page and 'name="name"' in page


@pytest.mark.django_db(transaction=True)
def test_forms_sent_at_once_cannot_both_take_the_last_place(monkeypatch):
    monkeypatch.setattr(conf, "STUDIOS_OWNED_MAX", 2)
    owner = make_user("racer")
    services.create_studio(owner, "First")
    results = at_once(*[lambda i=i: services.form_studio(owner, f"Racing {i}")
                        for i in range(4)], expected=(ValidationError,))
    outcomes = ["refused" if isinstance(r, ValidationError) else "made" for r in results]
    assert sorted(outcomes) == ["made", "refused", "refused", "refused"]
    assert Membership.objects.filter(user=owner, role="owner").count() == 2


@pytest.mark.django_db
def test_a_member_leaves_of_their_own_accord_and_the_last_owner_cannot(client, owner, studio,
                                                                       member):
    logged_in(client, member, "en")
    client.get(reverse("creators:studio", args=["dawn"]))  # the menu acts for dawn
    page = client.get(reverse("creators:members", args=["dawn"])).content.decode()
    assert 'data-testid="leave-studio"' in page
    left = client.post(reverse("creators:leave", args=["dawn"]), follow=True)
    assert left.redirect_chain[-1][0] == reverse("studios")
    assert "You left 晨光工作室." in left.content.decode()
    assert not Membership.objects.filter(studio=studio, user=member).exists()
    assert client.get(reverse("creators:studio", args=["dawn"])).status_code == 404
    assert 'data-nav="studio"' not in client.get(reverse("home")).content.decode()

    logged_in(client, owner, "en")
    refused = client.post(reverse("creators:leave", args=["dawn"]), follow=True)
    assert "only owner" in refused.content.decode()
    assert Membership.objects.filter(studio=studio, user=owner, role="owner").exists()


@pytest.mark.django_db
def test_an_owner_who_leaves_takes_back_the_invitations_they_sent(client, owner, studio):
    from creators.models import Invitation

    co = make_user("co")
    Membership.objects.create(studio=studio, user=co, role=Membership.Role.OWNER)
    make_user("guest")
    logged_in(client, co, "en")
    client.post(reverse("creators:members", args=["dawn"]), {"who": "guest", "role": "owner"})
    assert Invitation.objects.get().status == "pending"
    client.post(reverse("creators:leave", args=["dawn"]))
    assert Invitation.objects.get().status == "withdrawn"
    assert not Membership.objects.filter(studio=studio, user=co).exists()


@pytest.mark.django_db(transaction=True)
def test_two_owners_leaving_at_once_leave_the_studio_one_owner():
    """Each counted the other under a 'locked' COUNT that locked nothing: on PostgreSQL both
    left and the studio had no owner."""
    first, second = make_user("first"), make_user("second")
    studio = services.create_studio(first, "Twins")
    Membership.objects.create(studio=studio, user=second, role=Membership.Role.OWNER)
    memberships = [Membership.objects.get(studio=studio, user=u) for u in (first, second)]
    results = at_once(*[lambda m=m: services.leave_studio(m) for m in memberships],
                      expected=(ValidationError,))
    outcomes = ["refused" if isinstance(r, ValidationError) else "left" for r in results]
    assert sorted(outcomes) == ["left", "refused"]
    assert Membership.objects.filter(studio=studio, role="owner").count() == 1


@pytest.mark.django_db
def test_a_studio_started_later_is_slugged_after_its_name(client, owner, studio):
    logged_in(client, owner, "en")
    client.post(reverse("studios"), {"name": "夜航工作室"})
    assert Studio.objects.get(name="夜航工作室").slug == "ye-hang-gong-zuo-shi"
