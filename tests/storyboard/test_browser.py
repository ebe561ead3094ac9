"""The whole studio in Chromium against the real stack (daphne, a gpu worker, a cpu
worker, tiny models): three shots, a nine-grid (one job, nine candidates) and a pick, a one-sentence edit, two shots
animated (one ending on the next keyframe), assembly, playback, submission."""

import os

import pytest
from django.test import Client

from creators.models import Episode
from generation.models import Job
from storyboard.models import Shot

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

FAST = {"MANJU_STORYBOARD_KEYFRAME_STEPS": "2", "MANJU_STORYBOARD_MOTION_STEPS": "2",
        "MANJU_STORYBOARD_MOTION_FRAMES": "5"}


@pytest.fixture
def fast_env(tiny_models):
    saved = {k: os.environ.get(k) for k in FAST}
    os.environ.update(FAST)  # read by the server process the next fixture starts
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def log_in(page, server, user):
    client = Client()
    client.force_login(user)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                               "url": server.url}])


def shot(page, n):
    return page.locator(f'[data-testid="shot"][data-order="{n}"]')


def test_a_creator_storyboards_animates_assembles_plays_and_submits(
        fast_env, asgi_server, start_worker, page, owner, board):
    start_worker("gpu", name="sb-gpu")
    start_worker("cpu", name="sb-cpu")
    episode = board.episode
    log_in(page, asgi_server, owner)
    page.goto(f"{asgi_server.url}/storyboard/dawn/episodes/{episode.ref}/")

    for n, line in enumerate(["月光下，她回头", "他拔出了剑", "两人对视"], start=1):
        form = page.get_by_test_id("new-shot")
        form.locator("textarea[name=new-prompt]").fill(f"镜头{n}")
        form.locator("textarea[name=new-dialogue]").fill(line)
        form.locator("input[name=new-duration]").fill("10")
        form.get_by_test_id("add-shot").click()
        page.wait_for_load_state()
    assert page.get_by_test_id("shot").count() == 3
    assert shot(page, 1).get_by_test_id("hook").is_visible()

    # Nine-grid on shot 1: one job, followed live, brings nine candidates; the fifth is
    # picked.
    shot(page, 1).get_by_test_id("nine-grid").click()
    page.wait_for_load_state()
    assert shot(page, 1).get_by_test_id("job").count() == 1
    shot(page, 1).get_by_test_id("candidate").nth(8).wait_for(timeout=60000)
    assert shot(page, 1).get_by_test_id("candidate").count() == 9
    shot(page, 1).get_by_test_id("candidate").nth(4).click()
    shot(page, 1).get_by_test_id("chosen-keyframe").wait_for()
    first = Shot.objects.get(storyboard=board, order=1)
    picked = first.keyframe_job_id
    assert first.keyframe_index == 4 and first.keyframe_job.params["num_images"] == 9
    assert shot(page, 1).get_by_test_id("chosen-keyframe").get_attribute("src").endswith(
        first.keyframe_job.outputs[4]["path"])

    # One-sentence edit: a new candidate from the chosen one, then picked.
    shot(page, 1).get_by_test_id("edit-instruction").fill("改成夜晚，下着雨")
    shot(page, 1).get_by_test_id("edit").click()
    shot(page, 1).get_by_test_id("candidate").first.wait_for(timeout=30000)
    shot(page, 1).get_by_test_id("candidate").first.click()
    page.wait_for_load_state()
    edited = Shot.objects.get(storyboard=board, order=1).keyframe_job
    assert edited.pk != picked and edited.params["edit_of"] == str(picked)
    assert edited.params["init_index"] == 4

    for n in (2, 3):
        shot(page, n).get_by_test_id("keyframe").click()
        shot(page, n).get_by_test_id("candidate").first.wait_for(timeout=30000)
        shot(page, n).get_by_test_id("candidate").first.click()
        shot(page, n).get_by_test_id("chosen-keyframe").wait_for()

    # Animate shot 1 ending on shot 2's keyframe, and shot 2 on its own.
    shot(page, 1).get_by_test_id("last-frame").check()
    shot(page, 1).get_by_test_id("animate").click()
    page.wait_for_load_state()
    shot(page, 2).get_by_test_id("animate").click()
    shot(page, 1).get_by_test_id("clip").wait_for(timeout=60000)
    shot(page, 2).get_by_test_id("clip").wait_for(timeout=60000)
    first_clip = Shot.objects.get(storyboard=board, order=1).clip_job
    assert first_clip.params["last_job"] == str(
        Shot.objects.get(storyboard=board, order=2).keyframe_job_id)

    page.get_by_test_id("assemble").click()
    video = page.get_by_test_id("episode-video")
    video.wait_for(timeout=60000)
    # The page settles once the new video passed the probe: submit becomes possible.
    page.locator("[data-testid=submit]:not([disabled])").wait_for(timeout=30000)
    assert page.get_by_test_id("assembly-state").get_attribute("data-state") == "succeeded"
    played = page.evaluate("""async () => {
        const v = document.querySelector('[data-testid=episode-video]');
        v.muted = true;
        await v.play();
        await new Promise(r => setTimeout(r, 700));
        return {time: v.currentTime, width: v.videoWidth, height: v.videoHeight,
                duration: v.duration};
    }""")
    assert played["time"] > 0 and (played["width"], played["height"]) == (144, 256)
    assert abs(played["duration"] - 30) < 0.5

    page.get_by_test_id("submit").click()
    page.wait_for_load_state()
    assert Episode.objects.get(pk=episode.pk).status == Episode.Status.SUBMITTED
    assert page.get_by_test_id("episode-status").inner_text() != ""
    assert Job.objects.filter(studio=board.episode.series.studio,
                              state=Job.State.SUCCEEDED).count() == 1 + 1 + 2 + 2
