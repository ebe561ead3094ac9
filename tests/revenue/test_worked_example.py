"""The worked example of DOMAIN.md through the management commands."""

import json

import pytest
from django.core.management.base import CommandError

from revenue.models import LedgerEntry, SettlementRun
from tests.conftest import make_user
from tests.revenue.conftest import run, statement


def _steps(example):
    for step in json.loads((example / "steps.json").read_text()):
        if "import" in step:
            run("import_revenue", str(example / step["import"]), "--platform", step["platform"])
        else:
            run("settle", step["settle"])


def test_the_worked_example_prints_the_two_statements_of_the_domain(example):
    _steps(example)
    moon = statement("--studio", "moonlight", "2026-02")
    assert moon["totals"] == {
        "opening_balance": "0.00", "earned_share": "16150.95", "incentives": "4615.10",
        "mg_advanced": "4000.00", "mg_recouped": "4000.00", "payouts": "0.00",
        "closing_balance": "20766.05",
    }
    zhwx = statement("--licensor", "zhwx", "2026-02")
    assert zhwx["totals"] == {
        "opening_balance": "0.00", "earned_share": "6769.65", "incentives": "0.00",
        "mg_advanced": "500.00", "mg_recouped": "500.00", "payouts": "0.00",
        "closing_balance": "6769.65",
    }
    first = moon["lines"][0]
    assert (first["episode_ref"], first["minute_part"], first["ad_part"], first["base"],
            first["royalty"], first["studio_share"]) == (
        "EP-BK-001", "7500.00", "1641.00", "9141.00", "2742.30", "6398.70")
    assert first["policy_version"]["valid_from"] == "2026-01-01"
    late_feb = [x for x in moon["lines"] if x["date"] == "2026-02-20"]
    assert {x["coefficients"]["category_coefficient"] for x in late_feb} == {"40", "5"}
    assert len(moon["lines"]) == 5 and not any(x["late"] for x in moon["lines"])
    assert len(zhwx["lines"]) == 3


def test_settling_again_changes_nothing(example):
    _steps(example)
    before = LedgerEntry.objects.count()
    assert "already settled" in run("settle", "2026-02")
    assert LedgerEntry.objects.count() == before
    assert SettlementRun.objects.count() == 1


def test_the_csv_statement_ends_with_the_totals(example):
    _steps(example)
    out = run("statement", "--studio", "moonlight", "2026-02", "--format", "csv")
    assert out.splitlines()[0].startswith("date,platform,episode_ref")
    assert "closing_balance,20766.05" in out.splitlines()


def test_the_same_file_is_refused_a_second_time(example):
    _steps(example)
    with pytest.raises(CommandError, match="already imported"):
        run("import_revenue", str(example / "feb.csv"), "--platform", "hongguo")


def test_a_payee_with_nothing_in_the_period_gets_an_all_zero_statement(example):
    from creators.services import create_studio

    create_studio(make_user("idle"), "Idle", slug="idle")
    _steps(example)
    st = statement("--studio", "idle", "2026-02")
    assert st["lines"] == [] and set(st["totals"].values()) == {"0.00"}


def test_a_statement_of_an_unsettled_period_is_refused(example):
    with pytest.raises(CommandError, match="not settled"):
        run("statement", "--studio", "moonlight", "2026-03")
