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
