"""In real Chromium against the real ASGI server: a creator submits, a reviewer claims,
watches the video and approves with grade A; the creator's open page shows it live."""

import pytest
from django.core.files.base import ContentFile

from review.models import Decision
from tests.conftest import browser_login, make_user
from tests.review.conftest import add_episode, make_clip


@pytest.mark.browser
def test_creator_submits_reviewer_approves_and_creator_sees_it_live(
        asgi_server, page, chromium, owner, series):
    episode = add_episode(series, 1, make_clip(seed=9, label=True, generated_meta=True),
                          submit=False)
    episode.cover.save("cover.png", ContentFile(_png()), save=True)
    reviewer = make_user("rev", is_reviewer=True)
    base = asgi_server.url
    page.set_default_timeout(30000)  # a loaded shared CI machine: generous, not flaky

    browser_login(page.context, owner, base)
    page.goto(f"{base}/studio/{series.studio.slug}/episodes/{episode.ref}/")
    page.get_by_test_id("submit-episode").click()
    page.wait_for_selector("#review-decisions")
    page.wait_for_function("document.body.dataset.live === 'connected'")

    other = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    try:
        other.set_default_timeout(30000)
        rpage = other.new_page()
        browser_login(other, reviewer, base)
        rpage.goto(f"{base}/review/")
        rpage.get_by_role("link", name=episode.ref, exact=False).click()
        rpage.get_by_test_id("claim").click()
        video = rpage.get_by_test_id("review-video")
        video.wait_for()
        rpage.wait_for_function(
            "document.querySelector('[data-testid=review-video]').readyState >= 1")
        assert rpage.evaluate(
            "document.querySelector('[data-testid=review-video]').duration") > 5
        form = rpage.get_by_test_id("approve-form")
        form.locator("select[name=grade]").select_option("A")
        form.get_by_test_id("approve").click()
        rpage.wait_for_selector("[data-testid=item-state][data-state=approved]")
    finally:
        other.close()

    live = page.get_by_test_id("review-live")
    live.wait_for(state="visible")
    assert episode.ref in live.inner_text() and "A" in live.inner_text()
    decision = Decision.objects.get(episode=episode)
    assert (decision.kind, decision.grade, decision.reviewer) == ("approve", "A", reviewer)


def _png() -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (90, 160), (200, 80, 40)).save(buf, "PNG")
    return buf.getvalue()
