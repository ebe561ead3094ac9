"""Revenue import: whole or nothing, every bad row reported by number (header = row 1)."""

import io
from decimal import Decimal

import pytest

from creators.catalog import import_catalog
from revenue.models import ImportBatch, RevenueLine
from revenue.services import RevenueError, create_policy, import_revenue
from tests.revenue.conftest import POLICY, catalog, csv_bytes


@pytest.fixture
def setup(db):
    import_catalog(catalog([("E1", "2026-01-05", "A", 60), ("E2", "2026-01-20", "B", 60)]))
    create_policy(POLICY)


def refused(data: bytes) -> list[str]:
    with pytest.raises(RevenueError) as err:
        import_revenue(io.BytesIO(data), "hongguo")
    assert RevenueLine.objects.count() == 0
    assert ImportBatch.objects.filter(status="accepted").count() == 0
    return err.value.problems


@pytest.mark.parametrize("rows, expected", [
    (["2026-01-10,E9,1,1.00,1.00"], "row 2: unknown episode 'E9'"),
    (["2026-01-10,E2,1,1.00,1.00"], "row 2: episode E2 not yet published on 2026-01-10"),
    (["2026-01-10,E1,-1,1.00,1.00"], "row 2: valid_views is not a non-negative integer"),
    (["2026-01-10,E1,1,-1.00,1.00"], "row 2: valid_minutes is negative"),
    (["2026-01-10,E1,1,1.00,-0.00"], "row 2: ad_revenue is negative"),
    (["2026-01-10,E1,1,1.000,1.00"], "row 2: valid_minutes has more than 2 decimals"),
    (["2026-01-10,E1,1,1.00,1e3"], "row 2: ad_revenue is not a plain decimal"),
    (["2026-01-10,E1,1,1.00,999999999999999999.00"], "row 2: ad_revenue is too large"),
    (["2026-01-10,E1,1,1.00,abc"], "row 2: ad_revenue is not a number"),
    (["2026-13-10,E1,1,1.00,1.00"], "row 2: bad date"),
    (["2026-01-10,E1,1,1_000.00,1.00"], "row 2: valid_minutes is not a plain decimal"),
    (["2026-01-10,E1,1,\uff11\uff10\uff10.00,1.00"],  # full-width 100
     "row 2: valid_minutes is not a plain decimal"),
    (["2026-01-10,E1,1,1.00,1_0.00"], "row 2: ad_revenue is not a plain decimal"),
    (["20260110,E1,1,1.00,1.00"], "row 2: bad date '20260110'"),
    (["2026-W02-6,E1,1,1.00,1.00"], "row 2: bad date '2026-W02-6'"),
    (["2026-01-10,E1,1,1.00,1.00", "", "2026-01-11,E1,1,1.00,1.00"], "row 3: blank line"),
    (["2026-01-10,E1,1,1.00,1.00", "2026-01-10,E1,2,1.00,1.00"], "row 3: duplicate of row 2"),
])
def test_it_refuses_a_bad_row_by_number_and_stores_nothing(setup, rows, expected):
    problems = refused(csv_bytes(rows))
    assert any(p.startswith(expected) for p in problems), problems


def test_it_lists_every_bad_row_not_only_the_first(setup):
    problems = refused(csv_bytes(["2026-01-10,E9,1,1.00,1.00", "2026-01-10,E1,1,1.00,1.00",
                                  "2026-01-11,E1,x,1.00,1.00"]))
    assert [p.split(":")[0] for p in problems] == ["row 2", "row 4"]


def test_it_refuses_a_wrong_header(setup):
    assert refused(csv_bytes(["2026-01-10,E1,1,1.00,1.00"], header="day,ep,v,m,a")) == [
        "row 1: the header must be date,episode_ref,valid_views,valid_minutes,ad_revenue"]


def test_it_refuses_a_file_that_is_not_utf8(setup):
    data = csv_bytes(["2026-01-10,E1,1,1.00,1.00"]).replace(b"E1", "E1é".encode("latin-1"))
    assert "not UTF-8" in refused(data)[0]


def test_it_refuses_a_line_already_imported_from_another_file(setup):
    import_revenue(io.BytesIO(csv_bytes(["2026-01-10,E1,1,1.00,1.00"])), "hongguo")
    with pytest.raises(RevenueError) as err:
        import_revenue(io.BytesIO(csv_bytes(["2026-01-11,E1,1,1.00,1.00",
                                             "2026-01-10,E1,5,2.00,1.00"])), "hongguo")
    assert err.value.problems == ["row 3: 2026-01-10 E1 on hongguo already imported"]
    assert RevenueLine.objects.count() == 1


def test_it_refuses_a_date_without_a_policy(setup):
    assert "no policy for 2025-12-31" in refused(csv_bytes(["2025-12-31,E1,1,1.00,1.00"]))[0]


def test_it_accepts_bom_and_crlf_and_records_the_refusals(setup):
    data = "\ufeffdate,episode_ref,valid_views,valid_minutes,ad_revenue\r\n" \
           "2026-01-10,E1,10,1.50,2.25\r\n2026-01-10,E2,\r\n"
    with pytest.raises(RevenueError):
        import_revenue(io.BytesIO(data.encode()), "hongguo")
    data = data.replace("2026-01-10,E2,\r\n", "2026-01-21,E2,3,0.50,0\r\n")
    batch = import_revenue(io.BytesIO(data.encode()), "hongguo")
    assert batch.rows == 2
    assert sorted(RevenueLine.objects.values_list("episode_ref", "valid_minutes")) == [
        ("E1", Decimal("1.50")), ("E2", Decimal("0.50"))
    ]
    assert ImportBatch.objects.filter(status="refused").get().problems()[0].startswith("row 3:")


def test_it_finds_duplicates_and_clashes_across_insert_batches(setup, monkeypatch):
    import revenue.services

    monkeypatch.setattr(revenue.services, "BATCH", 2)
    rows = [f"2026-01-{d:02d},E1,1,1.00,1.00" for d in range(10, 16)]
    problems = refused(csv_bytes([*rows, "2026-01-11,E1,9,1.00,1.00"]))
    assert problems == ["row 8: duplicate of an earlier row (2026-01-11 E1)"]
    batch = import_revenue(io.BytesIO(csv_bytes(rows)), "hongguo")
    assert batch.rows == 6 and RevenueLine.objects.count() == 6


def test_the_same_file_is_refused_a_second_time(setup):
    data = csv_bytes(["2026-01-10,E1,1,1.00,1.00"])
    import_revenue(io.BytesIO(data), "hongguo")
    with pytest.raises(RevenueError) as err:
        import_revenue(io.BytesIO(data), "douyin")
    assert err.value.problems == ["this file was already imported"]
    assert RevenueLine.objects.count() == 1
