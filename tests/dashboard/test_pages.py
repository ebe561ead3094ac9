"""What the dashboard's pages say as rendered HTML: chart axes named with their units, a
header on every table, the rights holder's empty state, and revenue lines called 明细."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from creators.models import User
from library.models import License
from tests.conftest import logged_in, make_user
from tests.dashboard.test_worked_example import load_worked_example


@pytest.fixture
def settled(db):
    load_worked_example()


def _tables(page: str) -> list[str]:
    return re.findall(r'<table class="data[^"]*"[^>]*>.*?</table>', page, re.S)


def test_the_studio_page_hands_the_charts_axis_names_with_units(client, studio, owner):
    url = reverse("dashboard:studio", args=[studio.slug])
    zh = logged_in(client, owner, "zh-hans").get(url).content.decode()
    for attr, name in [("date", "日期"), ("series", "系列"), ("revenue", "收入（¥）"),
                       ("views-per-minute", "每分钟播放量"),
                       ("revenue-per-minute", "每分钟收益（¥）")]:
        assert f'data-l-{attr}="{name}"' in zh, attr
    en = logged_in(client, owner, "en").get(url).content.decode()
    assert 'data-l-revenue="Revenue (¥)"' in en and 'data-l-amount="Amount (¥)"' in en


def test_every_table_of_the_dashboard_pages_has_headers(client, settled):
    lin = User.objects.get(username="lin")
    logged_in(client, lin, "en")
    series = lin.memberships.get().studio.series.first().slug
    pages = [reverse("dashboard:studio", args=["moonlight"]),
             reverse("dashboard:drill", args=["moonlight", "2026-02"]),
             reverse("dashboard:series", args=["moonlight", series]),
             reverse("dashboard:payouts", args=["moonlight"]),
             reverse("dashboard:statement", args=["moonlight", "2026-02"])]
    for url in pages:
        tables = _tables(client.get(url).content.decode())
        assert tables, url
        for table in tables:
            if 'id="table-' in table:
                continue  # a chart's table: the script writes its <thead> with the rows
            rows = re.findall(r"<tr.*?</tr>", table, re.S)
            # A column header row, or (a statement's totals) each row headed by its label.
            assert "<thead>" in table or all("<th" in r for r in rows), (url, table[:300])
    logged_in(client, make_user("fin", is_finance=True), "en")
    finance = _tables(client.get(reverse("dashboard:finance")).content.decode())
    assert finance and all("<thead>" in t for t in finance)


def test_a_rights_holder_with_nothing_sees_a_sentence_not_empty_tables(client, db):
    logged_in(client, make_user("holder", is_rights_holder=True), "zh-hans")
    page = client.get(reverse("dashboard:holder")).content.decode()
    assert "您的 IP 尚未授权给任何工作室。" in page
    assert "由您的 IP 改编的剧集尚无已结算收入。" in page
    assert "<table" not in page
    assert page.count("<h1>") == 1


def test_the_rights_holder_sees_each_license_named_once(client, settled):
    holder = User.objects.get(username="zhwx")
    license = License.objects.get(ip__rights_holder=holder)
    page = logged_in(client, holder, "en").get(reverse("dashboard:holder")).content.decode()
    assert f"<td>{license}</td>" in page
    assert f"{license.ip} · {license.ip}" not in page
    assert page.count(str(license.ip)) == 2  # the license's row and the series' row
    assert page.count("<h1>") == 1


def test_revenue_lines_are_counted_as_明细_in_chinese(client, settled):
    logged_in(client, User.objects.get(username="lin"), "zh-hans")
    drill = client.get(reverse("dashboard:drill", args=["moonlight", "2026-02"]))
    drill = drill.content.decode()
    assert '<th class="num">明细条数</th>' in drill and "行数" not in drill
    studio = client.get(reverse("dashboard:studio", args=["moonlight"])).content.decode()
    assert "0 条明细" in studio and " 行<" not in studio


def test_a_licensed_series_names_the_holders_share_as_a_percentage(client, settled):
    """It read 'share 0.3000'."""
    lin = User.objects.get(username="lin")
    series = lin.memberships.get().studio.series.get(license__isnull=False)
    page = logged_in(client, lin, "en").get(
        reverse("dashboard:series", args=["moonlight", series.slug])).content.decode()
    assert f"· share {series.license.licensor_share * 100:.0f}%</div>" in page


def test_the_minute_part_has_one_chinese_name_everywhere(client, settled):
    """The per-minute part of revenue share (DOMAIN.md's minute_part) read 时长部分 in the
    tables and 分钟部分 in the chart's heading; one name now, in every table of texts."""
    tables = {}
    for name in ("dashboard.json", "revenue.json"):
        tables.update(json.loads((Path(settings.BASE_DIR) / "locale/zh_Hans" / name).read_text()))
    named = {k: v for k, v in tables.items() if "minute part" in k.lower()}
    assert named and all("时长部分" in v for v in named.values()), named
    assert not [v for v in tables.values() if "分钟部分" in v]
    logged_in(client, User.objects.get(username="lin"), "zh-hans")
    for url in (reverse("dashboard:studio", args=["moonlight"]),
                reverse("dashboard:drill", args=["moonlight", "2026-02"]),
                reverse("revenue:statement", args=["studio", "moonlight", "2026-02"])):
        page = client.get(url).content.decode()
        assert "时长部分" in page and "分钟部分" not in page, url


def test_a_plain_member_reads_who_requests_payouts_and_a_statement_leads_back(client, settled):
    from creators.models import Membership, Studio

    moon = Studio.objects.get(slug="moonlight")
    helper = make_user("helper")
    Membership.objects.create(studio=moon, user=helper, role=Membership.Role.MEMBER)
    logged_in(client, helper, "en")
    page = client.get(reverse("dashboard:payouts", args=["moonlight"])).content.decode()
    assert 'data-testid="owners-request"' in page and 'id="payout-form"' not in page
    logged_in(client, User.objects.get(username="lin"), "en")  # an owner gets the form
    page = client.get(reverse("dashboard:payouts", args=["moonlight"])).content.decode()
    assert 'id="payout-form"' in page and 'data-testid="owners-request"' not in page
    statement = client.get(reverse("dashboard:statement", args=["moonlight", "2026-02"]))
    assert (f'<a href="{reverse("dashboard:studio", args=["moonlight"])}" data-testid="back">'
            in statement.content.decode())


def test_the_drill_down_reaches_every_line_a_page_at_a_time(client, settled, monkeypatch,
                                                             tmp_path):
    """It showed the first 500 lines and no more, while its total counted them all."""
    from django.core.management import call_command

    from dashboard import queries

    march = tmp_path / "march.csv"
    rows = ["date,episode_ref,valid_views,valid_minutes,ad_revenue"]
    rows += [f"2026-03-{day:02d},{ref},10,1.00,0.50" for day in range(1, 31)
             for ref in ("EP-BK-001", "EP-SW-001")]
    march.write_text("\n".join(rows) + "\n")
    call_command("import_revenue", str(march), platform="hongguo")
    call_command("settle", "2026-03")
    monkeypatch.setattr(queries, "DRILL_PAGE", 25)
    logged_in(client, User.objects.get(username="lin"), "en")
    url = reverse("dashboard:drill", args=["moonlight", "2026-03"])
    seen = []
    for page in (1, 2, 3):
        body = client.get(url, {"page": page}).content.decode()
        seen += re.findall(r'<tr class="line"><td>(2026-03-\d\d)</td><td>hongguo</td><td>'
                           r'<a class="drill-episode"[^>]*>(EP-[A-Z]+-\d+)</a>', body)
    assert len(seen) == 60 and len(set(seen)) == 60  # every line once
    assert "Lines 51–60 of 60" in body and 'rel="next"' not in body
    one = client.get(url, {"series": "sword", "page": "2"}).content.decode()
    assert "Lines 26–30 of 30" in one and 'href="?series=sword&amp;page=1"' in one
    # Paged above the list too; a filtered view leads back and says which cards are whole.
    assert 'data-testid="drill-pages-top"' in one and 'data-testid="all-lines"' in one
    assert "Incentives (whole period)" in one
    assert client.get(url, {"series": "nope"}).status_code == 404
