"""In real Chromium, actions that cannot be undone ask first: cancelling keeps the member
(or the payout request), confirming carries the action out; on a form with two buttons
only the destructive one asks."""

import pytest
from django.urls import reverse

from creators.models import Membership
from dashboard.models import Payout
from dashboard.services import request_payout
from tests.conftest import browser_login, make_user
from tests.dashboard.conftest import credit

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_removing_a_member_and_rejecting_a_payout_ask_first(transactional_db, asgi_server,
                                                            chromium, owner, studio, member):
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    browser_login(context, owner, asgi_server.url)
    page = context.new_page()
    asked = []
    answer = {"accept": False}

    def on_dialog(dialog):
        asked.append(dialog.message)
        dialog.accept() if answer["accept"] else dialog.dismiss()

    page.on("dialog", on_dialog)
    page.goto(asgi_server.url + reverse("creators:members", args=["dawn"]))
    row = page.get_by_test_id("member-member")
    row.get_by_role("button", name="移除").click()
    page.wait_for_timeout(300)
    assert asked == ["把 member 移出工作室？"]
    assert Membership.objects.filter(studio=studio, user=member).exists()  # cancelled
    answer["accept"] = True
    with page.expect_navigation():
        row.get_by_role("button", name="移除").click()
    assert not Membership.objects.filter(studio=studio, user=member).exists()
    context.close()

    credit(studio, "1000.00")
    request_payout(studio, owner, "200.00", "k1")
    request_payout(studio, owner, "300.00", "k2")
    fin = make_user("fin", is_finance=True)
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    browser_login(context, fin, asgi_server.url)
    page = context.new_page()
    asked.clear()
    answer["accept"] = False
    page.on("dialog", on_dialog)
    page.goto(asgi_server.url + reverse("dashboard:finance"))
    rows = page.get_by_test_id("payout-requests").locator("tbody tr")
    rows.first.get_by_role("button", name="驳回").click()
    page.wait_for_timeout(300)
    assert len(asked) == 1 and "驳回这笔提现申请" in asked[0]
    assert Payout.objects.filter(state=Payout.State.REQUESTED).count() == 2
    with page.expect_navigation():
        rows.first.get_by_role("button", name="批准").click()  # approving asks nothing
    assert len(asked) == 1
    assert Payout.objects.filter(state=Payout.State.REQUESTED).count() == 1
    context.close()
