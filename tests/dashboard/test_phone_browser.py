"""In real Chromium at a phone's width (390 px) and at 1280 px: every dashboard table shows
its last column (in view, or in its own scrolling box, never by scrolling the page), and
the charts' tables and a statement's totals fit without any scrolling. The two-axis chart
is scaled honestly (both axes from zero, in round steps, with one grid) and every figure
is written as the pages write it: views as whole numbers with separators, money as ¥ to
the fen."""

import math
import re

import pytest
from django.core.management import call_command

from creators.models import User
from tests.conftest import browser_login
from tests.dashboard.phone import DESKTOP, PHONE, assert_last_column_readable
from tests.dashboard.test_worked_example import load_worked_example

pytestmark = pytest.mark.browser

VIEWS = re.compile(r"^\d{1,3}(,\d{3})*$")
MONEY = re.compile(r"^-?¥\d{1,3}(,\d{3})*\.\d{2}$")
MINUTES = re.compile(r"^\d{1,3}(,\d{3})*\.\d{2}$")


def _context(chromium, base, user, viewport, language="zh-hans"):
    context = chromium.new_context(viewport=viewport, locale="zh-CN")
    context.set_default_timeout(30000)
    browser_login(context, user, base)
    context.add_cookies([{"name": "django_language", "value": language, "url": base}])
    return context


def _pages(series_slug):
    """Each page, with the tables that fit a phone without scrolling, and those that fit
    1280 px (all but the drill-down's thirteen columns, which scroll in their box)."""
    return [("/dashboard/moonlight/", ("table-daily", "table-series", "table-parts",
                                       "table-per-minute", "data#0"), "all"),
            ("/dashboard/moonlight/periods/2026-02/", (), ("data#0",)),
            (f"/dashboard/moonlight/series/{series_slug}/", (), "all"),
            ("/dashboard/moonlight/payouts/", ("payouts",), "all"),
            ("/dashboard/moonlight/statements/2026-02/", ("data totals#0",), "all")]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_dashboard_table_shows_its_last_column_on_a_phone(asgi_server, chromium,
                                                                language):
    load_worked_example()
    lin = User.objects.get(username="lin")
    series = lin.memberships.get().studio.series.order_by("slug").first().slug
    base = asgi_server.url
    for viewport in (PHONE, DESKTOP):
        context = _context(chromium, base, lin, viewport, language)
        try:
            page = context.new_page()
            for url, on_phone, on_desktop in _pages(series):
                page.goto(base + url)
                if url == "/dashboard/moonlight/":
                    page.wait_for_selector("#charts[data-ready]")
                assert_last_column_readable(
                    page, without_scrolling=on_phone if viewport is PHONE else on_desktop)
            # The rights holder's page and finance's list of payout requests.
            holder = _context(chromium, base, User.objects.get(username="zhwx"), viewport,
                              language)
            try:
                hpage = holder.new_page()
                hpage.goto(base + "/dashboard/holder/")
                assert_last_column_readable(hpage)
            finally:
                holder.close()
        finally:
            context.close()


def test_a_statements_totals_fit_the_narrowest_phone(asgi_server, chromium):
    """Two columns, label and amount: the label wraps; the amount is never scrolled to
    (it was, in English, on a 320 px phone)."""
    load_worked_example()
    lin = User.objects.get(username="lin")
    for width in (390, 320):
        context = _context(chromium, asgi_server.url, lin, {"width": width, "height": 800}, "en")
        try:
            page = context.new_page()
            page.goto(asgi_server.url + "/dashboard/moonlight/statements/2026-02/")
            assert_last_column_readable(page, "table.totals", without_scrolling=("data totals#0",))
            assert page.inner_text("#closing_balance") == "¥20,766.05"
        finally:
            context.close()


