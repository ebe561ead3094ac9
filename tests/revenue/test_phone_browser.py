"""In real Chromium at a phone's width (390 px) and at 1280 px, in Chinese: the imports
page's refused rows and a statement's totals can be read whole. On a phone each import
stacks its cells under their headings, so its problems read at full width (they lay
off the right edge); on a desktop it stays a table row. A statement's totals fit without
scrolling; its lines scroll in their own box."""

import io

import pytest

from revenue.models import ImportBatch
from revenue.services import RevenueError, import_revenue
from tests.conftest import make_user
from tests.dashboard.phone import DESKTOP, PHONE, assert_last_column_readable
from tests.generation.conftest import session_cookie
from tests.revenue.conftest import csv_bytes, run

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_REF = "EP-SOME-VERY-LONG-EPISODE-REFERENCE-FROM-THE-PLATFORM-0001"


def _context(chromium, base, user, viewport, language="zh-hans"):
    context = chromium.new_context(viewport=viewport, locale="zh-CN")
    context.set_default_timeout(30000)
    context.add_cookies([
        {"name": "sessionid", "value": session_cookie(user).split("=", 1)[1], "url": base},
        {"name": "django_language", "value": language, "url": base}])
    return context


def _refused_batch(finance):
    rows = [f"2026-02-05,{LONG_REF},1,1.00,1.00", "2026-02-06,EP-BK-001,-1,1.000,1.001"]
    with pytest.raises(RevenueError):
        import_revenue(io.BytesIO(csv_bytes(rows)), "hongguo-long-platform-code",
                       filename="a-long-file-name-of-the-february-report-2026.csv",
                       user=finance)
    assert ImportBatch.objects.filter(status="refused").exists()


ERRORS = """() => [...document.querySelectorAll('#batches tbody tr')].map(r => {
    const cell = r.cells[r.cells.length - 1], first = r.cells[0];
    const c = cell.getBoundingClientRect();
    return {text: cell.innerText.trim(), left: c.left, right: c.right,
            top: Math.round(c.top), firstTop: Math.round(first.getBoundingClientRect().top),
            clipped: cell.scrollWidth > cell.clientWidth + 1, display: getComputedStyle(cell).display,
            tableDisplay: getComputedStyle(r.closest('table')).display};
})"""


def test_the_refused_rows_of_an_import_read_whole_on_a_phone(asgi_server, chromium, example):
    finance = make_user("fin", is_finance=True)
    _refused_batch(finance)
    run("import_revenue", str(example / "feb.csv"), "--platform", "hongguo")
    base = asgi_server.url
    for viewport in (PHONE, DESKTOP):
        context = _context(chromium, base, finance, viewport)
        try:
            page = context.new_page()
            page.goto(base + "/revenue/finance/imports/")
            assert_last_column_readable(page, "#batches", without_scrolling="all")
            rows = page.evaluate(ERRORS)
            refused = [r for r in rows if LONG_REF in r["text"]]
            assert len(refused) == 1, rows
            cell = refused[0]
            vw = viewport["width"]
            # The whole problem list, in view, nothing cut off: both rows' reasons.
            assert 0 <= cell["left"] and cell["right"] <= vw and not cell["clipped"], cell
            assert "第 2 行" in cell["text"] and "第 3 行" in cell["text"], cell
            if viewport is PHONE:
                assert cell["display"] != "table-cell"  # stacked under its heading
                label = page.evaluate("""() => getComputedStyle(document.querySelector(
                    '#batches tbody td.errors-cell'), '::before').content""")
                assert label == '"错误"', label
                assert page.locator("#batches thead").bounding_box()["height"] <= 1
            else:
                assert cell["tableDisplay"] == "table" and cell["display"] == "table-cell"
                assert cell["top"] == cell["firstTop"]  # one row, as before
                assert page.locator("#batches thead th").first.is_visible()
        finally:
            context.close()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_statements_totals_fit_and_its_lines_scroll_in_their_box(asgi_server, chromium,
                                                                   example, language):
    run("import_revenue", str(example / "feb.csv"), "--platform", "hongguo")
    run("settle", "2026-02")
    finance = make_user("fin", is_finance=True)
    url = asgi_server.url + "/revenue/statements/studio/moonlight/2026-02/"
    for viewport in (PHONE, {"width": 320, "height": 800}, DESKTOP):
        context = _context(chromium, asgi_server.url, finance, viewport, language)
        try:
            page = context.new_page()
            page.goto(url)
            assert_last_column_readable(page, "#totals", without_scrolling="all")
            assert_last_column_readable(
                page, "#lines", without_scrolling="all" if viewport is DESKTOP else ())
            assert "¥20,766.05" in page.inner_text("#totals")
        finally:
            context.close()


@pytest.mark.timeout(120)
def test_settling_says_it_is_under_way_and_takes_no_second_press(transactional_db,
                                                                 asgi_server, chromium,
                                                                 example):
    from revenue.models import SettlementRun
    from tests.conftest import browser_login

    run("import_revenue", str(example / "feb.csv"), "--platform", "hongguo")
    context = chromium.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    browser_login(context, make_user("fin", is_finance=True), asgi_server.url)
    page = context.new_page()
    page.goto(asgi_server.url + "/revenue/finance/runs/")
    held = []
    page.route("**/revenue/finance/runs/", lambda route: held.append(route)
               if route.request.method == "POST" else route.continue_())
    page.fill("input[name=period]", "2026-02")
    state = page.evaluate("""() => new Promise(done => {
      document.querySelector('form.card button[type=submit]').click();
      setTimeout(() => done({
        disabled: document.querySelector('form.card button[type=submit]').disabled,
        note: (document.querySelector('[data-role=busy]') || {}).textContent || ''}), 100); })""")
    assert state["disabled"] and "正在结算" in state["note"], state
    assert len(held) == 1 and held[0].request.post_data.endswith("period=2026-02")
    with page.expect_navigation():
        held[0].continue_()
    assert SettlementRun.objects.filter(period="2026-02").exists()
    context.close()
