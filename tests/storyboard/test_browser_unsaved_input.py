"""A job that finishes while the creator is typing does not reload the storyboard under
them: the page says the results are ready (in the reader's language) and reloads when
asked, or by itself once nothing typed is left unsaved; with nothing typed it reloads at
once, as before. A refused form's page counts as unsaved, and its reload loads the
storyboard instead of sending the form again."""

import json

import pytest

from storyboard import services
from tests.conftest import browser_login
from tests.storyboard.conftest import url

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def finish(page, job) -> None:
    """What site.js dispatches when the studio socket says the job has ended."""
    detail = json.dumps({"type": "job", "job": str(job.pk), "state": "succeeded"})
    page.evaluate(f"document.dispatchEvent(new CustomEvent('manju:studio-event', "
                  f"{{detail: {detail}}}))")


def mark(page) -> None:
    """A mark that only this load of the page carries: a reload clears it."""
    page.evaluate("window.sameLoad = true")


def same_load(page) -> bool:
    return page.evaluate("window.sameLoad === true")


@pytest.fixture
def running_job(board, tiny_models):
    """A shot whose keyframe job is queued, so the page follows it; no worker runs it."""
    shot = services.add_shot(board, prompt="竹林")
    return shot, services.generate_keyframe(shot, None, seed=1, steps=2)


def test_a_finished_job_waits_for_what_is_being_typed(
        transactional_db, asgi_server, page, owner, board, running_job):
    shot, job = running_job
    browser_login(page.context, owner, asgi_server.url)
    page.goto(asgi_server.url + url("board", board.episode))
    prompt = page.locator(f"textarea[name=s{shot.pk}-prompt]")
    assert page.locator(f'[data-job="{job.pk}"]').count() == 1

    # An edited prompt, not saved (focus is elsewhere): no reload, a notice instead.
    mark(page)
    prompt.fill("竹林，夜雨，少女回头")
    page.locator("h1").click()
    finish(page, job)
    notice = page.get_by_role("status").filter(has_text="新的结果已生成")
    notice.wait_for()
    page.wait_for_timeout(1500)
    assert same_load(page)
    assert prompt.input_value() == "竹林，夜雨，少女回头"

    # Reload, when asked: the typed prompt goes, the saved one comes back.
    notice.get_by_role("button", name="刷新").click()
    page.wait_for_function("window.sameLoad === undefined")
    page.wait_for_load_state()
    assert prompt.input_value() == "竹林"

    # Focus in an empty box counts as typing; once it is left, the reload happens.
    mark(page)
    box = page.get_by_test_id("new-shot").locator("textarea[name=new-prompt]")
    box.focus()
    finish(page, job)
    page.get_by_test_id("reload-notice").get_by_test_id("reload").wait_for()
    page.wait_for_timeout(1000)
    assert same_load(page)
    page.locator("h1").click()
    page.wait_for_function("window.sameLoad === undefined")

    # Nothing typed: the page reloads straight away, as it always did.
    page.wait_for_load_state()
    mark(page)
    finish(page, job)
    page.wait_for_function("window.sameLoad === undefined")
    assert page.get_by_test_id("reload-notice").count() == 0


def test_a_refused_forms_page_keeps_its_text_and_reloads_the_storyboard(
        transactional_db, asgi_server, page, owner, board, running_job):
    shot, job = running_job
    browser_login(page.context, owner, asgi_server.url)
    board_url = asgi_server.url + url("board", board.episode)
    page.goto(board_url)
    form = page.get_by_test_id("new-shot")
    form.locator("textarea[name=new-prompt]").fill("第二个镜头，远景")
    form.locator("input[name=new-duration]").fill("61")
    # The browser's own check would stop 61 before the server sees it.
    form.evaluate("f => f.noValidate = true")
    form.get_by_test_id("add-shot").click()
    page.wait_for_load_state()
    assert page.url != board_url  # the page answering the POST

    # Nothing changed since it came, yet what it shows is unsaved.
    mark(page)
    finish(page, job)
    page.get_by_test_id("reload-notice").get_by_test_id("reload").wait_for()
    page.wait_for_timeout(1000)
    assert same_load(page)
    assert form.locator("textarea[name=new-prompt]").input_value() == "第二个镜头，远景"

    page.get_by_test_id("reload").click()
    page.wait_for_url(board_url)  # loaded, not posted again
    assert form.locator("textarea[name=new-prompt]").input_value() == ""
    assert services.storyboard_for(board.episode).shots.count() == 1
