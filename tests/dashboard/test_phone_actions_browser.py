"""On a 390 px phone every action of a row is on screen without scrolling a table
sideways: finance's Approve and Reject, an owner's role controls for a member with a long
name, and an import's Withdraw beside its status."""

import io

import pytest

from creators.catalog import import_catalog
from creators.models import Membership
from dashboard.services import request_payout
from revenue.services import create_policy, import_revenue
from tests.conftest import browser_login, make_user
from tests.dashboard.conftest import credit
from tests.revenue.conftest import POLICY, catalog, csv_bytes

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def phone(chromium, server, user):
    context = chromium.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    browser_login(context, user, server.url)
    return context


def on_screen(locator, left=0):
    box = locator.bounding_box()
    assert box is not None and box["x"] >= left and box["x"] + box["width"] <= 390, box
    return box


def test_every_rows_actions_are_on_a_phones_screen(transactional_db, asgi_server, chromium,
                                                   owner, studio):
    credit(studio, "1000.00")
    request_payout(studio, owner, "200.00", "k")
    long_name = make_user("a-member-with-a-rather-long-username")
    Membership.objects.create(studio=studio, user=long_name, role="member")
    import_catalog(catalog([("E1", "2026-01-02", "C", 60)]))
    create_policy(POLICY)
    fin = make_user("fin", is_finance=True)
    import_revenue(io.BytesIO(csv_bytes(["2026-01-10,E1,1,1.00,1.00"])), "hongguo",
                   filename="january-from-a-platform-with-a-long-file-name.csv", user=fin)

    context = phone(chromium, asgi_server, fin)
    page = context.new_page()
    page.goto(f"{asgi_server.url}/dashboard/finance/")
    for name in ("批准", "驳回"):
        on_screen(page.get_by_test_id("payout-requests").get_by_role("button", name=name))
    page.goto(f"{asgi_server.url}/revenue/finance/imports/")
    status = page.locator("#batches td[data-label='状态']").first
    badge = on_screen(status.locator("[data-testid=batch-status]"))
    button = on_screen(status.get_by_test_id("withdraw-import"))
    assert badge["width"] < 150 and button["x"] > 80  # together, in the value column
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()

    context = phone(chromium, asgi_server, owner)
    page = context.new_page()
    page.goto(f"{asgi_server.url}/studio/dawn/members/")
    row = page.locator("[data-testid='member-a-member-with-a-rather-long-username']")
    for name in ("更改角色", "移除"):
        box = on_screen(row.get_by_role("button", name=name))
        assert box["height"] < 60  # the label on one line, not a column of characters
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()
