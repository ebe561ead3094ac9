"""Files under /media/ are served only to those who may see them."""

from pathlib import Path

import pytest
from django.conf import settings

from creators.models import Episode, Series
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def put(relative: str, data: bytes = b"\x89PNG fake") -> str:
    target = Path(settings.MEDIA_ROOT) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return f"{settings.MEDIA_URL}{relative}"


def test_a_jobs_output_is_for_its_studio_only(client, studio, owner, member, outsider):
    url = put(f"generation/{studio.id}/8c1f/keyframe.png")
    for user, status in ((owner, 200), (member, 200), (outsider, 404)):
        client.force_login(user)
        assert client.get(url).status_code == status, user
    client.logout()
    assert client.get(url).status_code == 404


def test_episode_files_are_for_the_studio_and_reviewers(client, studio, owner, outsider):
    series = Series.objects.create(studio=studio, slug="s1", title="S", category="standard")
    episode = Episode.objects.create(series=series, number=1, title="E", ref="EP-T-1")
    url = put("episodes/videos/ep-t-1.mp4", b"video")
    episode.video.name = "episodes/videos/ep-t-1.mp4"
    episode.save(update_fields=["video"])
    client.force_login(owner)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"video"
    reviewer = make_user("rev", is_reviewer=True, is_creator=False)
    client.force_login(reviewer)
    assert client.get(url).status_code == 404  # a draft never submitted is the studio's own
    client.force_login(make_user("ops", is_staff=True))
    assert client.get(url).status_code == 200
    Episode.objects.filter(pk=episode.pk).update(status=Episode.Status.SUBMITTED)
    client.force_login(reviewer)
    assert client.get(url).status_code == 200
    Episode.objects.filter(pk=episode.pk).update(status=Episode.Status.CHANGES_REQUESTED)
    assert client.get(url).status_code == 200  # review asked for changes: still review's
    client.force_login(outsider)
    assert client.get(url).status_code == 404


def test_unknown_files_and_traversal_are_not_served(client, owner):
    client.force_login(owner)
    assert client.get(put("elsewhere/secret.txt")).status_code == 404
    assert client.get(f"{settings.MEDIA_URL}studios/avatars/../../etc/passwd").status_code == 404


def test_avatars_are_public(client):
    assert client.get(put("studios/avatars/a.png")).status_code == 200


# --- Byte ranges: seeking in a long video ---------------------------------------------

DATA = bytes(range(256)) * 4096  # 1 MiB, every byte known


@pytest.fixture
def video_url(studio):
    series = Series.objects.create(studio=studio, slug="s2", title="S", category="standard")
    episode = Episode.objects.create(series=series, number=1, title="E", ref="EP-R-1")
    episode.video.name = "episodes/videos/ep-r-1.mp4"
    episode.save(update_fields=["video"])
    return put(episode.video.name, DATA)


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.parametrize(
    "header, first, last",
    [("bytes=1000-1999", 1000, 1999), ("bytes=1048000-", 1048000, 1048575),
     ("bytes=-100", 1048476, 1048575), ("bytes=1048500-2000000", 1048500, 1048575),
     ("bytes=0-0", 0, 0)],
    ids=["closed", "open-ended", "suffix", "past-the-end", "one-byte"],
)
def test_it_sends_the_range_asked_for(client, owner, video_url, header, first, last):
    client.force_login(owner)

    response = client.get(video_url, HTTP_RANGE=header)

    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {first}-{last}/{len(DATA)}"
    assert response["Content-Length"] == str(last - first + 1)
    assert response["Accept-Ranges"] == "bytes"
    assert body(response) == DATA[first: last + 1]


def test_without_a_range_it_sends_the_whole_file_and_says_ranges_are_welcome(
        client, owner, video_url):
    client.force_login(owner)
    response = client.get(video_url)
    assert response.status_code == 200
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Length"] == str(len(DATA))
    assert response["Content-Type"] == "video/mp4"
    assert body(response) == DATA


@pytest.mark.parametrize("header", ["bytes=1048576-", "bytes=2000000-2000010", "bytes=-0"])
def test_a_range_past_the_end_is_unsatisfiable(client, owner, video_url, header):
    client.force_login(owner)
    response = client.get(video_url, HTTP_RANGE=header)
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(DATA)}"


