"""Playwright: the job page's live badge keeps the state in the reader's language when
the socket's first event (the current state) rewrites it."""

import pytest

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


def test_the_live_badge_of_a_queued_job_stays_in_chinese(asgi_server, page, owner, studio):
    job = Job.objects.create(studio=studio, created_by=owner, kind=Job.Kind.KEYFRAME,
                             model_key="tiny-keyframe", price=1, params={"prompt": "竹林"})
    page.context.add_cookies([
        {"name": "sessionid", "value": session_cookie(owner).split("=", 1)[1],
         "url": asgi_server.url},
        {"name": "django_language", "value": "zh-hans", "url": asgi_server.url}])
    page.add_init_script(BADGE_RECORDER)
    page.goto(f"{asgi_server.url}/generation/jobs/{job.pk}/")

    page.wait_for_function("window.__badge.length > 0")
    assert page.evaluate("window.__badge") == ["排队中"]
    assert page.locator('[data-role="state"]').text_content() == "排队中"
