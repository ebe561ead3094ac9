"""In real Chromium: picking a studio in the queue's filters narrows the series list at
once, and on a phone each queued item shows its waiting time, flags and claim."""

import pytest

from creators import services as creators
from review import services
from tests.conftest import browser_login, make_user
from tests.review.conftest import add_episode

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_the_series_list_follows_the_studio_and_a_phone_sees_every_column(
        transactional_db, asgi_server, chromium, studio, other_studio):
    ours = creators.create_series(studio, title="Moon Sword", synopsis="",
                                  category="premium_2d", exclusive=True)
    theirs = creators.create_series(other_studio, title="Sun Blade", synopsis="",
                                    category="premium_2d", exclusive=True)
    for series in (ours, theirs):
        services.enqueue(add_episode(series, 1), run_checks_now=False)
    reviewer = make_user("rev", is_reviewer=True)

    desk = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    browser_login(desk, reviewer, asgi_server.url)
    page = desk.new_page()
    page.goto(f"{asgi_server.url}/review/")
    series = page.locator("select[name=series]")
    page.locator("select[name=studio]").select_option(str(studio.pk))
    offered = series.evaluate(
        "s => [...s.options].filter(o => !o.disabled && o.value).map(o => o.value)")
    assert offered == [str(ours.pk)]
    page.locator("select[name=studio]").select_option("")
    assert series.evaluate("s => [...s.options].filter(o => o.disabled).length") == 0
    # A series picked first is cleared when a studio it is not in is picked.
    series.select_option(str(theirs.pk))
    page.locator("select[name=studio]").select_option(str(studio.pk))
    assert series.input_value() == ""
    desk.close()

    phone = chromium.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    browser_login(phone, reviewer, asgi_server.url)
    page = phone.new_page()
    page.goto(f"{asgi_server.url}/review/")
    rows = page.locator("[data-testid=queue] tbody tr")
    assert rows.count() == 2
    for row in rows.all():
        for label in ("等待", "标记", "领取"):
            cell = row.locator(f"td[data-label^='{label}']")
            box = cell.bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, (label, box)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    phone.close()
