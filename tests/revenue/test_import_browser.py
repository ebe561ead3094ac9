"""Playwright: finance uploads revenue files from the imports page in Chinese; the file goes
up under a progress bar, the bar waits while the server checks every row, and the server's
answer (accepted, or refused with its rows) replaces the page without losing the message."""

import pytest
from django.urls import reverse

from revenue.models import ImportBatch, RevenueLine
from tests.conftest import make_user
from tests.generation.conftest import session_cookie

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
IMPORTS = reverse("revenue:imports")

# What the progress box showed, kept where the page written in its place can read it.
RECORDER = """
document.addEventListener('DOMContentLoaded', () => {
  const box = document.querySelector('[data-role=import-progress]');
  if (!box) return;
  new MutationObserver(() => {
    const seen = JSON.parse(sessionStorage.getItem('progress') || '[]');
    seen.push([box.hidden, box.getAttribute('aria-valuenow'),
               box.querySelector('[data-role=import-label]').textContent]);
    sessionStorage.setItem('progress', JSON.stringify(seen));
  }).observe(box, {attributes: true, subtree: true, childList: true, characterData: true});
});
"""


def upload(page, name: str, content: bytes) -> None:
    page.locator("input[name=platform]").fill("hongguo")
    page.locator("input[name=file]").set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": content})
    with page.expect_request(lambda r: r.method == "POST") as posted:
        page.get_by_role("button", name="导入").click()
    assert posted.value.resource_type == "xhr"  # sent by the script, not a plain post


def test_finance_imports_under_a_progress_bar_and_reads_the_answer(asgi_server, page, example):
    finance = make_user("fin", is_finance=True)
    page.context.add_cookies([
        {"name": "sessionid", "value": session_cookie(finance).split("=", 1)[1],
         "url": asgi_server.url},
        {"name": "django_language", "value": "zh-hans", "url": asgi_server.url}])
    page.add_init_script(RECORDER)
    page.goto(asgi_server.url + IMPORTS)

    bad = (b"date,episode_ref,valid_views,valid_minutes,ad_revenue\n"
           b"2026-02-05,NOPE,1,1.00,1.00\n")
    upload(page, "bad.csv", bad)
    page.get_by_text("文件被拒绝（1 个问题），未保存任何数据。").wait_for()
    assert page.url == asgi_server.url + IMPORTS
    assert "NOPE" in page.locator("#batches").inner_text()  # the refused row, listed
    seen = page.evaluate("JSON.parse(sessionStorage.getItem('progress') || '[]')")
    assert [False, "100", "已上传，正在逐行检查并保存……"] in seen, seen
    assert RevenueLine.objects.count() == 0

    page.evaluate("sessionStorage.clear()")
    upload(page, "feb.csv", (example / "feb.csv").read_bytes())
    page.get_by_text("已导入 5 条收入明细。").wait_for()
    assert page.url == asgi_server.url + IMPORTS  # the redirect's address
    assert RevenueLine.objects.count() == 5
    assert list(ImportBatch.objects.order_by("created_at").values_list("status", flat=True)) == [
        "refused", "accepted"]
    # The page written in place still works: its own form posts through the script again.
    assert page.locator("form[data-import-form]").count() == 1
