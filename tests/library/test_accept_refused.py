"""Accepting an application the rules no longer allow (an exclusive clash) comes back to
the page with the reason beside the decision and the note still typed in; it used to
redirect with a flash and lose the note."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from library import services
from library.models import License, LicenseApplication
from tests.conftest import logged_in
from tests.library.conftest import terms

D = datetime.timedelta
CLASH = ("Another license on this IP overlaps these dates, so an exclusive license cannot "
         "be granted.")
NOTE = "欢迎合作，期待第一集。"


@pytest.fixture
def clashing_application(owner, studio, other_studio, ip):
    today = timezone.localdate()
    application = services.apply_for_license(owner, studio, ip, **terms(
        starts_on=today, ends_on=today + D(days=200)))
    # Granted to another studio after the application came in.
    services.grant_license(ip, other_studio, **terms(
        exclusive=False, starts_on=today, ends_on=today + D(days=30)))
    return application


def test_a_refused_accept_keeps_the_note_and_says_why_beside_the_form(
        client, holder, studio, clashing_application):
    logged_in(client, holder, "en")
    response = client.post(reverse("library:accept", args=[clashing_application.pk]),
                           {"note": NOTE})
    assert response.status_code == 400
    page = response.content.decode()
    form = page[page.index('id="accept-form"'):page.index("</form>", page.index(
        'id="accept-form"'))]
    assert CLASH in form and NOTE in form
    assert 'data-status="pending"' in page  # not the rolled-back "accepted"
    clashing_application.refresh_from_db()
    assert clashing_application.status == LicenseApplication.Status.PENDING
    assert not License.objects.filter(studio=studio).exists()


def test_the_reason_reads_in_chinese(client, holder, clashing_application):
    logged_in(client, holder, "zh-hans")
    response = client.post(reverse("library:accept", args=[clashing_application.pk]),
                           {"note": NOTE})
    assert response.status_code == 400
    assert "独家" in " ".join(response.context["note_form"].non_field_errors())
    assert NOTE in response.content.decode()


def test_an_accept_that_succeeds_still_redirects(client, holder, owner, studio, ip):
    today = timezone.localdate()
    application = services.apply_for_license(owner, studio, ip, **terms(
        starts_on=today, ends_on=today + D(days=200)))
    logged_in(client, holder, "en")
    response = client.post(reverse("library:accept", args=[application.pk]), {"note": NOTE})
    assert response.status_code == 302
    assert License.objects.filter(studio=studio).exists()


def test_a_decline_sends_the_note_typed_above_it(client, holder, owner, studio, ip):
    """The note box belonged to the accept form: a reason typed before Decline was dropped."""
    from library.models import ApplicationEvent

    today = timezone.localdate()
    application = services.apply_for_license(owner, studio, ip, **terms(
        starts_on=today, ends_on=today + D(days=200)))
    client.force_login(holder)
    page = client.get(reverse("library:application", args=[application.pk])).content.decode()
    form = page[page.index('id="accept-form"'):]
    form = form[:form.index("</form>")]
    assert 'name="decline"' in form and "formaction=" in form and 'name="note"' in form
    client.post(reverse("library:decline", args=[application.pk]),
                {"note": "这部作品今年不授权改编。"})
    event = ApplicationEvent.objects.filter(application=application).order_by("-id").first()
    assert event.note == "这部作品今年不授权改编。"
