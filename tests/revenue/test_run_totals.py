"""The totals an import keeps per open run (RunTotal) are the sums of the run's lines, and
settlement reads them instead of every line only while they stand for the lines."""

import io
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Count, Max, Min, Sum

from creators.catalog import import_catalog
from creators.models import Episode
from revenue import services
from revenue.models import LedgerEntry, RevenueLine, RunTotal
from revenue.services import RevenueError, create_policy, import_revenue, settle
from tests.revenue.conftest import POLICY, catalog, csv_bytes


@pytest.fixture
def two_episodes(db):
    import_catalog(catalog([("E1", "2026-01-01", "C", 60), ("E2", "2026-01-01", "B", 90)],
                           share="0.30"))
    create_policy(POLICY)


@pytest.fixture
def groups_read(monkeypatch):
    """Each call of the line-summing query: None for the whole run, else its `before`."""
    calls = []
    original = services._run_groups

    def spy(run, bounds, before=None):
        calls.append(before)
        return original(run, bounds, before=before)

    monkeypatch.setattr(services, "_run_groups", spy)
    return calls


def rows(days, episodes=("E1", "E2"), month="01"):
    return [f"2026-{month}-{d:02d},{ep},{d * 100 + i},{d}{i}.{d % 10}5,{i}.{d:02d}"
            for d in days for i, ep in enumerate(episodes)]


def line_sums():
    return {
        (x["settled_in_id"], x["episode_id"], x["pricing"]): (
            x["license_id"], x["lo"], x["hi"], x["share"], x["royalty"], x["views"], x["n"])
        for x in RevenueLine.objects.filter(settled_in__isnull=False)
        .values("settled_in_id", "episode_id", "pricing", "license_id")
        .annotate(lo=Min("date"), hi=Max("date"), share=Sum("studio_share"),
                  royalty=Sum("royalty"), views=Sum("valid_views"), n=Count("id"))}


def kept():
    return {(t.run_id, t.episode_id, t.pricing): (
        t.license_id, t.first_date, t.last_date, Decimal(t.studio_share_fen).scaleb(-2),
        Decimal(t.royalty_fen).scaleb(-2), t.valid_views,
        t.lines) for t in RunTotal.objects.all()}


def test_imports_keep_totals_equal_to_the_sums_of_their_lines(two_episodes, monkeypatch):
    monkeypatch.setattr(services, "RUN_TOTALS_HELD", 1)  # written after every batch too
    monkeypatch.setattr(services, "BATCH", 3)
    import_revenue(io.BytesIO(csv_bytes(rows(range(1, 12)))), "hongguo")
    # A second file, other days of the same runs and a second period: adds to the rows.
    import_revenue(io.BytesIO(csv_bytes(rows(range(12, 32)) + rows([3, 4], month="02"))),
                   "hongguo")
    assert len(kept()) == 4  # two runs × two episodes, one pricing key each
    assert kept() == line_sums()
    assert RunTotal.objects.get(run__period="2026-01", episode__ref="E1").lines == 31


def test_a_refused_import_keeps_no_totals(two_episodes):
    with pytest.raises(RevenueError):
        import_revenue(io.BytesIO(csv_bytes(rows(range(1, 5)) + ["2026-01-09,NOPE,1,1.00,0.00"])),
                       "hongguo")
    assert not RunTotal.objects.exists() and not RevenueLine.objects.exists()


def test_settling_reads_the_kept_totals_and_posts_the_sums_of_the_lines(two_episodes,
                                                                        groups_read):
    import_revenue(io.BytesIO(csv_bytes(rows(range(1, 32)))), "hongguo")
    run, _ = settle("2026-01")
    assert groups_read == [services.period_bounds("2026-01")[0]]  # the late lines alone
    lines = RevenueLine.objects.filter(settled_in=run)
    assert run.lines == lines.count() == 62
    share = LedgerEntry.objects.get(kind="share").amount
    royalty = LedgerEntry.objects.get(kind="royalty").amount
    assert share == lines.aggregate(s=Sum("studio_share"))["s"]
    assert royalty == lines.aggregate(s=Sum("royalty"))["s"] > 0
    assert not RunTotal.objects.filter(run=run).exists()  # kept for open runs only


