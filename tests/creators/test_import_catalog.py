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
