"""Catalog import against what the database already holds: a series may be made under a
license the studio already has (its episodes inside that license's term), and a new
license is judged by the library's exclusivity rules against the licenses stored."""

import datetime

import pytest

from creators.catalog import CatalogError, import_catalog
from creators.models import Series, Studio
from library.models import IP, License
from tests.revenue.conftest import catalog

pytestmark = pytest.mark.django_db


def _series(slug, *days, studio="sun", ip="tale"):
    return {"series": [{"slug": slug, "studio": studio, "title": slug, "category": "standard",
                        "ip": ip}],
            "episodes": [{"ref": f"{slug}-{i}", "series": slug, "number": i + 1,
                          "title": f"{slug} {i}", "duration_seconds": 60, "grade": "C",
                          "published_on": day} for i, day in enumerate(days)]}


def _problems(data) -> list[str]:
    with pytest.raises(CatalogError) as err:
        import_catalog(data)
    return err.value.problems


@pytest.fixture
def sun_holds_tale():
    """Studio sun holds an exclusive license of IP tale for 2026 (from an earlier import)."""
    import_catalog(catalog([("E1", "2026-01-02", "C", 60)]))
    return License.objects.get(ip__slug="tale", studio__slug="sun")


def test_a_series_under_a_license_the_studio_already_holds_is_imported(sun_holds_tale):
    import_catalog(_series("tale-2", "2026-03-01"))
    assert Series.objects.get(slug="tale-2").license == sun_holds_tale

    import_catalog({"users": [{"username": "moon-owner"}],
                    "studios": [{"slug": "moon", "name": "Moon", "owner": "moon-owner"}]})
    assert _problems(_series("tale-moon", "2026-03-01", studio="moon")) == [
        "series[0] tale-moon: studio moon has no license for IP 'tale'"]  # sun's, not moon's


def test_its_episodes_must_lie_inside_that_licenses_term(sun_holds_tale):
    problems = _problems(_series("tale-2", "2026-03-01", "2027-02-01"))
    assert problems == ["episodes[1] tale-2-1: published on 2027-02-01, outside the license "
                        "term 2026-01-01–2026-12-31"]
    assert not Series.objects.filter(slug="tale-2").exists()


def test_a_renewed_license_is_chosen_by_the_episodes_dates(sun_holds_tale):
    renewal = License.objects.create(
        ip=sun_holds_tale.ip, studio=sun_holds_tale.studio, exclusive=True,
        starts_on=datetime.date(2027, 1, 1), ends_on=datetime.date(2027, 12, 31),
        licensor_share="0.2000")
    import_catalog({"series": [*_series("old", "2026-05-01")["series"],
                               *_series("renewed", "2027-05-01")["series"]],
                    "episodes": [*_series("old", "2026-05-01")["episodes"],
                                 *_series("renewed", "2027-05-01")["episodes"]]})
    assert Series.objects.get(slug="old").license == sun_holds_tale
    assert Series.objects.get(slug="renewed").license == renewal

    problems = _problems(_series("both", "2026-05-01", "2027-05-01"))
    assert problems == ["series[0] both: no single license of studio sun for IP 'tale' covers "
                        "every episode's publish date (2026-05-01–2027-05-01); its terms: "
                        "2027-01-01–2027-12-31, 2026-01-01–2026-12-31"]


def test_two_licenses_covering_the_same_episodes_are_not_guessed_between(db):
    data = catalog([("E1", "2026-01-02", "C", 60)])
    data["licenses"][0]["exclusive"] = False
    import_catalog(data)
    License.objects.create(ip=IP.objects.get(slug="tale"), studio=Studio.objects.get(slug="sun"),
                           exclusive=False, starts_on=datetime.date(2026, 6, 1),
                           ends_on=datetime.date(2026, 12, 31), licensor_share="0.1000")
    problems = _problems(_series("tale-2", "2026-07-01"))
    assert problems == ["series[0] tale-2: studio sun holds more than one license for IP "
                        "'tale' covering its episodes (2026-06-01–2026-12-31, "
                        "2026-01-01–2026-12-31): the catalog cannot tell which one it is "
                        "made under"]


def test_a_non_exclusive_license_is_refused_only_by_an_exclusive_one_it_overlaps(db):
    """Library rules: an exclusive license excludes every other license on the IP for
    overlapping dates; non-exclusive licenses may overlap one another."""
    data = catalog([("E1", "2026-01-02", "C", 60)])  # sun: exclusive, all of 2026
    import_catalog(data)
    tale = IP.objects.get(slug="tale")
    License.objects.create(ip=tale, studio=Studio.objects.get(slug="sun"), exclusive=False,
                           starts_on=datetime.date(2027, 1, 1),
                           ends_on=datetime.date(2027, 12, 31), licensor_share="0.3000")
    newcomer = {"users": [{"username": "moon-owner"}],
                "studios": [{"slug": "moon", "name": "Moon", "owner": "moon-owner"}]}

    def license_for_moon(starts_on, ends_on):
        return {**newcomer, "licenses": [{"ip": "tale", "studio": "moon", "exclusive": False,
                                          "starts_on": starts_on, "ends_on": ends_on,
                                          "licensor_share": "0.30"}]}

    assert _problems(license_for_moon("2026-12-01", "2027-03-31")) == [
        "licenses[0] tale→moon: overlaps an existing license of the same IP"]
    # 2027 holds only sun's non-exclusive license; the exclusive one ended with 2026
    import_catalog(license_for_moon("2027-02-01", "2027-03-31"))
    assert License.objects.filter(ip=tale, studio__slug="moon", exclusive=False).exists()
