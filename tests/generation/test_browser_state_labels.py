"""Playwright: the job page's live badge keeps the state in the reader's language when
the socket's first event (the current state) rewrites it."""

import pytest

from generation import credits
from generation.models import Job
from tests.generation.conftest import session_cookie

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BADGE_RECORDER = """
window.__badge = [];
document.addEventListener('DOMContentLoaded', () => {
  const badge = document.querySelector('[data-role="state"]');
  new MutationObserver(() => window.__badge.push(badge.textContent))
    .observe(badge, {childList: true, characterData: true, subtree: true});
});
"""


def open_queued_job(server, page, owner, studio, init_script: str = "") -> Job:
    """A queued job of the studio, its page opened in Chinese as the owner."""
    job = Job.objects.create(studio=studio, created_by=owner, kind=Job.Kind.KEYFRAME,
                             model_key="tiny-keyframe", price=1, params={"prompt": "竹林"})
    page.context.add_cookies([
        {"name": "sessionid", "value": session_cookie(owner).split("=", 1)[1],
         "url": server.url},
        {"name": "django_language", "value": "zh-hans", "url": server.url}])
    if init_script:
        page.add_init_script(init_script)
    page.goto(f"{server.url}/generation/jobs/{job.pk}/")
    return job


def test_the_live_badge_of_a_queued_job_stays_in_chinese(asgi_server, page, owner, studio):
    open_queued_job(asgi_server, page, owner, studio, BADGE_RECORDER)

    page.wait_for_function("window.__badge.length > 0")
    assert page.evaluate("window.__badge") == ["排队中"]
    assert page.locator('[data-role="state"]').text_content() == "排队中"


def test_the_job_page_fills_in_worker_and_timings_when_the_job_finishes(
        asgi_server, page, owner, studio):
    """Opened while the job waits, the provenance table gets the worker, the attempt and
    the load and run times from the final event, without a reload."""
    from generation import services
    from generation.progress import publish
    from generation.queries import job_state

    credits.grant(studio, 10)
    job = open_queued_job(asgi_server, page, owner, studio)
    page.wait_for_selector('[data-job-id][data-live="1"]')
    table = page.locator(f'[data-provenance-of="{job.pk}"]')
    assert table.locator('[data-role="load-seconds"]').text_content() == ""

    Job.objects.filter(pk=job.pk).update(state=Job.State.RUNNING, attempt=2,
                                         worker="gpu@test-host")
    job.refresh_from_db()
    assert services.finish_job(job, Job.State.SUCCEEDED, outputs=[], load_seconds=1.25,
                               run_seconds=2.5)
    job.refresh_from_db()
    publish(job.pk, job.studio_id, {**job_state(job), "snapshot": False}, wait=True,
            final=True)

    page.wait_for_selector('[data-job-id]:not([data-live])')
    page.wait_for_function("""() => document.querySelector(
        '[data-role="load-seconds"]').textContent.trim() !== ''""")
    assert table.locator('[data-role="load-seconds"]').text_content() == "1.250 s"
    assert table.locator('[data-role="run-seconds"]').text_content() == "2.500 s"
    assert table.locator('[data-role="worker"]').text_content() == "gpu@test-host (第 2 次尝试)"
    assert page.locator('[data-role="state"]').text_content() == "已完成"


def test_the_credits_badge_sits_beside_the_heading_not_below_it(asgi_server, page, owner,
                                                                 studio):
    """A toolbar's heading kept its bottom margin, and the toolbar aligns its items' bottom
    edges (for forms), so the badge hung a margin's height below the heading's text."""
    open_queued_job(asgi_server, page, owner, studio)
    page.goto(f"{asgi_server.url}/generation/s/{studio.slug}/")
    heading = page.locator(".toolbar h1").bounding_box()
    badge = page.locator('[data-testid="balance"]').bounding_box()
    middle = badge["y"] + badge["height"] / 2
    assert heading["y"] < middle < heading["y"] + heading["height"], (heading, badge)


def test_the_job_card_says_the_model_is_loading_until_the_steps_begin(
        asgi_server, page, owner, studio):
    from generation.progress import publish

    job = open_queued_job(asgi_server, page, owner, studio, BADGE_RECORDER)
    # data-live is in the served page; the socket's first event (the state it read after
    # joining the job's group) says an event published from now on reaches the page.
    page.wait_for_function("window.__badge.length > 0")
    card = page.locator(f'[data-job-id="{job.pk}"]')
    eta = card.locator('[data-role="eta"]')

    def running(**event):
        publish(job.pk, studio.pk, {"type": "job", "state": "running", "step": 0,
                                    "total": 4, **event}, wait=True)

    running(phase="loading")
    page.wait_for_function(f"""() => document.querySelector(
        '[data-job-id="{job.pk}"]').classList.contains('waiting')""")
    assert eta.text_content() == "正在加载模型…"
    assert card.locator('[data-role="bar"]').evaluate("b => b.style.width") == "100%"

    running(phase="rendering", load_seconds=2.5)
    page.wait_for_function(f"""() => !document.querySelector(
        '[data-job-id="{job.pk}"]').classList.contains('waiting')""")
    assert eta.text_content() == ""
    running(step=1, eta_s=3.0)
    page.wait_for_function(f"""() => document.querySelector(
        '[data-job-id="{job.pk}"] [data-role="step"]').textContent === '1/4'""")
    assert card.locator('[data-role="bar"]').evaluate("b => b.style.width") == "25%"
    assert "3.0" in eta.text_content()
