"""In real Chromium against the real ASGI server: after the worked example is settled the
owner sees DOMAIN.md's figures and drawn charts, drills down to one line, requests a
payout; finance approves; the next statement shows it."""

import io

import pytest
from django.core.management import call_command
from PIL import Image

from creators.models import User
from tests.conftest import browser_login, make_user
from tests.dashboard.test_worked_example import load_worked_example


def _colours(png: bytes) -> int:
    img = Image.open(io.BytesIO(png)).convert("RGB").resize((160, 80))
    return len(set(img.getdata()))


@pytest.mark.browser
def test_owner_sees_figures_charts_drills_down_and_gets_a_payout(asgi_server, page, chromium):
    load_worked_example()
    lin = User.objects.get(username="lin")
    finance = make_user("fin", is_finance=True)
    base = asgi_server.url
    page.set_default_timeout(30000)
    browser_login(page.context, lin, base)

    page.goto(f"{base}/dashboard/moonlight/")
    assert page.inner_text("#available") == "¥20,766.05"
    page.wait_for_selector("#charts[data-ready]")
    for chart in ("daily", "series", "parts", "per-minute"):
        size = page.eval_on_selector(f"#chart-{chart} canvas", "c => c.toDataURL().length")
        assert size > 3000, chart
        assert _colours(page.locator(f"#chart-{chart}").screenshot()) > 8, chart
    assert page.locator("#table-daily tbody tr").count() > 0
    # Each axis is named, with its unit, in the words the page handed the script.
    axes = page.evaluate("""() => Object.fromEntries(["daily", "series", "per-minute"].map(id => {
        const o = echarts.getInstanceByDom(document.getElementById("chart-" + id)).getOption();
        return [id, [o.xAxis[0].name, ...o.yAxis.map(y => y.name)]];
    }))""")
    words = page.eval_on_selector("#charts", "e => Object.assign({}, e.dataset)")
    assert "¥" in words["lRevenue"] and "¥" in words["lRevenuePerMinute"]
    assert axes == {"daily": [words["lDate"], words["lRevenue"]],
                    "series": [words["lSeries"], words["lRevenue"]],
                    "per-minute": [words["lSeries"], words["lViewsPerMinute"],
                                   words["lRevenuePerMinute"]]}

    page.locator("a.drill").first.click()
    assert page.inner_text("#drill-total") == "¥16,150.95"
    all_lines = page.locator("tr.line").count()
    page.locator("a.drill-episode", has_text="EP-BK-001").first.click()
    rows = page.locator("tr.line")
    assert 0 < rows.count() < all_lines
    assert "¥6,398.70" in page.inner_text("table.lines")

    page.goto(f"{base}/dashboard/moonlight/payouts/")
    page.fill("#amount", "50")
    page.click("#payout-form button")
    assert "100" in page.inner_text(".field.has-error .error")
    assert page.input_value("#amount") == "50"
    page.fill("#amount", "500.00")
    page.click("#payout-form button")
    assert "¥500.00" in page.inner_text("#payouts")

    other = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    try:
        fpage = other.new_page()
        browser_login(other, finance, base)
        fpage.goto(f"{base}/dashboard/finance/")
        fpage.fill("input[name=day]", "2026-03-15")
        fpage.click("button[value=approve]")
        fpage.wait_for_load_state()
    finally:
        other.close()

    call_command("settle", "2026-03")
    page.goto(f"{base}/dashboard/moonlight/statements/2026-03/")
    assert page.inner_text("#payouts") == "¥500.00"
    assert page.inner_text("#closing_balance") == "¥20,266.05"


@pytest.mark.browser
def test_the_charts_say_when_they_are_empty_or_failed_and_can_try_again(
        transactional_db, asgi_server, page, owner, studio):
    base = asgi_server.url
    browser_login(page.context, owner, base)
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": base}])
    page.goto(f"{base}/dashboard/dawn/")
    page.wait_for_selector("#charts[data-ready]", state="attached")
    status = page.get_by_test_id("charts-status")
    assert "No revenue in these days yet" in status.inner_text()
    assert not page.locator("#chart-daily").is_visible()  # no axes of ¥0.00
    buttons = page.locator("[data-days]")
    assert buttons.first.get_attribute("aria-pressed") in ("true", "false")
    failing = {"on": True}

    def data(route):
        if failing["on"]:
            route.fulfill(status=500, body="boom")
        else:
            route.continue_()

    page.route("**/dashboard/dawn/data.json*", data)
    buttons.last.click()
    page.wait_for_function("document.getElementById('charts-status').textContent"
                           ".includes('could not be loaded')")
    # The charts still show the range drawn before: its button stays the pressed one.
    assert buttons.first.get_attribute("aria-pressed") == "true"
    assert buttons.last.get_attribute("aria-pressed") == "false"
    failing["on"] = False
    status.get_by_role("button", name="Try again").click()
    page.wait_for_function("document.getElementById('charts-status').textContent"
                           ".includes('No revenue')")