def test_lines_the_totals_do_not_count_make_settlement_sum_the_lines(two_episodes,
                                                                     groups_read):
    import_revenue(io.BytesIO(csv_bytes(rows(range(1, 10)))), "hongguo")
    # A line filed under the open run by something other than the import.
    other = RevenueLine.objects.first()
    extra = RevenueLine.objects.get(pk=other.pk)
    extra.pk, extra.date, extra.episode_ref = None, other.date.replace(day=20), "E1"
    extra.episode = Episode.objects.get(ref="E1")
    extra.save()
    run, _ = settle("2026-01")
    assert groups_read == [None]  # the totals were not trusted
    lines = RevenueLine.objects.filter(settled_in=run)
    assert run.lines == 19
    assert LedgerEntry.objects.get(kind="share").amount == lines.aggregate(
        s=Sum("studio_share"))["s"]


def test_a_policy_made_after_the_import_inside_the_period_sums_the_lines(two_episodes,
                                                                         groups_read):
    import copy

    import_revenue(io.BytesIO(csv_bytes(rows(range(1, 32)))), "hongguo")
    later = copy.deepcopy(POLICY)
    later.update(name="Mid-month", valid_from="2026-01-20", minute_price="0.00041")
    create_policy(later)
    run, _ = settle("2026-01")
    assert None in groups_read
    lines = RevenueLine.objects.filter(settled_in=run)
    assert set(lines.filter(date__day__gte=20).values_list("policy__name", flat=True)) == {
        "Mid-month"}
    assert LedgerEntry.objects.get(kind="share").amount == lines.aggregate(
        s=Sum("studio_share"))["s"]
    assert Decimal(0) < LedgerEntry.objects.get(kind="royalty").amount


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'",
                    reason="VACUUM and the visibility map are PostgreSQL's")
def test_a_large_import_leaves_its_lines_vacuumed_for_index_only_counts(two_episodes,
                                                                        monkeypatch):
    def pages():
        with connection.cursor() as cur:
            cur.execute("SELECT relpages, relallvisible FROM pg_class WHERE relname = %s",
                        [RevenueLine._meta.db_table])
            return cur.fetchone()

    monkeypatch.setattr(services, "VACUUM_AFTER", 40)
    import_revenue(io.BytesIO(csv_bytes(rows(range(1, 5)))), "hongguo")  # 8 lines: below
    assert pages()[1] == 0
    import_revenue(io.BytesIO(csv_bytes(rows(range(5, 32)))), "hongguo")  # 54 lines
    total, visible = pages()
    assert total >= 1 and visible == total
    run, _ = settle("2026-01")
    assert run.lines == 62


def test_a_run_sums_its_lines_exactly_to_the_fen_at_the_largest_amounts(two_episodes):
    """SQLite adds decimal columns as doubles: one line of ¥9,999,999,999,990.00 and thirty
    of ¥0.01 came to ...990.29 there. Summed as integer fen they give ...990.30."""
    import_revenue(io.BytesIO(csv_bytes(rows(range(1, 32), episodes=("E1",)))), "hongguo")
    lines = RevenueLine.objects.filter(episode__ref="E1")
    first = lines.order_by("date", "pk").first()
    lines.exclude(pk=first.pk).update(studio_share=Decimal("0.01"))
    lines.filter(pk=first.pk).update(studio_share=Decimal("9999999999990.00"))
    RunTotal.objects.all().delete()  # the import's totals predate the change: sum the lines
    exact = Decimal("9999999999990.30")
    [group] = services._run_groups(first.settled_in, [])
    assert group["share"] == exact
    settle("2026-01")
    assert LedgerEntry.objects.get(kind="share").amount == exact


def test_kept_totals_add_exactly_across_many_imports(two_episodes):
    """Each import adds its sums to the kept row in SQL; in fen the additions are exact,
    however many files a month arrives in."""
    for day in range(1, 32):
        import_revenue(io.BytesIO(csv_bytes(rows([day], episodes=("E1",)))), "hongguo")
    assert RunTotal.objects.get().lines == 31
    assert kept() == line_sums()
    [group] = [g for g in services._kept_groups(
        RunTotal.objects.get().run, [], services.period_bounds("2026-01")[0]) if not g["late"]]
    assert group["share"] == RevenueLine.objects.aggregate(s=Sum("studio_share"))["s"]
