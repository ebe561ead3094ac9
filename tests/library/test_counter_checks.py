"""A rights holder's counter-offer obeys the rules the studio's application does (no start
in the past, exclusive only where offered), and accepting terms re-checks the start: a
proposal left waiting past its start day is never granted backdated."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from library import services
from library.models import License, LicenseApplication
from tests.conftest import logged_in
from tests.library.conftest import terms

D = datetime.timedelta
PAST = "The term cannot start in the past."
NOT_OFFERED = "The rights holder does not offer exclusive licenses."


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def application(owner, studio, ip, today):
    return services.apply_for_license(owner, studio, ip, **terms(
        exclusive=False, starts_on=today, ends_on=today + D(days=200)))


def _counter_post(start, end, exclusive=False):
    post = {"starts_on": start.isoformat(), "ends_on": end.isoformat(),
            "licensor_share": "0.4", "minimum_guarantee": "800.00", "territories": "CN",
            "note": "better terms"}
    if exclusive:
        post["exclusive"] = "on"
    return post


def _still_pending(application):
    application.refresh_from_db()
    assert application.status == LicenseApplication.Status.PENDING
    assert [e.action for e in application.events.all()] == ["applied"]


def test_a_counter_offer_cannot_start_in_the_past(holder, application, today):
    with pytest.raises(ValidationError) as error:
        services.counter_application(holder, application, **terms(
            exclusive=False, starts_on=today - D(days=1), ends_on=today + D(days=100)))
    assert error.value.code == "past"
    _still_pending(application)


def test_a_counter_offer_cannot_be_exclusive_where_the_holder_offers_none(
        holder, ip, application, today):
    ip.exclusive_allowed = False
    ip.save()
    with pytest.raises(ValidationError) as error:
        services.counter_application(holder, application, **terms(
            exclusive=True, starts_on=today, ends_on=today + D(days=100)))
    assert error.value.code == "exclusive_not_offered"
    _still_pending(application)


@pytest.mark.parametrize("exclusive, message", [(False, PAST), (True, NOT_OFFERED)])
def test_the_counter_form_says_why_it_was_refused(client, holder, ip, application, today,
                                                  exclusive, message):
    ip.exclusive_allowed = False
    ip.save()
    start = today if exclusive else today - D(days=3)
    logged_in(client, holder, "en")
    response = client.post(reverse("library:counter", args=[application.pk]),
                           _counter_post(start, today + D(days=90), exclusive))
    assert response.status_code == 400
    assert message in response.context["counter_form"].non_field_errors()
    assert message in response.content.decode()
    _still_pending(application)


def test_the_holder_cannot_accept_a_proposal_whose_start_has_passed(
        holder, owner, studio, ip, today):
    application = services.apply_for_license(
        owner, studio, ip, today=today - D(days=10),
        **terms(exclusive=False, starts_on=today - D(days=5), ends_on=today + D(days=100)))
    with pytest.raises(ValidationError) as error:
        services.accept_application(holder, application)
    assert error.value.code == "past"
    assert not License.objects.exists()
    _still_pending(application)


def test_the_studio_cannot_accept_a_counter_whose_start_has_passed(
        holder, owner, studio, application, today):
    services.counter_application(holder, application, today=today - D(days=10), **terms(
        exclusive=False, starts_on=today - D(days=2), ends_on=today + D(days=100)))
    with pytest.raises(ValidationError) as error:
        services.accept_application(owner, application)
    assert error.value.code == "past"
    application.refresh_from_db()
    assert application.status == LicenseApplication.Status.COUNTERED
    assert not License.objects.exists()


def test_terms_starting_today_are_still_accepted(holder, application):
    license = services.accept_application(holder, application)
    assert license.starts_on == timezone.localdate()
