"""A creator in real Chromium: series, episode, an upload cut off mid-way that resumes after
a reload, the probe's result and poster arriving live, the cover, and submission."""

import re

import pytest
from django.test import Client

from creators.models import Episode, Series, Upload
from tests.creators.conftest import make_png, make_video

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHUNK = 16 * 1024
PUT_CHUNK = re.compile(r"/uploads/[^/]+/\?offset=\d+$")


@pytest.fixture
def small_chunk_server(monkeypatch, request):
    """The real server, with chunks small enough that a tiny video needs several."""
    monkeypatch.setenv("UPLOAD_CHUNK_MAX_BYTES", str(CHUNK))
    return request.getfixturevalue("asgi_server")


def _log_in(page, server, user):
    client = Client()
    client.force_login(user)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                               "url": server.url}])


def test_a_creator_uploads_resumes_after_a_cut_and_submits(small_chunk_server, start_worker,
                                                          page, owner, studio, tmp_path):
    server = small_chunk_server
    start_worker("cpu")
    _log_in(page, server, owner)
    video = tmp_path / "ep1.mp4"
    video.write_bytes(make_video())
    cover = tmp_path / "cover.png"
    cover.write_bytes(make_png())

    page.goto(f"{server.url}/studio/dawn/series/new/")
    page.fill("#id_title", "月下剑")
    page.select_option("#id_category", "premium_2d")
    page.click("form.form button[type=submit]")
    page.wait_for_url("**/studio/dawn/series/*/")
    series = Series.objects.get(studio=studio)
    assert series.title == "月下剑"

    page.goto(f"{server.url}/studio/dawn/series/{series.slug}/episodes/new/")
    page.fill("#id_title", "誓言")
    page.fill("#id_hook_line", "他拔剑了！")
    page.click("form.form button[type=submit]")
    page.wait_for_url("**/studio/dawn/episodes/EP-*/")
    episode = Episode.objects.get(series=series)

    # Two chunks get through, then the connection drops for every chunk.
    passed = []

    def cut_after_two(route):
        if len(passed) < 2:
            passed.append(route.request.url)
            route.continue_()
        else:
            route.abort("connectionreset")

    assert page.locator("[data-testid=no-images]").is_visible()
    page.route(PUT_CHUNK, cut_after_two)
    page.set_input_files("[data-testid=video-file]", str(video))
    page.wait_for_selector("[data-testid=video-uploader][data-state=warn]")
    assert Upload.objects.get(episode=episode).offset == 2 * CHUNK
    assert not Episode.objects.get(pk=episode.pk).video

    # Reload before the cut ends: the old page keeps retrying, and a retry that got
    # through after the cut would move the resume point.
    page.reload()
    page.unroute(PUT_CHUNK)
    assert Upload.objects.get(episode=episode).offset == 2 * CHUNK
    page.set_input_files("[data-testid=video-file]", str(video))
    page.wait_for_selector("[data-testid=video-uploader][data-state=ok]")
    uploader = page.locator("[data-testid=video-uploader]")
    assert uploader.get_attribute("data-resumed-from") == str(2 * CHUNK)
    assert Upload.objects.count() == 1  # resumed, not started again

    # The probe runs on the cpu worker; its result and the poster appear without a reload.
    page.wait_for_selector("[data-testid=probe-result][data-state=done]", timeout=30000)
    assert page.locator("[data-field=resolution]").inner_text() == "36×64"
    assert page.locator("[data-field=codec]").inner_text() == "h264"
    units = {"en": ("31 s", "2 fps"), "zh-hans": ("31 秒", "2 帧/秒")}[
        page.evaluate("document.documentElement.lang")]
    assert (page.locator("[data-field=duration]").inner_text(),
            page.locator("[data-field=fps]").inner_text()) == units
    poster = page.locator("[data-testid=episode-poster]")
    assert poster.is_visible()
    assert not page.locator("[data-testid=no-images]").is_visible()
    page.wait_for_function(
        "document.querySelector('[data-testid=episode-poster]').naturalWidth === 36")
    episode.refresh_from_db()
    with open(episode.video.path, "rb") as stored:
        assert stored.read() == video.read_bytes()
    assert episode.probe_state == "done" and episode.poster
    # What still keeps it from review follows, without a reload: only the cover (封面) now.
    missing = page.locator("[data-testid=missing]")
    page.wait_for_function("document.querySelector('[data-testid=missing] "
                           "[data-role=missing-list]').textContent === '封面'")

    page.set_input_files("[data-testid=cover-file]", str(cover))
    page.wait_for_selector("[data-testid=cover-uploader][data-state=ok]")
    page.wait_for_selector("[data-testid=missing]", state="hidden")
    assert not missing.is_visible()
    page.click("[data-testid=submit-episode]")
    page.wait_for_load_state()
    page.wait_for_selector("[data-testid=episode-status]")
    assert Episode.objects.get(pk=episode.pk).status == Episode.Status.SUBMITTED


