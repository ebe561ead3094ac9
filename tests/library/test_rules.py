"""The licensing rules, in the service layer and in the database."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from creators.models import Series
from creators.services import approve_episode
from library import services
from library.models import License
from tests.library.conftest import TODAY, terms

D = datetime.timedelta


def test_an_exclusive_license_refuses_any_overlapping_license(ip, studio, other_studio):
    services.grant_license(ip, studio, **terms())
    for exclusive in (True, False):
        with pytest.raises(ValidationError) as error:
            services.grant_license(ip, other_studio, **terms(
                exclusive=exclusive, starts_on=TODAY + D(days=364),
                ends_on=TODAY + D(days=400)))
        assert error.value.code == "overlap"
    assert License.objects.filter(ip=ip).count() == 1


def test_a_license_after_the_exclusive_term_is_granted(ip, studio, other_studio):
    services.grant_license(ip, studio, **terms())
    later = services.grant_license(ip, other_studio, **terms(
        starts_on=TODAY + D(days=365), ends_on=TODAY + D(days=500)))
    assert later.pk


def test_an_exclusive_license_is_refused_while_a_non_exclusive_one_overlaps(
        ip, studio, other_studio):
    services.grant_license(ip, studio, **terms(exclusive=False))
    with pytest.raises(ValidationError):
        services.grant_license(ip, other_studio, **terms(starts_on=TODAY + D(days=100)))


def test_non_exclusive_licenses_may_overlap(ip, studio, other_studio):
    services.grant_license(ip, studio, **terms(exclusive=False))
    services.grant_license(ip, other_studio, **terms(exclusive=False))
    assert License.objects.filter(ip=ip).count() == 2


def test_exclusive_is_refused_when_the_holder_does_not_offer_it(ip, studio):
    ip.exclusive_allowed = False
    ip.save()
    with pytest.raises(ValidationError) as error:
        services.grant_license(ip, studio, **terms())
    assert error.value.code == "exclusive_not_offered"


@pytest.mark.parametrize("first,second", [(True, True), (True, False), (False, True)])
def test_the_database_refuses_overlaps_that_bypass_the_service(
        ip, studio, other_studio, first, second):
    License.objects.create(ip=ip, studio=studio, **terms(exclusive=first))
    with pytest.raises(IntegrityError), transaction.atomic():
        License.objects.create(ip=ip, studio=other_studio, **terms(
            exclusive=second, starts_on=TODAY + D(days=30)))
    assert License.objects.filter(ip=ip).count() == 1


def test_the_database_refuses_an_update_that_creates_an_overlap(ip, studio, other_studio):
    License.objects.create(ip=ip, studio=studio, **terms())
    later = License.objects.create(ip=ip, studio=other_studio, **terms(
        exclusive=False, starts_on=TODAY + D(days=400), ends_on=TODAY + D(days=500)))
    with pytest.raises(IntegrityError), transaction.atomic():
        License.objects.filter(pk=later.pk).update(starts_on=TODAY + D(days=10))
    License.objects.filter(pk=later.pk).update(ends_on=TODAY + D(days=600))


def test_the_database_allows_non_exclusive_overlaps(ip, studio, other_studio):
    License.objects.create(ip=ip, studio=studio, **terms(exclusive=False))
    License.objects.create(ip=ip, studio=other_studio, **terms(exclusive=False))
    assert License.objects.count() == 2


def _series(studio, license):
    return Series.objects.create(studio=studio, slug=f"s-{studio.slug}", title="S",
                                 category="premium_2d", license=license)


def test_a_series_needs_a_license_of_its_own_studio(ip, studio, other_studio):
    from creators.services import create_series

    license = services.grant_license(ip, other_studio, **terms(
        starts_on=datetime.date.today() - D(days=10),
        ends_on=datetime.date.today() + D(days=100)))
    with pytest.raises(ValidationError) as error:
        create_series(studio, title="Mine", category="premium_2d", license=license)
    assert error.value.code == "not_owner"
    assert create_series(other_studio, title="Theirs", category="premium_2d",
                         license=license).license == license


def test_an_episode_is_not_published_outside_the_license_term(ip, studio):
    license = services.grant_license(ip, studio, **terms())
    episode = _series(studio, license).episodes.create(number=1, title="E1", ref="EP-1",
                                                       status="submitted")
    with pytest.raises(ValidationError) as error:
        approve_episode(episode, "A", None, license.ends_on + D(days=1))
    assert error.value.code == "outside_term"
    approve_episode(episode, "A", None, license.ends_on)
    episode.refresh_from_db()
    assert episode.status == "published"


def test_an_expired_license_blocks_new_episodes_but_keeps_past_ones(ip, studio):
    license = services.grant_license(ip, studio, **terms())
    series = _series(studio, license)
    series.episodes.create(number=1, title="E1", ref="EP-1", status="published",
                           published_on=TODAY + D(days=5))
    services.assert_can_add_episode(series, license.ends_on)
    with pytest.raises(ValidationError) as error:
        services.assert_can_add_episode(series, license.ends_on + D(days=1))
    assert error.value.code == "expired"
    assert series.episodes.get().status == "published"


def test_an_original_series_is_never_blocked(studio):
    series = Series.objects.create(studio=studio, slug="orig", title="O",
                                   category="standard")
    services.assert_can_add_episode(series, TODAY)


def test_a_series_cannot_be_made_on_an_expired_license(ip, studio):
    from creators.services import create_series

    today = datetime.date.today()
    license = services.grant_license(ip, studio, **terms(
        starts_on=today - D(days=400), ends_on=today - D(days=30)))
    with pytest.raises(ValidationError) as error:
        create_series(studio, title="Late", category="premium_2d", license=license)
    assert error.value.code == "outside_term"
