"""After upload: the probe records the video's facts, a poster and a preview; only complete
episodes reach review."""

from pathlib import Path

import av
import pytest
from django.urls import reverse
from PIL import Image

from creators import services
from creators.models import Episode
from tests.creators.conftest import make_png, make_video

pytestmark = pytest.mark.django_db


@pytest.fixture
def uploaded(uploading, episode):
    assert uploading.send(episode, "video", make_video(), chunk=100_000).status_code == 200
    episode.refresh_from_db()
    return episode


def test_the_probe_records_facts_poster_and_preview_and_reports_progress(uploaded):
    Episode.objects.filter(pk=uploaded.pk).update(width=None, video_codec="")
    events = []

    episode = services.probe_episode_video(uploaded.pk, report=events.append)

    assert episode.probe_state == Episode.Probe.DONE
    assert (episode.width, episode.height, episode.video_codec) == (36, 64, "h264")
    assert float(episode.fps) == 2.0
    with Image.open(episode.poster.path) as poster:
        assert poster.size == (36, 64)
    with av.open(episode.preview.path) as preview:
        assert preview.streams.video[0].frames == 6  # 3 s at 2 fps
    progress = [e["progress"] for e in events]
    assert progress == sorted(progress) and progress[-1] == 100
    assert events[-1]["state"] == "done" and events[-1]["episode"] == uploaded.pk


def test_a_probe_runs_once_even_when_delivered_twice(uploaded):
    first = services.probe_episode_video(uploaded.pk)
    events = []
    again = services.probe_episode_video(uploaded.pk, report=events.append)
    assert again.poster.name == first.poster.name and events == []


def test_a_video_that_vanished_fails_the_probe_with_a_reason(uploaded):
    Path(uploaded.video.path).unlink()
    episode = services.probe_episode_video(uploaded.pk)
    assert episode.probe_state == Episode.Probe.FAILED
    assert episode.probe_error
    assert not episode.poster


def test_an_incomplete_episode_cannot_be_submitted(client, owner, uploaded):
    client.force_login(owner)
    client.cookies["django_language"] = "en"
    url = reverse("creators:episode_submit", args=["dawn", uploaded.ref])
    page = client.post(url, follow=True).content.decode()
    assert "a valid video" in page and "a cover" in page  # not probed yet, no cover
    assert Episode.objects.get(pk=uploaded.pk).status == Episode.Status.DRAFT


def test_a_complete_episode_is_submitted_for_review(client, uploading, uploaded):
    services.probe_episode_video(uploaded.pk)
    assert uploading.send(uploaded, "cover", make_png(), filename="c.png").status_code == 200
    uploading.client.post(reverse("creators:episode_submit", args=["dawn", uploaded.ref]))
    episode = Episode.objects.get(pk=uploaded.pk)
    assert episode.status == Episode.Status.SUBMITTED
    # Submitted work is frozen for the creator.
    assert uploading.create(episode, "video", 10).status_code == 409


def test_members_get_the_episode_files_and_its_probe_summary(client, member, uploaded):
    services.probe_episode_video(uploaded.pk)
    client.force_login(member)
    summary = client.get(reverse("creators:episode_probe", args=["dawn", uploaded.ref])).json()
    assert (summary["state"], summary["width"], summary["codec"]) == ("done", 36, "h264")
    video = client.get(summary["video"])
    assert video.status_code == 200
    assert b"".join(video.streaming_content) == make_video()
    assert client.get(summary["poster"])["Content-Type"] == "image/jpeg"


def test_what_an_episode_still_needs_reads_as_a_list_of_the_readers_language(
        client, owner, uploaded):
    client.force_login(owner)
    client.cookies["django_language"] = "zh-hans"
    page = client.get(reverse("creators:episode", args=["dawn", uploaded.ref])).content.decode()
    assert '<span data-role="missing-list">有效的视频、封面</span>' in page
    refused = client.post(reverse("creators:episode_submit", args=["dawn", uploaded.ref]),
                          follow=True).content.decode()
    assert "有效的视频、封面" in refused


def test_the_probe_summary_says_what_the_episode_still_needs(client, owner, uploading,
                                                              uploaded):
    probe = reverse("creators:episode_probe", args=["dawn", uploaded.ref])
    client.force_login(owner)
    client.cookies["django_language"] = "en"
    assert client.get(probe).json()["missing"] == "a valid video, a cover"
    services.probe_episode_video(uploaded.pk)
    assert client.get(probe).json()["missing"] == "a cover"
    assert uploading.send(uploaded, "cover", make_png(), filename="c.png").status_code == 200
    assert client.get(probe).json()["missing"] == ""


@pytest.mark.parametrize("language, duration, fps", [("zh-hans", "31 秒", "2 帧/秒"),
                                                     ("en", "31 s", "2 fps")])
def test_the_video_facts_read_in_the_readers_units(client, owner, uploaded, language,
                                                   duration, fps):
    """A figure not known yet reads "—"; once probed, 31.000 s reads 31 秒 on a Chinese page
    (it read "31.000 s"), in the page and in the summary the page refreshes itself from."""
    page = reverse("creators:episode", args=["dawn", uploaded.ref])
    probe = reverse("creators:episode_probe", args=["dawn", uploaded.ref])
    client.force_login(owner)
    client.cookies["django_language"] = language
    Episode.objects.filter(pk=uploaded.pk).update(duration_seconds=None, fps=None)
    assert '<dd data-field="duration">—</dd>' in client.get(page).content.decode()

    services.probe_episode_video(uploaded.pk)

    body = client.get(page).content.decode()
    assert f'<dd data-field="duration">{duration}</dd>' in body
    assert f'<dd data-field="fps">{fps}</dd>' in body
    summary = client.get(probe).json()
    assert (summary["duration_text"], summary["fps_text"]) == (duration, fps)


def test_the_poster_card_says_so_while_it_has_no_picture(client, owner, uploaded):
    """It was a heading over nothing."""
    page = reverse("creators:episode", args=["dawn", uploaded.ref])
    client.force_login(owner)
    client.cookies["django_language"] = "zh-hans"
    assert ('<p class="muted" data-testid="no-images">还没有海报帧或封面'
            in client.get(page).content.decode())
    services.probe_episode_video(uploaded.pk)  # takes the poster frame
    assert '<p class="muted" data-testid="no-images" hidden>' in client.get(page).content.decode()


def test_a_probe_of_a_replaced_video_never_lands_on_the_new_one(uploaded, media_root):
    """Video A's probe was still running when video B replaced it: A's probe finished last
    and wrote A's duration (what the minimum guarantee is paid on) onto B, and said done
    while B was still unchecked."""
    longer = Path(media_root) / "episodes" / "videos" / f"{uploaded.ref}-b.mp4"
    longer.write_bytes(make_video(seconds=45))

    def replaced_meanwhile(event):
        if event.get("stage") == "poster":  # B is finalized while A is being read
            Episode.objects.filter(pk=uploaded.pk).update(
                video=f"episodes/videos/{longer.name}", probe_state=Episode.Probe.PENDING)

    services.probe_episode_video(uploaded.pk, report=replaced_meanwhile)
    episode = Episode.objects.get(pk=uploaded.pk)
    assert episode.probe_state == Episode.Probe.PENDING and not episode.poster
    assert services.missing_for_submission(episode)  # not submittable on A's probe
    episode = services.probe_episode_video(uploaded.pk)  # B's own probe
    assert episode.probe_state == Episode.Probe.DONE
    assert round(float(episode.duration_seconds)) == 45
