"""Revenue pages: payees see only their own statements; finance sees and does the rest."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from creators.models import User
from revenue.models import ImportBatch, PolicyVersion, RevenueLine, SettlementRun
from tests.conftest import logged_in, make_user
from tests.revenue.conftest import run


@pytest.fixture
def settled(example):
    run("import_revenue", str(example / "feb.csv"), "--platform", "hongguo")
    run("settle", "2026-02")
    return example


def url(kind, key, period="2026-02"):
    return reverse("revenue:statement", args=[kind, key, period])


def test_a_member_reads_the_studio_statement_and_its_csv(client, settled):
    client.force_login(User.objects.get(username="lin"))
    page = client.get(reverse("revenue:index"))
    assert url("studio", "moonlight").encode() in page.content
    page = client.get(url("studio", "moonlight"))
    assert "¥20,766.05" in page.content.decode()
    csv = client.get(url("studio", "moonlight") + "?format=csv")
    assert csv["Content-Type"] == "text/csv"
    assert b"closing_balance,20766.05" in csv.content


def test_other_studios_and_other_holders_get_404_never_data(client, settled, outsider):
    client.force_login(outsider)
    for target in (url("studio", "moonlight"), url("licensor", "zhwx"),
                   url("studio", "moonlight") + "?format=csv",
                   url("licensor", "zhwx") + "?format=json"):
        response = client.get(target)
        body = response.content.decode()
        assert response.status_code == 404 and "20766" not in body and "20,766" not in body
        assert "6769" not in body and "6,769" not in body
    client.force_login(User.objects.get(username="lin"))
    assert client.get(url("licensor", "zhwx")).status_code == 404
    for name in ("revenue:imports", "revenue:runs", "revenue:trial_balance",
                 "revenue:policies"):
        assert client.get(reverse(name)).status_code == 403
    assert client.post(reverse("revenue:runs"), {"period": "2026-03"}).status_code == 403
    assert not SettlementRun.objects.filter(period="2026-03").exists()


def test_the_rights_holder_reads_their_statement(client, settled):
    client.force_login(User.objects.get(username="zhwx"))
    body = json.loads(client.get(url("licensor", "zhwx") + "?format=json").content)
    assert body["totals"]["earned_share"] == "6769.65"
    assert client.get(url("studio", "moonlight")).status_code == 404


def test_finance_uploads_settles_and_sees_a_zero_trial_balance(client, example):
    logged_in(client, make_user("fin", is_finance=True), "en")
    bad = SimpleUploadedFile("bad.csv", b"date,episode_ref,valid_views,valid_minutes,ad_revenue\n"
                             b"2026-02-05,NOPE,1,1.00,1.00\n")
    assert client.post(reverse("revenue:imports"),
                       {"platform": "hongguo", "file": bad}).status_code == 400
    assert RevenueLine.objects.count() == 0
    assert ImportBatch.objects.get().status == "refused"
    assert b"row 2: unknown episode" in client.get(reverse("revenue:imports")).content
    good = SimpleUploadedFile("feb.csv", (example / "feb.csv").read_bytes())
    client.post(reverse("revenue:imports"), {"platform": "hongguo", "file": good})
    assert RevenueLine.objects.count() == 5
    client.post(reverse("revenue:runs"), {"period": "2026-02"})
    assert SettlementRun.objects.get().lines == 5
    page = client.get(reverse("revenue:trial_balance"))
    assert page.context["total"] == 0 and len(page.context["rows"]) >= 4
    assert client.get(url("studio", "moonlight")).status_code == 200
    assert b"2026-02" in client.get(reverse("revenue:index")).content


def test_finance_creates_the_next_policy_from_a_copy_and_sees_the_history(client, example):
    client.force_login(make_user("fin", is_finance=True))
    page = client.get(reverse("revenue:policies"))
    data = json.loads(page.context["form"].initial["policy"])
    assert data["category_coefficients"]["premium_2d"] == "40"
    data.update(name="March", valid_from="2026-03-01", minute_price="0.0006")
    client.post(reverse("revenue:policies"), {"policy": json.dumps(data)})
    assert PolicyVersion.objects.get(valid_from="2026-03-01").data["minute_price"] == "0.0006"
    rows = {r["key"]: r["values"] for r in client.get(reverse("revenue:policies")).context["rows"]}
    assert rows["minute_price"] == ["0.0005", "0.0005", "0.0006"]
    assert rows["category_coefficients.premium_2d"] == ["50", "40", "40"]


def test_a_policy_starting_inside_a_closed_period_is_refused_on_the_page(client, settled):
    logged_in(client, make_user("fin", is_finance=True), "en")
    data = json.loads(client.get(reverse("revenue:policies")).context["form"].initial["policy"])
    data.update(name="Backdated", valid_from="2026-02-28")
    response = client.post(reverse("revenue:policies"), {"policy": json.dumps(data)})
    assert response.status_code == 400 and b"closed period" in response.content
    assert not PolicyVersion.objects.filter(name="Backdated").exists()


def test_the_finance_home_tables_say_what_their_columns_are(client, settled):
    import re

    logged_in(client, make_user("fin", is_finance=True), "zh-hans")
    page = client.get(reverse("revenue:index")).content.decode()
    heads = [re.findall(r"<th[^>]*>([^<]*)</th>", thead)
             for thead in re.findall(r"<thead>(.*?)</thead>", page, re.S)]
    assert heads == [["账期", "明细条数"], ["平台", "文件", "状态", "明细条数"]]
    assert '<td class="wrap">' in page  # a long file name breaks instead of widening it
    assert "行数" not in page


def test_the_runs_page_tells_studios_of_one_name_apart(client, settled):
    from creators.models import Studio
    from creators.services import create_studio

    create_studio(make_user("twin"), "月光工作室", slug="moonlight-2")
    create_studio(make_user("solo"), "独行", slug="solo")
    Studio.objects.filter(slug="moonlight").update(name="月光工作室")
    client.force_login(make_user("fin", is_finance=True))
    body = client.get(reverse("revenue:run_statements", args=["2026-02"])).content.decode()
    assert "月光工作室 (moonlight)</td>" in body and "月光工作室 (moonlight-2)</td>" in body
    assert ">独行</td>" in body  # a name of its own needs no slug


def test_a_runs_statements_are_found_by_name_a_page_at_a_time(client, settled, monkeypatch):
    """The runs page listed a link to every payee in every run's row: 10,000 studios made
    10,000 links a row. It links to one page per run, searched and paged."""
    from creators.services import create_studio
    from revenue import views

    for i in range(7):
        create_studio(make_user(f"s{i}"), f"星河{i}号", slug=f"xinghe-{i}")
    monkeypatch.setattr(views, "RUN_STATEMENTS_PAGE", 3)
    logged_in(client, make_user("fin", is_finance=True), "en")
    runs = client.get(reverse("revenue:runs")).content.decode()
    page_url = reverse("revenue:run_statements", args=["2026-02"])
    payees = 1 + 7 + 1  # moonlight, the seven, the rights holder zhwx
    assert f'<a href="{page_url}">{payees} statements</a>' in runs
    assert runs.count('href="/revenue/statements/') == 0
    first = client.get(page_url).content.decode()
    assert first.count('>View</a>') == 3 and "Page 1 of 3" in first
    found = client.get(page_url, {"q": "星河"}).content.decode()
    assert "7 payees" in found and found.count(">View</a>") == 3
    last = client.get(page_url, {"q": "星河", "page": "3"}).content.decode()
    assert last.count(">View</a>") == 1 and 'rel="prev" href="?q=%E6%98%9F%E6%B2%B3&amp;page=2"' in last
    assert client.get(page_url, {"q": "zhwx"}).content.decode().count(">View</a>") == 1
    assert client.get(reverse("revenue:run_statements", args=["2026-05"])).status_code == 404
    client.force_login(User.objects.get(username="lin"))  # a studio member is not finance
    assert client.get(page_url).status_code == 403


def test_odd_finance_input_is_refused_in_words_never_a_500(client, settled):
    """Year 0000 passed the period pattern and the calendar raised; a policy nested
    200,000 deep overflowed the parser; a 300-character policy name failed the database
    (on PostgreSQL); each is now said beside the field, and nothing is stored."""
    logged_in(client, make_user("fin", is_finance=True), "en")
    for period in ("0000-01", "2026-13", "2026-2"):
        response = client.post(reverse("revenue:runs"), {"period": period})
        assert response.status_code in (200, 400), period
        assert b"Enter the period as YYYY-MM, such as 2026-02." in response.content, period
    assert list(SettlementRun.objects.values_list("period", flat=True)) == ["2026-02"]
    deep = client.post(reverse("revenue:policies"), {"policy": "[" * 200000})
    assert deep.status_code in (200, 400) and b"Not valid JSON" in deep.content
    data = json.loads(client.get(reverse("revenue:policies")).context["form"].initial["policy"])
    data.update(name="长" * 300, valid_from="2026-04-01")
    named = client.post(reverse("revenue:policies"), {"policy": json.dumps(data)})
    assert named.status_code == 400 and b"name: at most 200 characters" in named.content
    assert PolicyVersion.objects.count() == 2


def test_a_drill_down_of_no_period_is_not_found(client, settled):
    client.force_login(User.objects.get(username="lin"))
    assert client.get(reverse("dashboard:drill", args=["moonlight", "abc"])).status_code == 404
    assert client.get(reverse("dashboard:drill", args=["moonlight", "2026-02"])).status_code == 200


def test_a_refused_file_keeps_enough_of_its_problems_and_the_page_folds_them(client, example):
    """Every bad row is still reported to the uploader; the batch keeps the first 200 (a
    file of 100,000 bad rows was 100,000 list items on every visit to the imports page)."""
    from revenue import services

    rows = "".join(f"2026-02-05,NOPE-{i},1,1.00,1.00\n" for i in range(300))
    bad = SimpleUploadedFile("bad.csv", ("date,episode_ref,valid_views,valid_minutes,"
                                         "ad_revenue\n" + rows).encode())
    logged_in(client, make_user("fin", is_finance=True), "en")
    refused = client.post(reverse("revenue:imports"), {"platform": "hongguo", "file": bad})
    assert "The file was refused (300 problems)" in refused.content.decode()
    batch = ImportBatch.objects.get()
    assert len(batch.errors) == services.REFUSALS_KEPT + 1
    assert batch.problems()[-1] == "… and 100 more problems"
    assert batch.problems()[0] == "row 2: unknown episode 'NOPE-0'"
    page = client.get(reverse("revenue:imports")).content.decode()
    shown, folded = page.split('<details class="more-errors">', 1)
    assert shown.count("unknown episode") == 5
    assert folded.count("unknown episode") == 195 and "… and 100 more problems" in folded
