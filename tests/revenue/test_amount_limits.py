"""The largest amount kept (MAX_MONEY, 15 significant digits) holds on every database: an
amount up to it reads back exactly; a file, a policy or a settlement that would make a
larger one is refused with its reason and changes nothing. Before, 99,999,999,999,999.99
was accepted: PostgreSQL's numeric(16, 2) overflowed on the line's base (a 500 for the
upload), and SQLite kept it but Django could not read it back (every page of the line
failed)."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from creators.catalog import import_catalog
from creators.models import Studio
from revenue.models import LedgerEntry, RevenueLine, SettlementRun
from revenue.services import (
    MAX_MONEY,
    RevenueError,
    create_policy,
    import_revenue,
    platform_account,
    post,
    settle,
    studio_account,
)
from tests.conftest import logged_in, make_user
from tests.revenue.conftest import POLICY, catalog, csv_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(db):
    # One exclusive series (ad coefficient 2) licensed at a 30 % share.
    import_catalog(catalog([("E1", "2026-01-02", "C", 60), ("E2", "2026-01-02", "C", 60)]))
    create_policy(POLICY)


def load(*rows):
    return import_revenue(io.BytesIO(csv_bytes(rows)), "hongguo")


def refused(*rows) -> list[str]:
    with pytest.raises(RevenueError) as err:
        load(*rows)
    assert RevenueLine.objects.count() == 0
    return err.value.problems


def test_the_largest_amount_has_fifteen_digits():
    assert MAX_MONEY == Decimal("9999999999999.99")


def test_amounts_up_to_the_largest_read_back_exactly(setup):
    load("2026-02-03,E1,10,0.00,4999999999999.99", "2026-02-04,E1,10,9999999999999.99,0.00")
    big, minutes = RevenueLine.objects.order_by("date")
    assert big.ad_revenue == Decimal("4999999999999.99")
    assert (big.base, big.royalty, big.studio_share) == (
        Decimal("9999999999999.98"), Decimal("2999999999999.99"), Decimal("6999999999999.99"))
    assert minutes.valid_minutes == MAX_MONEY


@pytest.mark.parametrize("field, row", [
    ("ad_revenue", "2026-02-03,E1,10,0.00,10000000000000.00"),
    ("ad_revenue", "2026-02-03,E1,10,0.00,99999999999999.99"),
    ("valid_minutes", "2026-02-03,E1,10,99999999999999.99,0.00"),
])
def test_a_figure_over_the_largest_amount_is_refused(setup, field, row):
    assert refused(row) == [f"row 2: {field} is too large"]


def test_a_line_whose_base_would_be_over_it_is_refused(setup):
    # Each figure fits; twice the ad revenue does not.
    problems = refused("2026-02-03,E1,10,0.00,1.00", "2026-02-04,E1,10,0.00,5000000000000.00")
    assert problems == ["row 3: its base would be 10000000000000.00, over the largest amount "
                        "kept, 9999999999999.99"]


def test_the_upload_page_shows_the_refusal(client, setup):
    logged_in(client, make_user("fin", is_finance=True), "en")
    data = SimpleUploadedFile("feb.csv", csv_bytes(["2026-02-03,E1,10,0.00,99999999999999.99"]))
    page = client.post(reverse("revenue:imports"), {"platform": "hongguo", "file": data})
    assert page.status_code == 400
    assert "row 2: ad_revenue is too large" in page.content.decode()
    assert RevenueLine.objects.count() == 0


def test_a_settlement_repricing_a_line_over_it_is_refused_and_changes_nothing(setup):
    load("2026-02-03,E1,10,0.00,2499999999999.99")
    line = RevenueLine.objects.get()
    rich = dict(POLICY, name="Rich", valid_from="2026-02-01",
                ad_coefficients={"exclusive": "5.00", "non_exclusive": "1.00"})
    create_policy(rich)
    with pytest.raises(RevenueError) as err:
        settle("2026-02")
    assert err.value.problems == [
        "2026-02 cannot be settled: the line of 2026-02-03 hongguo E1 under Rich: its base "
        "would be 12499999999999.95, over the largest amount kept, 9999999999999.99"]
    assert not SettlementRun.objects.exists() and not LedgerEntry.objects.exists()
    line.refresh_from_db()
    assert line.base == Decimal("4999999999999.98") and line.policy.name == "Launch"


def test_a_settlement_whose_posting_would_be_over_it_is_refused(setup):
    # Two lines fit, and so does each base; the series' share of the period does not.
    load("2026-02-03,E1,10,0.00,4999999999999.99", "2026-02-04,E2,10,0.00,4999999999999.99")
    with pytest.raises(RevenueError) as err:
        settle("2026-02")
    assert "over the largest amount the ledger keeps, 9999999999999.99" in err.value.problems[0]
    assert not SettlementRun.objects.exists() and not LedgerEntry.objects.exists()


def test_a_ledger_transaction_over_it_is_refused(setup):
    studio = Studio.objects.get(slug="sun")
    with pytest.raises(RevenueError):
        post("2026-02", datetime.date(2026, 2, 1), "too much", [
            {"account": studio_account(studio), "kind": "share", "amount": MAX_MONEY + 1},
            {"account": platform_account("platform_revenue"), "kind": "platform",
             "amount": -(MAX_MONEY + 1)}])
    assert not LedgerEntry.objects.exists()
