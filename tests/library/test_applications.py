"""Applying for a license: apply, counter, accept, decline, and the recorded steps."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from library import services
from library.models import ApplicationEvent, License, LicenseApplication
from tests.library.conftest import TODAY, terms

D = datetime.timedelta


def _apply(user, studio, ip, **overrides):
    return services.apply_for_license(user, studio, ip, today=TODAY, **terms(**overrides))


def test_the_holder_accepts_and_the_studio_gets_the_license(holder, owner, studio, ip):
    application = _apply(owner, studio, ip)
    license = services.accept_application(holder, application, "ok", today=TODAY)
    assert license.studio == studio and license.exclusive
    assert license.minimum_guarantee == Decimal("500.00")
    application.refresh_from_db()
    assert application.status == "accepted" and application.license == license
    steps = [(e.action, e.actor) for e in application.events.all()]
    assert steps == [("applied", owner), ("accepted", holder)]
    assert all(e.at is not None for e in application.events.all())


def test_a_counter_is_accepted_by_the_studio_on_the_countered_terms(
        holder, owner, member, studio, ip):
    application = _apply(owner, studio, ip)
    services.counter_application(holder, application, note="more", today=TODAY,
                                 **terms(licensor_share=Decimal("0.45"),
                                         minimum_guarantee=Decimal("2000.00")))
    with pytest.raises(PermissionDenied):
        services.accept_application(holder, application)  # the studio's turn now
    license = services.accept_application(member, application, today=TODAY)
    assert license.licensor_share == Decimal("0.45")
    events = list(application.events.all())
    assert [e.action for e in events] == ["applied", "countered", "accepted"]
    assert events[1].terms["licensor_share"] == "0.45" and events[1].actor == holder
    assert events[0].terms["licensor_share"] == "0.3000"


def test_staff_may_decide_for_the_holder(make_staff, owner, studio, ip):
    application = _apply(owner, studio, ip)
    services.decline_application(make_staff, application, "no")
    application.refresh_from_db()
    assert application.status == "declined"
    assert application.events.last().actor == make_staff


def test_the_studio_withdraws_and_then_nobody_can_accept(holder, owner, studio, ip):
    application = _apply(owner, studio, ip)
    services.decline_application(owner, application)
    assert application.status == "withdrawn"
    with pytest.raises(ValidationError):
        services.accept_application(holder, application)
    assert not License.objects.exists()


def test_an_application_is_refused_while_an_exclusive_license_overlaps(
        holder, owner, studio, outsider, other_studio, ip):
    services.accept_application(holder, _apply(owner, studio, ip, exclusive=False), today=TODAY)
    with pytest.raises(ValidationError):
        _apply(outsider, other_studio, ip)
    _apply(outsider, other_studio, ip, exclusive=False)


def test_accepting_is_refused_once_a_competing_exclusive_license_was_granted(
        holder, owner, studio, outsider, other_studio, ip):
    first = _apply(owner, studio, ip)
    second = _apply(outsider, other_studio, ip)
    services.accept_application(holder, first, today=TODAY)
    with pytest.raises(ValidationError):
        services.accept_application(holder, second, today=TODAY)
    second.refresh_from_db()
    assert second.status == "pending" and License.objects.count() == 1


def test_another_studio_cannot_act_on_an_application(holder, owner, studio, outsider, ip):
    application = _apply(owner, studio, ip)
    for act in (services.accept_application, services.decline_application):
        with pytest.raises(PermissionDenied):
            act(outsider, application)
    with pytest.raises(PermissionDenied):
        services.counter_application(outsider, application, **terms())
    with pytest.raises(PermissionDenied):
        _apply(outsider, studio, ip)  # not a member of that studio


def test_a_term_in_the_past_is_refused(owner, studio, ip):
    with pytest.raises(ValidationError):
        _apply(owner, studio, ip, starts_on=TODAY - D(days=1))


def test_application_events_are_append_only(owner, studio, ip):
    event = _apply(owner, studio, ip).events.get()
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        ApplicationEvent.objects.filter(pk=event.pk).update(note="rewritten")
    with pytest.raises(ValueError):
        event.delete()
    assert LicenseApplication.objects.get().events.get().note == ""
