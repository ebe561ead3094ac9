"""In real Chromium: an owner invites by username, the invitee sees the invitation in the menu,
accepts it on a phone, lands in the studio they joined, and switches back to their own."""

import pytest

from creators.models import Membership
from creators.services import create_studio
from tests.conftest import browser_login, make_user

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_an_invitee_accepts_on_a_phone_and_lands_in_the_studio(
        transactional_db, asgi_server, chromium, owner, studio, tmp_path):
    yue = make_user("yue")
    create_studio(yue, "小月工作室", slug="yue")

    desk = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    browser_login(desk, owner, asgi_server.url)
    page = desk.new_page()
    page.goto(f"{asgi_server.url}/studio/dawn/members/")
    page.fill("input[name=who]", "yue")
    page.click("form.form button[type=submit]")
    page.wait_for_selector("[data-testid=invitations-sent]")
    assert "yue" in page.inner_text("[data-testid=invitations-sent]")
    assert "已向 yue 发出邀请" in page.inner_text(".messages")
    assert not Membership.objects.filter(studio=studio, user=yue).exists()
    page.screenshot(path=str(tmp_path / "owner.png"), full_page=True)
    desk.close()

    # On the owner's phone the invitation's day and its Withdraw button are in view.
    owner_phone = chromium.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    browser_login(owner_phone, owner, asgi_server.url)
    page = owner_phone.new_page()
    page.goto(f"{asgi_server.url}/studio/dawn/members/")
    for part in (page.get_by_role("button", name="撤回"),
                 page.get_by_test_id("invitations-sent").get_by_text("前答复")):
        box = part.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    for button in page.locator("table.data button").all():  # the members' own actions
        box = button.bounding_box()
        assert box["x"] + box["width"] <= 390, box
    page.screenshot(path=str(tmp_path / "owner-phone.png"), full_page=True)
    owner_phone.close()

    phone = chromium.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    browser_login(phone, yue, asgi_server.url)
    page = phone.new_page()
    page.goto(f"{asgi_server.url}/")
    link = page.get_by_test_id("invitations-link")
    assert link.inner_text().replace(" ", "") == "邀请1"
    link.click()
    card = page.get_by_test_id("invitation-dawn")
    assert "owner 邀请你以成员身份加入。" in card.inner_text()
    box = card.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390  # the card fits the phone
    page.screenshot(path=str(tmp_path / "invitee.png"), full_page=True)
    card.get_by_role("button", name="接受").click()
    page.wait_for_url("**/studio/dawn/")
    assert "你已加入晨光工作室。" in page.inner_text(".messages")
    assert page.get_by_test_id("invitations-link").count() == 0
    assert Membership.objects.get(studio=studio, user=yue).role == "member"
    # The menu's "my studio" now acts for the studio just joined.
    assert page.locator("[data-nav=studio]").get_attribute("href") == "/studio/dawn/"
    # Her name in the header lists both studios; she switches back to her own.
    page.get_by_test_id("username").click()
    page.wait_for_url("**/accounts/studios/")
    rows = page.get_by_test_id("studios")
    assert "晨光工作室" in rows.inner_text() and "小月工作室" in rows.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(tmp_path / "studios-phone.png"), full_page=True)
    page.get_by_test_id("studio-yue").get_by_role("link", name="切换到这里").click()
    page.wait_for_url("**/studio/yue/")
    assert page.locator("[data-nav=studio]").get_attribute("href") == "/studio/yue/"
    phone.close()
