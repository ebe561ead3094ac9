"""Sign-up makes a creator with a one-person studio; log-in lands on it."""

import pytest
from django.urls import reverse

from creators.models import Membership, Studio, User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def signup(client, **overrides):
    data = {"username": "xiaoyu", "email": "xiaoyu@example.com", "password1": PASSWORD,
            "password2": PASSWORD, "studio_name": "小雨动画"}
    data.update(overrides)
    return client.post(reverse("signup"), data)


def test_it_creates_a_one_person_studio(client):
    response = signup(client)
    user = User.objects.get(username="xiaoyu")
    studio = Studio.objects.get(memberships__user=user)
    assert studio.name == "小雨动画"
    assert Membership.objects.get(user=user).role == Membership.Role.OWNER
    assert user.is_creator and not user.is_finance
    assert response.status_code == 302
    follow = client.get(response["Location"], follow=True)
    assert follow.redirect_chain[-1][0] == reverse("creators:studio", args=[studio.slug])
    assert "小雨动画" in follow.content.decode()


def test_it_names_the_studio_after_the_user_when_left_empty(client):
    signup(client, studio_name="")
    assert Studio.objects.get().name == "xiaoyu的工作室"


def test_an_english_sign_up_names_the_studio_in_english(client):
    client.cookies["django_language"] = "en"
    signup(client, studio_name="")
    assert Studio.objects.get().name == "xiaoyu's studio"


def test_it_refuses_a_taken_email_and_creates_nothing(client, owner):
    response = signup(client, email=owner.email.upper())
    assert response.status_code == 200
    assert "already exists" in response.content.decode() or "已" in response.content.decode()
    assert not User.objects.filter(username="xiaoyu").exists()


def test_it_refuses_mismatched_passwords(client):
    response = signup(client, password2="another-Passw0rd")
    assert response.status_code == 200
    assert not User.objects.filter(username="xiaoyu").exists()


def test_slugs_stay_unique_for_similar_names(client):
    signup(client)
    client.logout()
    signup(client, username="xiaoyu2", email="b@example.com")
    assert Studio.objects.count() == 2
    assert len(set(Studio.objects.values_list("slug", flat=True))) == 2


def test_login_lands_on_the_studio(client, studio, owner):
    response = client.post(reverse("login"), {"username": "owner", "password": PASSWORD},
                           follow=True)
    assert response.redirect_chain[-1][0] == reverse("creators:studio", args=["dawn"])


def test_password_reset_sends_a_link(client, owner, mailoutbox):
    client.post(reverse("password_reset"), {"email": owner.email})
    assert len(mailoutbox) == 1
    assert "/accounts/reset/" in mailoutbox[0].body


def test_a_bad_email_is_refused_in_the_readers_language(client):
    client.cookies["django_language"] = "zh-hans"
    page = signup(client, email="xiaoyu-at-example").content.decode()
    assert "请输入有效的邮箱地址，例如 name@example.com。" in page and "Email" not in page
    client.cookies["django_language"] = "en"
    assert "Enter an email address such as name@example.com." in signup(
        client, email="xiaoyu-at-example").content.decode()
    assert not User.objects.filter(username="xiaoyu").exists()
