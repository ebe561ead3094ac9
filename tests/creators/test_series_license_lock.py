"""A series' license is fixed once anything earns under it: its royalty goes to the rights
holder, so a studio may not drop the license (or switch it) once an episode is submitted
or published, or a revenue line exists; before that a mis-chosen license may be changed."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from creators import services
from creators.catalog import import_catalog
from creators.models import Episode, Series, Studio, User
from library.models import IP, License
from revenue.queries import statement
from revenue.services import create_policy, import_revenue, settle
from tests.conftest import make_user
from tests.revenue.conftest import POLICY, catalog, csv_bytes

pytestmark = pytest.mark.django_db

EDIT = {"title": "Tale renamed", "synopsis": "new words", "category": "premium_2d",
        "exclusive": "on", "license": ""}


@pytest.fixture
def earning():
    """Studio sun's series 'tale' under rights holder rh's license (30 %), one episode
    published and one revenue line imported: base 500.00, royalty 150.00."""
    import_catalog(catalog([("E1", "2026-01-02", "C", 60)]))
    create_policy(POLICY)
    import_revenue(io.BytesIO(csv_bytes(["2026-01-10,E1,1,10000.00,0.00"])), "hongguo")
    return Series.objects.get(slug="tale")


def _edit(client, series, data, language="en"):
    client.force_login(series.studio.memberships.get().user)
    client.cookies["django_language"] = language
    return client.post(reverse("creators:series_edit", args=[series.studio.slug, series.slug]),
                       data)


def _license(studio, slug, share="0.3000"):
    holder = make_user(f"holder-{slug}", is_rights_holder=True)
    ip = IP.objects.create(slug=slug, title=f"Novel {slug}", rights_holder=holder,
                           kind="novel")
    today = timezone.localdate()
    return License.objects.create(
        ip=ip, studio=studio, exclusive=False, licensor_share=share,
        starts_on=today - datetime.timedelta(days=1), ends_on=today + datetime.timedelta(days=300))


def test_dropping_the_license_of_an_earning_series_is_refused_next_to_the_field(
        client, earning):
    license = earning.license
    response = _edit(client, earning, EDIT)
    assert response.status_code == 200
    form = response.context["form"]
    assert "can no longer be removed or changed" in " ".join(form.errors["license"])
    assert list(form.errors) == ["license"]
    page = response.content.decode()
    assert 'value="Tale renamed"' in page and "new words" in page  # the input is kept
    earning.refresh_from_db()
    assert (earning.license, earning.title, earning.synopsis) == (license, "Tale", "")

    settle("2026-01")
    royalty = statement("2026-01", licensor=User.objects.get(username="rh"))["totals"]
    assert royalty["earned_share"] == "150.00"


def test_the_refusal_is_in_chinese_too(client, earning):
    response = _edit(client, earning, EDIT, language="zh-hans")
    assert "授权不能再移除或更换" in " ".join(response.context["form"].errors["license"])
    assert Series.objects.get(slug="tale").license_id is not None


def test_a_revenue_line_alone_locks_the_license(earning):
    # Whatever became of the episode since (an admin may set its status by hand), its line
    # is still settled with the series' license.
    Episode.objects.filter(series=earning).update(status=Episode.Status.DRAFT)
    series = Series.objects.get(pk=earning.pk)
    series.license = None  # as a bound ModelForm leaves it before the service runs
    with pytest.raises(ValidationError):
        services.update_series(series, license=None)
    assert Series.objects.get(pk=earning.pk).license_id == earning.license_id


def test_a_license_can_be_changed_until_an_episode_is_submitted(client, owner, studio):
    first, second = _license(studio, "first"), _license(studio, "second")
    series = services.create_series(studio, title="Moon", synopsis="", category="standard",
                                    exclusive=False, license=first)
    episode = services.create_episode(series, 1, "One")
    data = {"title": "Moon", "synopsis": "", "category": "standard"}

    _edit(client, series, {**data, "license": second.pk})  # only a draft: a mis-choice
    series.refresh_from_db()
    assert series.license == second

    services.submit_episode(episode)
    response = _edit(client, series, {**data, "license": first.pk})
    assert "license" in response.context["form"].errors
    series.refresh_from_db()
    assert series.license == second


@pytest.mark.parametrize("status", [Episode.Status.SUBMITTED, Episode.Status.IN_REVIEW,
                                    Episode.Status.APPROVED, Episode.Status.PUBLISHED,
                                    Episode.Status.TAKEN_DOWN])
def test_an_episode_on_its_way_to_earning_locks_the_license(studio, status):
    license = _license(studio, "ip")
    series = services.create_series(studio, title="Moon", synopsis="", category="standard",
                                    exclusive=False, license=license)
    services.create_episode(series, 1, "One")
    services.create_episode(series, 2, "Two")
    Episode.objects.filter(series=series, number=2).update(status=status)
    with pytest.raises(ValidationError):
        services.update_series(series, license=None)
    with pytest.raises(ValidationError):
        services.update_series(series, license=_license(studio, "other"))
    assert Series.objects.get(pk=series.pk).license == license


def test_the_admin_shows_a_locked_license_read_only_and_keeps_it(client, earning):
    admin = User.objects.create_superuser("boss", "boss@example.com", "pw-Secret-123")
    client.force_login(admin)
    url = reverse("admin:creators_series_change", args=[earning.pk])
    form = client.get(url).context["adminform"].form
    assert "license" not in form.fields
    client.post(url, {"studio": earning.studio_id, "slug": "tale", "title": "Tale",
                      "synopsis": "", "category": "premium_2d", "exclusive": "on",
                      "license": ""})
    assert Series.objects.get(pk=earning.pk).license_id is not None

    open_series = services.create_series(Studio.objects.get(slug="sun"), title="Open",
                                         synopsis="", category="standard", exclusive=False)
    form = client.get(reverse("admin:creators_series_change", args=[open_series.pk])
                      ).context["adminform"].form
    assert "license" in form.fields


def test_a_royalty_stays_with_the_license_the_lines_were_made_under(client, earning):
    """Switching to a cheaper license of the studio's own is refused like dropping it."""
    cheap = _license(earning.studio, "cheap", share=Decimal("0.0100"))
    _edit(client, earning, {**EDIT, "license": cheap.pk})
    settle("2026-01")
    royalty = statement("2026-01", licensor=User.objects.get(username="rh"))["totals"]
    assert royalty["earned_share"] == "150.00"
