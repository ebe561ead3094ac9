"""Fixtures of the revenue tests: the shared worked example, loaded through the commands."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

EXAMPLE = Path(__file__).resolve().parents[2] / ".." / "shared" / "examples" / "settlement"


def example_dir() -> Path:
    if not EXAMPLE.is_dir():
        pytest.fail(f"the worked example is missing: {EXAMPLE}")
    return EXAMPLE


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
