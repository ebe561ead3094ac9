"""People with no studio (reviewers, finance, rights holders) are told who can apply on an
IP's page, and the licenses page shows them no empty "Held by my studios" table."""

import pytest
from django.urls import reverse

from tests.conftest import logged_in, make_user

WHO_APPLIES = ("Only members of a studio can apply: a license is granted to a studio, and "
               "you are not a member of any.")
WHO_HOLDS = "Licenses are granted to studios, and you are not a member of any."


@pytest.fixture
def reviewer(db):
    return make_user("rev", is_reviewer=True, is_creator=False)


@pytest.fixture
def finance(db):
    return make_user("fin", is_finance=True, is_creator=False)


@pytest.fixture
def other_holder(db):
    return make_user("holder2", is_rights_holder=True, is_creator=False)


@pytest.mark.parametrize("person", ["reviewer", "finance", "other_holder"])
def test_someone_with_no_studio_is_told_who_can_apply(client, request, ip, person):
    logged_in(client, request.getfixturevalue(person), "en")
    response = client.get(reverse("library:ip", args=[ip.slug]))
    page = response.content.decode()
    assert response.status_code == 200 and 'id="apply-form"' not in page
    assert WHO_APPLIES in page


def test_the_explanation_reads_in_chinese(client, reviewer, ip):
    page = logged_in(client, reviewer, "zh-hans").get(
        reverse("library:ip", args=[ip.slug])).content.decode()
    assert "只有工作室成员才能申请" in page


def test_a_studio_member_gets_the_form_and_no_explanation(client, member, ip):
    page = logged_in(client, member, "en").get(
        reverse("library:ip", args=[ip.slug])).content.decode()
    assert 'id="apply-form"' in page and WHO_APPLIES not in page


def test_the_holder_of_the_ip_is_not_told_to_join_a_studio(client, holder, ip):
    page = logged_in(client, holder, "en").get(
        reverse("library:ip", args=[ip.slug])).content.decode()
    assert WHO_APPLIES not in page


@pytest.mark.parametrize("person", ["reviewer", "finance"])
def test_the_licenses_page_explains_instead_of_an_empty_studio_table(client, request, person):
    page = logged_in(client, request.getfixturevalue(person), "en").get(
        reverse("library:licenses")).content.decode()
    assert "Held by my studios" not in page and 'id="studio-licenses"' not in page
    assert WHO_HOLDS in page


def test_a_rights_holder_sees_only_the_licenses_on_their_ips(client, holder, ip):
    page = logged_in(client, holder, "en").get(reverse("library:licenses")).content.decode()
    assert "Granted on my IPs" in page and 'id="holder-licenses"' in page
    assert "Held by my studios" not in page and WHO_HOLDS not in page


def test_a_studio_member_still_sees_the_studio_table_even_when_empty(client, owner, studio):
    page = logged_in(client, owner, "en").get(reverse("library:licenses")).content.decode()
    assert "Held by my studios" in page and 'id="studio-licenses"' in page
    assert WHO_HOLDS not in page
