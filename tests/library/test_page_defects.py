"""Library pages as people meet them: money reads ¥1,234,567.50, an IP cannot be offered
with a negative minimum guarantee, and a note that is too long is refused, not dropped."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from library import services
from library.models import IP, LicenseApplication
from tests.conftest import logged_in
from tests.library.conftest import terms

D = datetime.timedelta


@pytest.fixture
def big_application(owner, studio, ip):
    ip.minimum_guarantee = Decimal("2500000.00")
    ip.save()
    today = timezone.localdate()
    return services.apply_for_license(owner, studio, ip, **terms(
        starts_on=today, ends_on=today + D(days=200), minimum_guarantee=Decimal("1234567.50")))


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_minimum_guarantees_read_grouped_by_thousands(client, holder, owner, ip,
                                                      big_application, language):
    """The IP's terms, the application and both license tables read ¥1,234,567.50."""
    logged_in(client, owner, language)
    page = client.get(reverse("library:ip", args=[ip.slug])).content.decode()
    assert "¥2,500,000.00" in page and "¥2500000.00" not in page
    logged_in(client, holder, language)
    page = client.get(reverse("library:application", args=[big_application.pk])).content.decode()
    assert "¥1,234,567.50" in page and "¥1234567.50" not in page
    client.post(reverse("library:accept", args=[big_application.pk]), {"note": ""})
    page = client.get(reverse("library:licenses")).content.decode()
    assert "¥1,234,567.50" in page and "¥1234567.50" not in page
    logged_in(client, owner, language)
    page = client.get(reverse("library:licenses")).content.decode()
    assert "¥1,234,567.50" in page and "¥1234567.50" not in page


IP_POST = {"title": "New Novel", "original_author": "Me", "kind": "novel", "synopsis": "",
           "licensor_share": "0.25", "minimum_guarantee": "-500", "term_months": "12",
           "territories": "CN", "tags": ""}


@pytest.mark.parametrize("language,message", [
    ("en", "The minimum guarantee cannot be negative."),
    ("zh-hans", "保底金额不能为负数"),
])
def test_an_ip_cannot_be_listed_with_a_negative_minimum_guarantee(client, holder, language,
                                                                   message):
    logged_in(client, holder, language)
    response = client.post(reverse("library:ip_create"), IP_POST)
    assert response.status_code == 400 and not IP.objects.filter(title="New Novel").exists()
    assert response.context["form"].errors["minimum_guarantee"]
    page = response.content.decode()
    assert message in page and 'value="New Novel"' in page  # what was typed stays


def test_an_ip_cannot_be_edited_to_a_negative_minimum_guarantee(client, holder, ip):
    logged_in(client, holder, "en")
    response = client.post(reverse("library:ip_edit", args=[ip.slug]),
                           {**IP_POST, "title": ip.title})
    assert response.status_code == 400 and response.context["form"].errors["minimum_guarantee"]
    ip.refresh_from_db()
    assert ip.minimum_guarantee == Decimal("0.00")


def test_the_service_refuses_a_negative_minimum_guarantee(holder, ip):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.create_ip(holder, title="Neg", kind="novel",
                           minimum_guarantee=Decimal("-1.00"))
    with pytest.raises(ValidationError):
        services.update_ip(holder, ip, minimum_guarantee=Decimal("-1.00"))
    ip.refresh_from_db()
    assert ip.minimum_guarantee == Decimal("0.00") and not IP.objects.filter(title="Neg").exists()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_too_long_note_is_refused_not_dropped(client, holder, owner, big_application,
                                                language):
    """Accepting with a note over 1,000 characters used to grant the license and silently
    throw the note away; now nothing happens, the page says why and keeps the text."""
    logged_in(client, holder, language)
    note = "条款说明" * 300  # 1,200 characters
    response = client.post(reverse("library:accept", args=[big_application.pk]), {"note": note})
    big_application.refresh_from_db()
    assert big_application.status == LicenseApplication.Status.PENDING
    assert big_application.license_id is None
    assert response.status_code == 400
    page = response.content.decode()
    assert note in page  # the typed note is still in the box
    error = response.context["note_form"].errors["note"][0]
    assert f'<p class="error" role="alert">{error}</p>' in page
    if language == "en":
        assert "at most 1000 characters" in error
    response = client.post(reverse("library:decline", args=[big_application.pk]),
                           {"note": note})
    big_application.refresh_from_db()
    assert response.status_code == 400
    assert big_application.status == LicenseApplication.Status.PENDING
    assert big_application.events.count() == 1