@pytest.mark.parametrize("header", ["bytes=0-1,5-6", "bytes=9-3", "items=0-5", "bytes=x-"])
def test_several_or_malformed_ranges_get_the_whole_file(client, owner, video_url, header):
    client.force_login(owner)
    response = client.get(video_url, HTTP_RANGE=header)
    assert response.status_code == 200
    assert body(response) == DATA


def test_a_range_of_a_changed_file_gets_the_whole_file(client, owner, video_url):
    client.force_login(owner)
    validator = client.get(video_url)["Last-Modified"]

    same = client.get(video_url, HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE=validator)
    changed = client.get(video_url, HTTP_RANGE="bytes=0-9",
                         HTTP_IF_RANGE="Mon, 01 Jan 2001 00:00:00 GMT")

    assert (same.status_code, body(same)) == (206, DATA[:10])
    assert (changed.status_code, len(body(changed))) == (200, len(DATA))


def test_a_range_is_no_way_around_the_owner_check(client, outsider, video_url):
    for user in (outsider, None):
        if user:
            client.force_login(user)
        else:
            client.logout()
        response = client.get(video_url, HTTP_RANGE="bytes=0-99")
        assert response.status_code == 404
        assert "Content-Range" not in response


def test_under_asgi_the_file_is_streamed_in_blocks_not_read_whole(transactional_db, owner,
                                                                   studio, settings, tmp_path):
    """Django reads a sync file iterator into one list under ASGI (and warns); the media
    view gives ASGI an async one."""
    import warnings

    from asgiref.sync import sync_to_async
    from django.db import connections
    from django.test import AsyncClient

    from tests.conftest import run_async

    settings.MEDIA_ROOT = str(tmp_path)
    series = Series.objects.create(studio=studio, slug="s3", title="S", category="standard")
    episode = Episode.objects.create(series=series, number=1, title="E", ref="EP-R-2")
    episode.video.name = "episodes/videos/ep-r-2.mp4"
    episode.save(update_fields=["video"])
    url = put(episode.video.name, DATA)

    async def fetch():
        client = AsyncClient()
        await client.aforce_login(owner)
        response = await client.get(url, headers={"Range": "bytes=100-"})
        blocks = [block async for block in response.streaming_content]
        # The view's connection lives in the sync thread; close it so the test database
        # can be dropped.
        await sync_to_async(connections.close_all)()
        return response, blocks

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        response, blocks = run_async(fetch)

    assert response.status_code == 206 and response.is_async
    assert b"".join(blocks) == DATA[100:]
    assert len(blocks) > 1 and max(map(len, blocks)) <= 512 * 1024
    assert not [w for w in caught if "StreamingHttpResponse" in str(w.message)]


# --- Types: nothing is served as a page of the site ---------------------------------------


def test_a_file_stored_under_a_page_name_is_a_download_not_a_page(client, studio, owner):
    """A track stored before names were ours (voice.html) cannot run as HTML: only media
    types are served inline; anything else is an attachment of no particular type."""
    from storyboard.models import Storyboard

    series = Series.objects.create(studio=studio, slug="s4", title="S", category="standard")
    episode = Episode.objects.create(series=series, number=1, title="E", ref="EP-H-1")
    Storyboard.objects.create(episode=episode, audio="storyboard/audio/voice.html")
    client.force_login(owner)
    script = b"RIFF....WAVE<script>alert(document.cookie)</script>"
    for relative in ("storyboard/audio/voice.html", f"generation/{studio.id}/x/pic.svg",
                     f"generation/{studio.id}/x/notes.txt"):
        response = client.get(put(relative, script))
        assert response.status_code == 200, relative
        assert response["Content-Type"] == "application/octet-stream", relative
        assert response["Content-Disposition"].startswith("attachment"), relative
        assert response["X-Content-Type-Options"] == "nosniff"
    for relative, media_type in ((f"generation/{studio.id}/x/keyframe.png", "image/png"),
                                 (f"generation/{studio.id}/x/shot.mp4", "video/mp4"),
                                 (f"generation/{studio.id}/x/SHOT.MP4", "video/mp4")):
        response = client.get(put(relative))
        assert response["Content-Type"] == media_type, relative
        assert response["Content-Disposition"].startswith("inline"), relative
