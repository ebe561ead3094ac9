"""Playwright: a creator generates a keyframe on the Jobs page and watches the progress
bar move and the preview change before the result appears."""

import pytest

from generation import credits
from generation.models import Job
from tests.generation.conftest import session_cookie

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

WORKER_ENV = {"MANJU_GENERATION_STEP_DELAY_MS": "150"}

RECORDER = """
window.__log = [];
document.addEventListener('DOMContentLoaded', () => {
  new MutationObserver((mutations) => {
    for (const m of mutations) {
      const t = m.target;
      if (m.type === 'attributes' && t.dataset && t.dataset.role === 'bar')
        window.__log.push(['bar', t.style.width]);
      if (m.type === 'attributes' && t.dataset && t.dataset.role === 'preview' && t.src)
        window.__log.push(['preview', t.src]);
      for (const n of m.addedNodes || [])
        if (n.dataset && n.dataset.testid === 'output') window.__log.push(['output', n.src]);
    }
  }).observe(document.body, {subtree: true, childList: true, attributes: true,
                             attributeFilter: ['style', 'src']});
});
"""


def test_a_creator_watches_a_keyframe_being_made(gpu_worker, module_server, page, owner,
                                                 studio):
    credits.grant(studio, 100)
    page.context.add_cookies([{"name": "sessionid",
                               "value": session_cookie(owner).split("=", 1)[1],
                               "url": module_server.url}])
    page.add_init_script(RECORDER)
    page.goto(module_server.url + "/generation/")
    form = page.get_by_test_id("keyframe-form")
    form.locator("textarea[name=prompt]").fill("月下竹林，少女回眸")
    form.locator("input[name=steps]").fill("14")
    shot_form = page.get_by_test_id("shot-form")
    assert shot_form.locator("select[name=first_job]").count() == 0  # no keyframe yet
    form.locator("button[type=submit]").click()
    page.get_by_test_id("output").first.wait_for(state="visible", timeout=40000)
    # The finished keyframe can start a shot at once: the form offers it, no reload.
    shot_form.locator(f"select[name=first_job] option[value='{Job.objects.get().pk}']").wait_for(
        state="attached", timeout=10000)

    log = page.evaluate("window.__log")
    first_output = next(i for i, (kind, _) in enumerate(log) if kind == "output")
    before = log[:first_output]
    widths = {value for kind, value in before if kind == "bar" and value not in ("0%", "100%")}
    previews = {value for kind, value in before if kind == "preview"}
    assert len(widths) >= 2, log
    assert len(previews) >= 2, [k for k, _ in log]
    job = Job.objects.get()
    assert job.state == "succeeded"
    assert page.get_by_test_id("job").first.get_attribute("data-state") == "succeeded"
    # Reloading the page shows the finished job with its output, no live socket needed.
    page.reload()
    assert page.get_by_test_id("output").first.get_attribute("src").endswith(
        f"{job.pk}/keyframe.png")
