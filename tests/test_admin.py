"""Every model registered in the admin lists for staff; append-only ones refuse changes."""

import pytest
from django.contrib import admin
from django.urls import reverse

from config.admin import ReadOnlyAdmin
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def test_every_admin_changelist_renders(client):
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert client.get(url).status_code == 200, url


def test_append_only_records_cannot_be_added_changed_or_deleted(rf):
    request = rf.get("/")
    request.user = make_user("root2", is_staff=True, is_superuser=True)
    read_only = [m for m in admin.site._registry.values() if isinstance(m, ReadOnlyAdmin)]
    names = {type(m).__name__ for m in read_only}
    assert {"DecisionAdmin", "CreditEntryAdmin", "LedgerTransactionAdmin"} <= names
    for model_admin in read_only:
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request)
        assert not model_admin.has_delete_permission(request)


@pytest.fixture
def root_client(client):
    client.force_login(make_user("root3", is_staff=True, is_superuser=True))
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def episodes(studio):
    from creators import services
    from creators.models import Episode

    series = services.create_series(studio, title="Moon Sword", synopsis="",
                                    category="premium_2d", exclusive=True)
    published = services.create_episode(series, 1, "Ep 1")
    Episode.objects.filter(pk=published.pk).update(status="published", grade="B",
                                                   published_on="2026-01-05")
    draft = services.create_episode(series, 2, "Ep 2")
    return Episode.objects.get(pk=published.pk), draft


def test_the_episode_admin_mends_titles_but_not_what_review_and_money_follow(
        root_client, episodes):
    from creators.models import Episode

    published, _draft = episodes
    url = reverse("admin:creators_episode_change", args=[published.pk])
    page = root_client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    assert "title" in form.fields and "status" not in form.fields and "grade" not in form.fields
    response = root_client.post(url, {"title": "Ep 1 (mended)", "hook_line": "",
                                      "status": "draft", "grade": "S", "ref": "EP-FORGED",
                                      "published_on": "2030-01-01", "probe_progress": "0"})
    assert response.status_code == 302, response.content[:2000]
    after = Episode.objects.get(pk=published.pk)
    assert after.title == "Ep 1 (mended)"
    assert (after.status, after.grade, after.ref) == ("published", "B", published.ref)
    assert str(after.published_on) == "2026-01-05"
    assert root_client.get(reverse("admin:creators_episode_add")).status_code == 403


def test_staff_take_episodes_down_through_the_workflow(root_client, episodes):
    from creators.models import Episode

    published, draft = episodes
    response = root_client.post(reverse("admin:creators_episode_changelist"), {
        "action": "take_down_selected", "_selected_action": [published.pk, draft.pk]},
        follow=True)
    assert Episode.objects.get(pk=published.pk).status == "taken_down"
    assert Episode.objects.get(pk=draft.pk).status == "draft"
    shown = [str(m) for m in response.context["messages"]]
    assert "1 episode taken down." in shown
    assert f"Not published, left as they were: {draft.ref}" in shown


def test_licenses_are_only_shown_in_the_admin(root_client, studio):
    import datetime
    from decimal import Decimal

    from library.models import IP
    from library.services import grant_license

    holder = make_user("holder", is_rights_holder=True)
    ip = IP.objects.create(slug="moon", title="Moon", kind="novel", rights_holder=holder)
    lic = grant_license(ip, studio, exclusive=True, starts_on=datetime.date(2026, 1, 1),
                        ends_on=datetime.date(2026, 12, 31), licensor_share=Decimal("0.3"))
    change = reverse("admin:library_license_change", args=[lic.pk])
    assert root_client.get(change).status_code == 200  # the view page, read-only
    root_client.post(change, {"licensor_share": "0.9000", "ends_on": "2030-12-31"})
    assert root_client.get(reverse("admin:library_license_add")).status_code == 403
    lic.refresh_from_db()
    assert lic.licensor_share == Decimal("0.3000") and str(lic.ends_on) == "2026-12-31"
