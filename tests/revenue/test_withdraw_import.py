"""Finance takes back a wrong file before it is settled: its lines go, the open run's kept
totals follow, settling then gives what it would have given without the file, and the
same file can come in again. A settled line is owed and is never withdrawn."""

import io

import pytest
from django.urls import reverse

from creators.catalog import import_catalog
from creators.models import Studio
from revenue.models import ImportBatch, RevenueLine, RunTotal
from revenue.queries import statement
from revenue.services import RevenueError, create_policy, import_revenue, settle, withdraw_import
from tests.conftest import logged_in, make_user
from tests.revenue.conftest import POLICY, catalog, csv_bytes

pytestmark = pytest.mark.django_db

RIGHT = ["2026-01-10,E1,1000,100.00,5.00", "2026-01-11,E2,2000,300.00,0.00"]
WRONG = ["2026-01-12,E1,9000,900.00,50.00", "2026-01-13,E2,100,10.00,0.00",
         "2026-02-01,E1,5,1.00,0.00"]


def load(rows, platform="hongguo"):
    return import_revenue(io.BytesIO(csv_bytes(rows)), platform, filename=f"{platform}.csv")


def kept_totals() -> list[tuple]:
    return sorted(RunTotal.objects.values_list("run__period", "episode_id", "pricing",
                                               "first_date", "last_date", "studio_share_fen",
                                               "royalty_fen", "valid_views", "lines"))


@pytest.fixture
def books():
    import_catalog(catalog([("E1", "2026-01-02", "C", 60), ("E2", "2026-01-03", "C", 60)]))
    create_policy(POLICY)


def test_a_withdrawn_import_leaves_the_books_as_if_it_never_came(books):
    load(RIGHT)
    alone = kept_totals()
    wrong = load(WRONG, platform="douyin")
    assert kept_totals() != alone

    fin = make_user("fin", is_finance=True)
    withdrawn = withdraw_import(wrong.pk, user=fin)

    assert withdrawn.status == "withdrawn" and withdrawn.withdrawn_by == fin
    assert withdrawn.rows == 3  # the record of what came in stays
    assert not RevenueLine.objects.filter(batch=wrong).exists()
    assert kept_totals() == alone  # the open runs' totals are summed again
    settle("2026-01")
    totals = statement("2026-01", studio=Studio.objects.get(slug="sun"))["totals"]
    # RIGHT alone: (100 + 300) × 0.0005 × 50 × 2 + 5.00 × 2 = 30.00 base; 70% to the studio.
    assert totals["earned_share"] == "21.00"
    again = load(WRONG, platform="douyin")  # the same file, now welcome again
    assert again.status == "accepted" and again.pk != wrong.pk


def test_an_import_with_a_settled_line_is_never_withdrawn(books):
    batch = load(RIGHT)
    settle("2026-01")
    with pytest.raises(RevenueError, match="settled in 2026-01"):
        withdraw_import(batch.pk)
    assert RevenueLine.objects.filter(batch=batch).count() == 2
    assert ImportBatch.objects.get(pk=batch.pk).status == "accepted"


def test_only_an_accepted_import_is_withdrawn_and_only_once(books):
    batch = load(RIGHT)
    withdraw_import(batch.pk)
    with pytest.raises(RevenueError, match="Only an accepted import"):
        withdraw_import(batch.pk)
    with pytest.raises(RevenueError):
        load(["2026-01-10,NOPE,1,1.00,1.00"])
    bad = ImportBatch.objects.get(status="refused")
    with pytest.raises(RevenueError, match="Only an accepted import"):
        withdraw_import(bad.pk)


def test_finance_withdraws_on_the_imports_page_and_nobody_else_can(client, books, owner):
    batch = load(WRONG)
    url = reverse("revenue:import_withdraw", args=[batch.pk])
    client.force_login(owner)
    assert client.post(url).status_code == 403
    assert client.get(url).status_code in (403, 405)
    assert RevenueLine.objects.filter(batch=batch).count() == 3

    logged_in(client, make_user("fin", is_finance=True), "en")
    page = client.get(reverse("revenue:imports")).content.decode()
    assert 'data-testid="withdraw-import"' in page
    done = client.post(url, follow=True).content.decode()
    assert "The import of hongguo.csv is withdrawn" in done
    assert "Withdrawn" in done and 'data-testid="withdraw-import"' not in done
    assert not RevenueLine.objects.filter(batch=batch).exists()


def test_a_settled_import_offers_no_withdrawal(client, books):
    load(RIGHT)
    settle("2026-01")
    logged_in(client, make_user("fin", is_finance=True), "en")
    page = client.get(reverse("revenue:imports")).content.decode()
    assert 'data-testid="withdraw-import"' not in page


def test_the_refusal_reads_in_chinese(client, books):
    batch = load(RIGHT)
    settle("2026-01")
    logged_in(client, make_user("fin", is_finance=True), "zh-hans")
    page = client.post(reverse("revenue:import_withdraw", args=[batch.pk]), follow=True)
    assert "这次导入的收入行已在 2026-01 结算" in page.content.decode()
