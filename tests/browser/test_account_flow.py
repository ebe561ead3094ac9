"""A newcomer in real Chromium: sign up, land on the studio, switch language, log out and in."""

import pytest

from creators.models import Studio, User

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "Tea-House-2026!"


def test_a_creator_signs_up_switches_language_and_logs_back_in(asgi_server, page):
    page.goto(asgi_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    page.get_by_role("link", name="注册").first.click()

    page.fill("#id_username", "yunxi")
    page.fill("#id_email", "yunxi@example.com")
    page.fill("#id_studio_name", "云溪动画")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.get_by_role("button", name="注册").click()

    page.wait_for_url("**/studio/*/")
    assert page.get_by_test_id("studio-name").inner_text() == "云溪动画"
    studio = Studio.objects.get(memberships__user__username="yunxi")
    assert page.url.endswith(f"/studio/{studio.slug}/")
    assert "你的角色" in page.content()

    page.get_by_test_id("language").select_option("en")
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert "Your role" in page.content()
    assert page.url.endswith(f"/studio/{studio.slug}/")

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/accounts/logout/")
    assert "You are logged out." in page.content()

    page.get_by_role("link", name="Log in again").click()
    page.fill("#id_username", "yunxi")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**/studio/{studio.slug}/")
    assert page.get_by_test_id("username").inner_text() == "yunxi"
    # The language choice outlived the session.
    assert page.locator("html").get_attribute("lang") == "en"
    assert User.objects.get(username="yunxi").check_password(PASSWORD)