def test_a_month_of_daily_lines_reads_per_episode_on_a_phone(asgi_server, chromium, tmp_path):
    """Ninety lines took a phone over 6,000 px of stacked rows before: the statement now
    leads with one row per episode, the lines fold under their count, open on a tap and
    open for printing."""
    load_worked_example()
    march = tmp_path / "march.csv"
    rows = ["date,episode_ref,valid_views,valid_minutes,ad_revenue"]
    for day in range(1, 31):
        for ref in ("EP-BK-001", "EP-BK-002", "EP-SW-001"):
            rows.append(f"2026-03-{day:02d},{ref},{1000 * day},{100 * day}.50,{day}.25")
    march.write_text("\n".join(rows) + "\n")
    call_command("import_revenue", str(march), platform="hongguo")
    call_command("settle", "2026-03")
    lin = User.objects.get(username="lin")
    context = _context(chromium, asgi_server.url, lin, PHONE)
    try:
        page = context.new_page()
        page.goto(asgi_server.url + "/dashboard/moonlight/statements/2026-03/")
        by_episode = page.get_by_test_id("by-episode")
        assert by_episode.locator("tbody tr").count() == 3
        assert "30" in by_episode.locator("tbody tr").first.inner_text()
        assert_last_column_readable(page, "table.data",
                                    without_scrolling=("data totals#0", "data by-episode#0"))
        lines = page.get_by_test_id("lines")
        assert not lines.evaluate("d => d.open")
        folded = page.evaluate("document.documentElement.scrollHeight")
        assert folded < 2500, folded
        page.get_by_text("90 条明细").click()
        assert lines.evaluate("d => d.open") and lines.locator("tbody tr").nth(89).is_visible()
        page.get_by_text("90 条明细").click()
        page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
        assert lines.evaluate("d => d.open")  # all on paper
    finally:
        context.close()


def test_the_two_axis_chart_is_scaled_honestly_and_figures_read_alike(asgi_server, chromium):
    load_worked_example()
    lin = User.objects.get(username="lin")
    call_command("settle", "2026-03")  # an empty run: the charts still read February
    context = _context(chromium, asgi_server.url, lin, DESKTOP)
    try:
        page = context.new_page()
        page.goto(asgi_server.url + "/dashboard/moonlight/")
        page.wait_for_selector("#charts[data-ready]")
        axes = page.evaluate("""() => {
            const o = echarts.getInstanceByDom(document.getElementById("chart-per-minute")).getOption();
            return o.yAxis.map((y, i) => ({min: y.min, max: y.max, interval: y.interval,
                name: y.name, grid: y.splitLine ? y.splitLine.show : undefined,
                label: typeof (y.axisLabel || {}).formatter === "function"
                    ? y.axisLabel.formatter(i ? 1000 : 350000) : null,
                data: o.series.filter(s => (s.yAxisIndex || 0) === i)
                             .flatMap(s => s.data).map(Number)}));
        }""")
        views, money = axes
        for axis in axes:
            assert axis["min"] == 0, axis
            steps = (axis["max"] - axis["min"]) / axis["interval"]
            assert abs(steps - round(steps)) < 1e-9 and 4 <= round(steps) <= 6, axis
            assert max(axis["data"]) <= axis["max"], axis
            mantissa = axis["interval"] / 10 ** math.floor(math.log10(axis["interval"]))
            assert round(mantissa, 6) in (1, 2, 2.5, 5), axis
        # One grid: both axes take the same number of steps; only the left draws lines.
        assert (views["max"] / views["interval"]) == (money["max"] / money["interval"])
        assert money["grid"] is False
        assert views["label"] == "350,000" and money["label"] == "¥1,000.00"

        # The tables under the charts write figures as the statement pages do.
        def column(table, n):
            return page.eval_on_selector_all(
                f"#{table} tbody tr", f"rows => rows.map(r => r.cells[{n}].textContent)")
        daily_views, series_views = column("table-daily", 2), column("table-series", 2)
        assert daily_views and all(VIEWS.match(v) for v in daily_views + series_views)
        assert "520,000" in daily_views  # 400,000 + 120,000 views on 2026-02-05
        assert all(MONEY.match(v) for v in column("table-daily", 1) + column("table-series", 1)
                   + column("table-parts", 1) + column("table-per-minute", 3))
        assert all(MINUTES.match(v) for v in column("table-per-minute", 1))
        per_minute = column("table-per-minute", 2)
        assert per_minute and all(VIEWS.match(v) for v in per_minute), per_minute
        # The page's formats, exactly: rounded half up as text, never through a float.
        fmt = page.evaluate("""() => { const f = window.manjuDashboard.fmt;
            return [f.views("481000.00"), f.views("342857.50"), f.views(400000),
                    f.money("16150.95"), f.money("-5"), f.money("1234567890123.455"),
                    f.minutes("150000")]; }""")
        assert fmt == ["481,000", "342,858", "400,000", "¥16,150.95", "-¥5.00",
                       "¥1,234,567,890,123.46", "150,000.00"]
    finally:
        context.close()
