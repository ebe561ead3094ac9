"""Catalog import (收片): all or nothing, every problem listed, episodes imported published."""

import copy
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from creators.models import Episode, Series, Studio, User
from library.models import IP, License

EXAMPLE = (Path(__file__).resolve().parents[2] / ".." / "shared" / "examples" / "settlement"
           / "catalog.json")


@pytest.fixture
def data():
    if not EXAMPLE.is_file():
        pytest.fail(f"the worked example is missing: {EXAMPLE}")
    return json.loads(EXAMPLE.read_text())


def run(tmp_path, data) -> str:
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(data, ensure_ascii=False))
    out = io.StringIO()
    call_command("import_catalog", str(path), stdout=out)
    return out.getvalue()


def test_it_imports_the_example_catalog_as_published_episodes(db, tmp_path, data):
    assert "episodes=3" in run(tmp_path, data)
    ep = Episode.objects.get(ref="EP-BK-001")
    assert (ep.status, ep.source, ep.grade, str(ep.published_on)) == (
        "published", "imported", "A", "2026-02-02")
    assert ep.series.license.ip.rights_holder.username == "zhwx"
    assert Series.objects.get(slug="sword").license is None
    assert Studio.objects.get(slug="moonlight").memberships.get().user.username == "lin"
    assert User.objects.get(username="zhwx").is_rights_holder


def test_it_refuses_everything_and_lists_every_problem(db, tmp_path, data):
    bad = copy.deepcopy(data)
    bad["episodes"][1]["published_on"] = "2026-01-15"  # before the license starts
    bad["series"][1]["ip"] = "unknown-ip"  # no license for it
    bad["licenses"][0]["ends_on"] = "2027-01-31"
    bad["episodes"][2]["grade"] = "Z"
    with pytest.raises(CommandError) as err:
        run(tmp_path, bad)
    message = str(err.value)
    assert "EP-BK-002: published on 2026-01-15, outside the license term" in message
    assert "series[1] sword: studio moonlight has no license for IP 'unknown-ip'" in message
    assert "EP-SW-001: grade must be one of S, A, B, C" in message
    assert not Studio.objects.exists() and not IP.objects.exists()
    assert not User.objects.filter(username__in=["lin", "zhwx"]).exists()


def test_it_refuses_a_term_that_ends_before_it_starts_and_overlapping_exclusives(
        db, tmp_path, data):
    bad = copy.deepcopy(data)
    bad["licenses"][0]["ends_on"] = "2026-01-01"
    with pytest.raises(CommandError, match="the term ends before it starts"):
        run(tmp_path, bad)
    overlapping = copy.deepcopy(data)
    overlapping["studios"].append({"slug": "bamboo", "name": "Bamboo", "owner": "lin"})
    overlapping["licenses"].append(
        dict(data["licenses"][0], studio="bamboo", starts_on="2026-06-01",
             ends_on="2027-06-01"))
    with pytest.raises(CommandError, match="overlaps an exclusive license of the same IP"):
        run(tmp_path, overlapping)
    assert not License.objects.exists()


def test_importing_the_same_catalog_twice_is_refused(db, tmp_path, data):
    run(tmp_path, data)
    with pytest.raises(CommandError, match="slug already taken"):
        run(tmp_path, data)
    assert Episode.objects.count() == 3


def _set(path: str, value):
    """An edit of the example at a dotted path ("licenses.0.minimum_guarantee"); DELETE
    removes the key, and a path of one name replaces a whole section."""
    def edit(data):
        *parents, last = path.split(".")
        node = data
        for key in parents:
            node = node[int(key)] if key.isdigit() else node[key]
        key = int(last) if last.isdigit() else last
        if value is DELETE:
            del node[key]
        else:
            node[key] = value
    return edit


DELETE = object()


