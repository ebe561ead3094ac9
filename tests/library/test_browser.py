"""Browser flow: a rights holder lists an IP, a studio applies, the holder accepts, the
studio creates a series on the license."""

import pytest
from django.test import Client

from creators.models import Series
from library.models import IP, License


def _log_in(page, server, user):
    client = Client()
    client.force_login(user)
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                               "url": server.url}])


@pytest.mark.browser
def test_holder_lists_studio_applies_holder_accepts_studio_makes_a_series(
        page, asgi_server, holder, owner, studio):
    server = asgi_server
    _log_in(page, server, holder)
    page.goto(f"{server.url}/library/holder/")
    page.click("a[href='/library/holder/ips/new/']")
    page.fill("#id_title", "剑来新篇")
    page.fill("#id_original_author", "烽火")
    page.select_option("#id_kind", "novel")
    page.fill("#id_synopsis", "少年持剑出山。")
    page.fill("#id_tags", "玄幻, 修仙")
    territory = "#ip-form input[name=territories][value={}]".format
    assert page.is_checked(territory("CN"))  # the model's default, ticked
    page.check(territory("HK"))
    page.check(territory("WW"))  # worldwide alone: the other ticks clear
    assert not page.is_checked(territory("CN")) and not page.is_checked(territory("HK"))
    page.check(territory("CN"))  # and a territory clears worldwide
    assert not page.is_checked(territory("WW"))
    page.check(territory("HK"))
    page.click("#ip-form button[type=submit]")
    page.wait_for_url("**/library/ip/**")
    ip = IP.objects.get(title="剑来新篇")
    assert ip.territories == "CN, HK"

    _log_in(page, server, owner)
    page.goto(f"{server.url}/library/?tag=修仙")
    page.click(f"[data-ip='{ip.slug}'] h3 a")
    # The application offers the IP's territories, ticked.
    assert page.is_checked("#apply-form input[name=territories][value=HK]")
    assert not page.is_checked("#apply-form input[name=territories][value=TW]")
    page.select_option("#id_studio", str(studio.pk))
    page.fill("#id_note", "我们想做2D精品")
    page.click("#apply-form button[type=submit]")
    page.wait_for_url("**/library/applications/**")
    assert page.locator("[data-status]").get_attribute("data-status") == "pending"
    application_url = page.url

    _log_in(page, server, holder)
    page.goto(f"{server.url}/library/applications/")
    page.click("#incoming a")
    assert page.url == application_url
    page.click("button[name=accept]")
    page.wait_for_selector("[data-status=accepted]")
    license = License.objects.get(ip=ip)
    assert license.territories == "CN, HK"

    _log_in(page, server, owner)
    page.goto(f"{server.url}/library/licenses/")
    assert page.locator(f"#studio-licenses [data-license='{license.pk}']").count() == 1
    page.goto(f"{server.url}/studio/{studio.slug}/series/new/")
    page.fill("#id_title", "剑来·漫剧版")
    page.select_option("#id_category", "premium_2d")
    page.select_option("#id_license", str(license.pk))
    page.click("form.form button[type=submit]")
    page.wait_for_url(f"**/studio/{studio.slug}/series/**")
    series = Series.objects.get(title="剑来·漫剧版")
    assert series.license == license and series.studio == studio
