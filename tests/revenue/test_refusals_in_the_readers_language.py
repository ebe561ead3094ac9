"""Why finance's file, policy or run was refused, told in the reader's language: a Chinese
finance page reads Chinese reasons, an English one English, with the field names and the
file's own values kept as written."""

import html
import io
import json

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils.translation import override

from revenue.models import ImportBatch, PolicyVersion, SettlementRun
from revenue.queries import statement
from revenue.services import RevenueError, import_revenue, period_bounds
from tests.conftest import logged_in, make_user
from tests.revenue.conftest import csv_bytes, run

# Row 2 has three reasons, row 3 is blank, row 4 has one.
BAD_CSV = csv_bytes(["2026-02-05,NOPE,x,1.000,1.00", "",
                     "2026-02-05,EP-BK-001,1,1.00,1e3"])
REFUSED_ROWS = {
    "zh-hans": ["第 2 行：未知剧集 'NOPE'；valid_views 不是非负整数：'x'；"
                "valid_minutes 的小数超过 2 位",
                "第 3 行：空行",
                "第 4 行：ad_revenue 不是普通的十进制数写法：'1e3'"],
    "en": ["row 2: unknown episode 'NOPE'; valid_views is not a non-negative integer: 'x'; "
           "valid_minutes has more than 2 decimals",
           "row 3: blank line",
           "row 4: ad_revenue is not a plain decimal: '1e3'"],
}
REFUSED_FILE = {"zh-hans": "文件被拒绝（3 个问题），未保存任何数据。",
                "en": "The file was refused (3 problems); nothing was stored."}
BAD_POLICY = {
    "zh-hans": ["name：必填", "valid_from：应为 YYYY-MM-DD 格式",
                "minute_price：必须是非负的十进制数",
                "copyright_coefficients：必须恰好包含 exclusive, non_exclusive"],
    "en": ["name: required", "valid_from: expected YYYY-MM-DD",
           "minute_price: must be a non-negative decimal",
           "copyright_coefficients: needs exactly exclusive, non_exclusive"],
}
BACKDATED_POLICY = {
    "zh-hans": "valid_from 2026-02-28：不晚于已结算账期的最后一天（2026-02-28）",
    "en": "valid_from 2026-02-28: on or before 2026-02-28, the last day of a closed period",
}
EARLIER_RUN = {
    "zh-hans": "2026-01 早于已结算的 2026-02：结算按账期顺序进行",
    "en": "2026-01 comes before 2026-02, which is settled: runs go in order",
}
LANGUAGES = ["zh-hans", "en"]


@pytest.fixture
def settled(example):
    run("import_revenue", str(example / "feb.csv"), "--platform", "hongguo")
    run("settle", "2026-02")
    return example


def finance(client, language):
    return logged_in(client, make_user("fin", is_finance=True), language)


def text(response) -> str:
    return html.unescape(response.content.decode())


def policy_form(client) -> dict:
    """The next version as the policies page offers it: a copy of the current one."""
    return json.loads(client.get(reverse("revenue:policies")).context["form"]
                      .initial["policy"])


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_refused_revenue_file_lists_its_rows_in_the_readers_language(
        client, example, language):
    page = finance(client, language).post(reverse("revenue:imports"), {
        "platform": "hongguo", "file": SimpleUploadedFile("bad.csv", BAD_CSV)})
    assert page.status_code == 400
    body = text(page)
    assert REFUSED_FILE[language] in body
    for row in REFUSED_ROWS[language]:
        assert row in body
    batch = ImportBatch.objects.get()
    for reader in LANGUAGES:  # kept as messages and values: each reader reads their own
        with override(reader):
            assert batch.problems() == REFUSED_ROWS[reader]


PLATFORM_CODE = {
    "zh-hans": "请输入平台代码：由字母、数字、连字符（-）或下划线（_）组成，不含空格，"
               "例如 hongguo 或 douyin-manju。",
    "en": "Enter the platform's code: letters, digits, hyphens (-) or underscores (_), "
          "with no spaces, such as hongguo or douyin-manju.",
}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("platform", ["红果 短剧", "hong guo", "hongguo.app"])
def test_a_bad_platform_code_is_explained_in_our_words(client, example, language, platform):
    """It read Django's stock slug message: a valid “slug”, in Chinese a valid “字段”."""
    page = finance(client, language).post(reverse("revenue:imports"), {
        "platform": platform, "file": SimpleUploadedFile("feb.csv", b"date\n")})
    assert page.status_code == 400
    body = text(page)
    assert PLATFORM_CODE[language] in body
    assert "slug" not in body.lower() and "“字段”" not in body
    assert not ImportBatch.objects.exists()