def test_a_refused_file_empties_the_bar_and_the_same_name_can_be_sent_again(
        transactional_db, small_chunk_server, page, owner, episode, studio, tmp_path):
    server = small_chunk_server
    _log_in(page, server, owner)
    fake = tmp_path / "ep1.mp4"
    fake.write_bytes(b"not a video at all " * 4096)  # several chunks, refused by content
    page.goto(f"{server.url}/studio/dawn/episodes/{episode.ref}/")
    page.set_input_files("[data-testid=video-file]", str(fake))
    page.wait_for_selector("[data-testid=video-uploader][data-state=error]")
    uploader = page.locator("[data-testid=video-uploader]")
    assert uploader.locator(".progress").get_attribute("class") == "progress failed"
    assert uploader.locator(".progress .bar").evaluate("bar => bar.style.width") == "0%"
    assert page.locator("[data-testid=video-file]").evaluate("input => input.value") == ""
    assert not Episode.objects.get(pk=episode.pk).video

    fake.write_bytes(make_video())  # the creator fixes the file and picks it again
    page.set_input_files("[data-testid=video-file]", str(fake))
    page.wait_for_selector("[data-testid=video-uploader][data-state=ok]")
    assert uploader.locator(".progress").get_attribute("class") == "progress"
    assert Episode.objects.get(pk=episode.pk).video


def test_an_upload_whose_session_ended_says_so_and_is_not_called_complete(
        transactional_db, small_chunk_server, page, owner, episode, studio, tmp_path):
    """The login page a lapsed session was sent to answered 200, which the uploader read as
    "Upload complete." The endpoints answer 401 in JSON, and the page says what to do."""
    server = small_chunk_server
    _log_in(page, server, owner)
    video = tmp_path / "ep1.mp4"
    video.write_bytes(make_video())

    def without_the_session(route):  # the session lapses before the last step
        from importlib import import_module

        from django.conf import settings

        key = next(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")
        import_module(settings.SESSION_ENGINE).SessionStore(session_key=key).delete()
        route.continue_()

    page.route("**/finalize/", without_the_session)
    page.goto(f"{server.url}/studio/dawn/episodes/{episode.ref}/")
    page.set_input_files("[data-testid=video-file]", str(video))
    page.wait_for_selector("[data-testid=video-uploader][data-state=error]")
    assert "登录已过期" in page.inner_text("[data-testid=video-uploader]")
    assert not Episode.objects.get(pk=episode.pk).video
    upload = Upload.objects.get()
    assert upload.status == "receiving" and upload.offset == upload.size  # nothing lost

    page.unroute("**/finalize/")  # logged in again: the same file goes on and finishes
    _log_in(page, server, owner)
    page.set_input_files("[data-testid=video-file]", str(video))
    page.wait_for_selector("[data-testid=video-uploader][data-state=ok]")
    assert Episode.objects.get(pk=episode.pk).video
