"""Fixtures of the revenue tests: the shared worked example, loaded through the commands."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils.translation import override

EXAMPLE = Path(__file__).resolve().parents[2] / ".." / "shared" / "examples" / "settlement"


def example_dir() -> Path:
    if not EXAMPLE.is_dir():
        pytest.fail(f"the worked example is missing: {EXAMPLE}")
    return EXAMPLE


@pytest.fixture(autouse=True)
def english():
    """The services, queries and commands called here with no request speak the site's
    default language, Chinese; these tests read their English texts. A page picks its own
    language from the client's cookie (tests.conftest.logged_in)."""
    with override("en"):
        yield


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def statement(*args) -> dict:
    return json.loads(run("statement", *args, "--format", "json"))


@pytest.fixture
def example(db):
    """Catalog and policies of the worked example, no revenue yet."""
    d = example_dir()
    run("import_catalog", str(d / "catalog.json"))
    for p in sorted((d / "policies").glob("*.json")):
        run("import_policy", str(p))
    return d


POLICY = {
    "name": "Launch", "valid_from": "2026-01-01", "minute_price": "0.0005",
    "category_coefficients": {"ai_real": "60", "premium_3d": "50", "premium_2d": "50",
                              "narrated": "10", "standard": "1"},
    "copyright_coefficients": {"exclusive": "2", "non_exclusive": "1"},
    "ad_coefficients": {"exclusive": "2.00", "non_exclusive": "1.00"},
    "mg_per_minute": {"S": "5000", "A": "2000", "B": "500", "C": "0"},
    "hit_bonus_tiers": [{"min_views": 1000000, "bonus": "3000"},
                        {"min_views": 5000000, "bonus": "20000"}],
    "continuous_creation": {"min_episodes": 3, "uplift": "0.10"},
}


def catalog(episodes, license_mg="0.00", share="0.30", ip=True):
    """A studio 'sun' (owner 'sol') with one series 'tale' (premium_2d, exclusive), licensed
    from rights holder 'rh' when ip=True; episodes are (ref, published_on, grade, seconds)."""
    return {
        "users": [{"username": "sol", "roles": ["creator"]},
                  {"username": "rh", "roles": ["rights_holder"]}],
        "studios": [{"slug": "sun", "name": "Sun", "owner": "sol"}],
        "ips": [{"slug": "tale", "title": "Tale", "kind": "novel", "rights_holder": "rh"}],
        "licenses": [{"ip": "tale", "studio": "sun", "exclusive": True,
                      "starts_on": "2026-01-01", "ends_on": "2026-12-31",
                      "licensor_share": share, "minimum_guarantee": license_mg}],
        "series": [{"slug": "tale", "studio": "sun", "title": "Tale", "category": "premium_2d",
                    "exclusive": True, "ip": "tale" if ip else None}],
        "episodes": [{"ref": ref, "series": "tale", "number": i + 1, "title": ref,
                      "duration_seconds": secs, "grade": grade, "published_on": day}
                     for i, (ref, day, grade, secs) in enumerate(episodes)],
    }


def csv_bytes(rows, header="date,episode_ref,valid_views,valid_minutes,ad_revenue") -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()