@pytest.mark.parametrize("edit, problem", [
    (_set("licenses.0.minimum_guarantee", "Infinity"),
     "licenses[0] bookstore→moonlight: minimum_guarantee must be a number, not 'Infinity'"),
    (_set("licenses.0.minimum_guarantee", "1e20"),
     "licenses[0] bookstore→moonlight: minimum_guarantee '1e20' has more than 12 digits "
     "before the point or 2 after"),
    (_set("licenses.0.licensor_share", "0.12345"),
     "licenses[0] bookstore→moonlight: licensor_share '0.12345' has more than 1 digits "
     "before the point or 4 after"),
    (_set("licenses.0.exclusive", "false"),
     "licenses[0] bookstore→moonlight: exclusive must be true or false"),
    (_set("licenses.0.exclusive", DELETE),
     "licenses[0] bookstore→moonlight: exclusive must be true or false"),
    (_set("episodes.0.duration_seconds", "1e10"),
     "episodes[0] EP-BK-001: duration_seconds '1e10' has more than 5 digits before the "
     "point or 3 after"),
    (_set("episodes.0.duration_seconds", 90.1234),
     "episodes[0] EP-BK-001: duration_seconds 90.1234 has more than 5 digits before the "
     "point or 3 after"),
    (_set("episodes.0.number", True),
     "episodes[0] EP-BK-001: number must be a whole number from 1 to 2147483647"),
    (_set("episodes.0.number", 10**30),
     "episodes[0] EP-BK-001: number must be a whole number from 1 to 2147483647"),
    (_set("episodes.0.published_on", 20260202), "episodes[0] EP-BK-001: bad date 20260202"),
    (_set("episodes.0.title", DELETE), "episodes[0] EP-BK-001: title is missing"),
    (_set("studios.0.name", DELETE), "studios[0] moonlight: name is missing"),
    (_set("studios.0.name", "月" * 121),
     "studios[0] moonlight: name is longer than 120 characters"),
    (_set("ips.0.title", DELETE), "ips[0] bookstore: title is missing"),
    (_set("series.1.title", DELETE), "series[1] sword: title is missing"),
    (_set("series.1.slug", "open a sword"),
     "series[1] open a sword: slug may hold only letters, digits, - and _"),
    (_set("users.1.username", DELETE), "users[1] None: username is missing"),
    (_set("studios.0.slug", ["moonlight"]),
     "studios[0]: slug must be text, not ['moonlight']"),
    (_set("users.0.roles", [["creator"]]),
     "users[0]: roles must be a list of role names, not [['creator']]"),
    (_set("users.0", "lin"), "users[0] must be an object"),
    (_set("episodes", {"ref": "EP-BK-001"}), "episodes must be a list"),
], ids=["mg-infinity", "mg-too-big", "share-five-decimals", "exclusive-as-text",
        "exclusive-missing", "duration-too-long", "duration-four-decimals", "number-true",
        "number-too-big", "date-as-number", "episode-without-title", "studio-without-name",
        "studio-name-too-long", "ip-without-title", "series-without-title",
        "slug-with-spaces", "user-without-username", "slug-as-list", "roles-nested",
        "user-as-text", "episodes-as-object"])
def test_a_value_the_catalog_cannot_hold_is_listed_and_nothing_is_stored(
        db, tmp_path, data, edit, problem):
    bad = copy.deepcopy(data)
    edit(bad)
    with pytest.raises(CommandError) as err:
        run(tmp_path, bad)
    assert problem in str(err.value).splitlines()
    assert not Studio.objects.exists() and not License.objects.exists()
    assert not User.objects.exists()


def test_every_bad_value_is_listed_at_once(db, tmp_path, data):
    bad = copy.deepcopy(data)
    bad["licenses"][0]["minimum_guarantee"] = "Infinity"
    del bad["studios"][0]["name"]
    bad["episodes"][2]["duration_seconds"] = "1e10"
    with pytest.raises(CommandError) as err:
        run(tmp_path, bad)
    assert len(str(err.value).splitlines()) == 3


def test_a_slug_the_addresses_use_in_its_place_is_refused(db, tmp_path, data):
    """Generated slugs avoid them; a catalog names its own, and a studio slugged holder
    would have its earnings page answered by the rights holder's."""
    data = json.loads(json.dumps(data))
    old = data["studios"][0]["slug"]
    data["studios"][0]["slug"] = "holder"
    for block in ("series", "licenses"):
        for row in data.get(block, []):
            if row.get("studio") == old:
                row["studio"] = "holder"
    with pytest.raises(CommandError, match="holder: a word the site's addresses use"):
        run(tmp_path, data)
    assert not Studio.objects.filter(slug="holder").exists()