def test_a_refused_file_uploaded_in_chinese_reads_in_english_later(client, example):
    uploader = finance(client, "zh-hans")
    uploader.post(reverse("revenue:imports"), {
        "platform": "hongguo", "file": SimpleUploadedFile("bad.csv", BAD_CSV)})
    client.cookies["django_language"] = "en"
    body = text(client.get(reverse("revenue:imports")))
    for row in REFUSED_ROWS["en"]:
        assert row in body
    assert "未知剧集" not in body


def test_batches_refused_before_problems_were_stored_still_show_their_text(client, example):
    ImportBatch.objects.create(platform="hongguo", filename="old.csv", sha256="0" * 64,
                               status=ImportBatch.Status.REFUSED,
                               errors=["row 2: unknown episode 'OLD'"])
    body = text(finance(client, "zh-hans").get(reverse("revenue:imports")))
    assert "row 2: unknown episode 'OLD'" in body


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_bad_policy_is_refused_with_every_reason_in_the_readers_language(
        client, example, language):
    data = policy_form(finance(client, language))
    data.update(name=" ", valid_from="2026/03/01", minute_price="-1",
                copyright_coefficients={"exclusive": "2"})
    page = client.post(reverse("revenue:policies"), {"policy": json.dumps(data)})
    assert page.status_code == 400
    body = text(page)
    for problem in BAD_POLICY[language]:
        assert problem in body
    assert PolicyVersion.objects.count() == 2  # the example's own


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_policy_inside_a_closed_period_is_refused_in_the_readers_language(
        client, settled, language):
    data = policy_form(finance(client, language))
    data.update(name="Backdated", valid_from="2026-02-28")
    page = client.post(reverse("revenue:policies"), {"policy": json.dumps(data)})
    assert page.status_code == 400 and BACKDATED_POLICY[language] in text(page)
    assert not PolicyVersion.objects.filter(name="Backdated").exists()


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_run_before_a_settled_period_is_refused_in_the_readers_language(
        client, settled, language):
    page = finance(client, language).post(reverse("revenue:runs"), {"period": "2026-01"})
    assert page.status_code == 400 and EARLIER_RUN[language] in text(page)
    assert not SettlementRun.objects.filter(period="2026-01").exists()


def test_rows_refused_in_chinese_still_come_in_row_order(example):
    # Row 2 clashes with a stored line, found only when its batch is written, after row 3
    # was read: the problems are ordered by row number, not by their (Chinese) text.
    import_revenue(io.BytesIO(csv_bytes(["2026-02-05,EP-BK-001,1,1.00,1.00"])), "hongguo")
    with override("zh-hans"), pytest.raises(RevenueError) as err:
        import_revenue(io.BytesIO(csv_bytes(["2026-02-05,EP-BK-001,5,2.00,1.00",
                                             "2026-02-20,NOPE,1,1.00,1.00"])), "hongguo")
    assert err.value.problems == ["第 2 行：hongguo 上 2026-02-05 EP-BK-001 的收入已导入过",
                                  "第 3 行：未知剧集 'NOPE'"]


def test_with_no_request_the_refusals_are_in_the_sites_language(db, tmp_path):
    bad = tmp_path / "policy.json"
    bad.write_text("{")
    with override(settings.LANGUAGE_CODE):
        with pytest.raises(RevenueError, match="账期 '2026-13' 有误：应为 YYYY-MM 格式"):
            period_bounds("2026-13")
        with pytest.raises(RevenueError, match="账期 2026-03 尚未结算"):
            statement("2026-03")
        with pytest.raises(CommandError, match="不是有效的 JSON："):
            run("import_policy", str(bad))


@pytest.mark.parametrize("language, refused, imported", [
    ("en", "The file was refused (1 problem); nothing was stored.", "1 line imported."),
    ("zh-hans", "文件被拒绝（1 个问题），未保存任何数据。", "已导入 1 条收入明细。")])
def test_one_problem_and_one_line_are_counted_in_the_singular(
        client, example, language, refused, imported):
    reader = finance(client, language)
    page = reader.post(reverse("revenue:imports"), {
        "platform": "hongguo", "file": SimpleUploadedFile("bad.csv", csv_bytes(
            ["2026-02-05,NOPE,1,1.00,1.00"]))})
    assert page.status_code == 400 and refused in text(page)
    page = reader.post(reverse("revenue:imports"), {
        "platform": "hongguo", "file": SimpleUploadedFile("one.csv", csv_bytes(
            ["2026-02-05,EP-BK-001,1,1.00,1.00"]))}, follow=True)
    assert page.status_code == 200 and imported in text(page)
