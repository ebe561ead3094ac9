"""Resumable upload through the real views: offsets, limits, isolation, refusals by content,
and nothing half-stored after a refusal."""

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from creators import services
from creators.models import Episode, Upload
from tests.creators.conftest import make_png, make_png_bomb, make_video, stored_files

pytestmark = pytest.mark.django_db


def test_it_stores_a_valid_video_sent_in_chunks_and_records_its_facts(uploading, episode):
    data = make_video()
    response = uploading.send(episode, "video", data, chunk=10_000)

    assert response.status_code == 200, response.content
    episode.refresh_from_db()
    assert Path(episode.video.path).read_bytes() == data
    assert (episode.width, episode.height, episode.video_codec) == (36, 64, "h264")
    assert float(episode.duration_seconds) == pytest.approx(31, abs=0.1)
    assert episode.probe_state == Episode.Probe.PENDING
    assert not list((Path(settings.MEDIA_ROOT) / "uploads").glob("*.part"))


def test_it_appends_only_at_the_servers_offset(uploading, episode):
    upload_id = uploading.create(episode, "video", 10).json()["id"]
    assert uploading.put(upload_id, 0, b"01234").json()["offset"] == 5

    skipped = uploading.put(upload_id, 7, b"789")
    repeated = uploading.put(upload_id, 0, b"xxxxx")

    assert (skipped.status_code, skipped.json()["offset"]) == (409, 5)
    assert (repeated.status_code, repeated.json()["offset"]) == (409, 5)
    status = uploading.client.get(reverse("creators:upload", args=["dawn", upload_id]))
    assert status.json()["offset"] == 5
    assert uploading.put(upload_id, 5, b"56789").json()["offset"] == 10
    assert services.part_path(Upload.objects.get()).read_bytes() == b"0123456789"


def test_it_refuses_to_finalize_an_incomplete_upload(uploading, episode):
    upload_id = uploading.create(episode, "video", 10).json()["id"]
    uploading.put(upload_id, 0, b"01234")
    response = uploading.finalize(upload_id)
    assert (response.status_code, response.json()["offset"]) == (409, 5)


def test_parallel_uploads_do_not_corrupt_each_other(uploading, episode, series):
    second = services.create_episode(series, number=2, title="Second")
    a, b = b"A" * 9000, b"B" * 7000
    id_a = uploading.create(episode, "video", len(a)).json()["id"]
    id_b = uploading.create(second, "video", len(b)).json()["id"]
    for offset in range(0, 9000, 1000):
        assert uploading.put(id_a, offset, a[offset: offset + 1000]).status_code == 200
        if offset < 7000:
            assert uploading.put(id_b, offset, b[offset: offset + 1000]).status_code == 200
    assert services.part_path(Upload.objects.get(pk=id_a)).read_bytes() == a
    assert services.part_path(Upload.objects.get(pk=id_b)).read_bytes() == b


def test_it_refuses_an_oversized_chunk(uploading, episode, settings):
    settings.UPLOAD_CHUNK_MAX_BYTES = 1024
    upload_id = uploading.create(episode, "video", 5000).json()["id"]

    response = uploading.put(upload_id, 0, b"x" * 1025)

    assert response.status_code == 413
    assert "1024" in response.json()["error"]
    assert Upload.objects.get(pk=upload_id).offset == 0
    assert services.part_path(Upload.objects.get(pk=upload_id)).read_bytes() == b""


def test_it_refuses_a_total_over_the_limit(uploading, episode, settings):
    settings.UPLOAD_MAX_BYTES = 4000
    refused = uploading.create(episode, "video", 4001)
    assert refused.status_code == 413
    assert not Upload.objects.exists()

    # An upload may not grow past the size it announced, however it is chunked.
    upload_id = uploading.create(episode, "video", 3000).json()["id"]
    assert uploading.put(upload_id, 0, b"x" * 2000).status_code == 200
    over = uploading.put(upload_id, 2000, b"x" * 1001)
    assert over.status_code == 413
    assert Upload.objects.get(pk=upload_id).offset == 2000


def _assert_nothing_half_stored(episode, response, reason_part):
    assert response.status_code == 422, response.content
    assert reason_part in response.json()["error"]
    episode.refresh_from_db()
    assert not episode.video and not episode.cover
    upload = Upload.objects.get()
    assert upload.status == Upload.Status.REFUSED
    assert stored_files(settings.MEDIA_ROOT) == []


@pytest.mark.parametrize(
    "data, reason",
    [
        (lambda: make_video(container="matroska"), "Matroska"),
        (lambda: make_video(width=64, height=36), "9:16"),
        (lambda: make_video(seconds=301, fps=1), "between 30 seconds and 5 minutes"),
        (lambda: make_video()[:60_000], "corrupt"),
        (lambda: make_png(), "not MP4"),
    ],
    ids=["renamed-mkv", "16-by-9", "too-long", "corrupt", "image-as-video"],
)
def test_it_refuses_videos_by_content(uploading, episode, data, reason):
    response = uploading.send(episode, "video", data(), chunk=100_000, filename="ep1.mp4")
    _assert_nothing_half_stored(episode, response, reason)


def test_it_refuses_a_video_too_short_with_a_chinese_reason(uploading, episode):
    uploading.client.cookies["django_language"] = "zh-hans"
    response = uploading.send(episode, "video", make_video(seconds=10), chunk=100_000)
    assert response.status_code == 422
    assert "30 秒" in response.json()["error"]


def test_it_refuses_an_image_bomb(uploading, episode):
    response = uploading.send(episode, "cover", make_png_bomb(), chunk=100_000,
                              filename="cover.png")
    _assert_nothing_half_stored(episode, response, "8000×8000")


def test_it_refuses_a_video_as_cover(uploading, episode):
    response = uploading.send(episode, "cover", make_video(), chunk=100_000,
                              filename="cover.png")
    _assert_nothing_half_stored(episode, response, "not an image")


def test_it_stores_a_cover_checked_by_pillow(uploading, episode):
    data = make_png()
    assert uploading.send(episode, "cover", data, filename="c.jpg").status_code == 200
    episode.refresh_from_db()
    assert episode.cover.name.endswith(".png")
    assert Path(episode.cover.path).read_bytes() == data


def test_it_removes_abandoned_uploads_only(uploading, episode):
    old_id = uploading.create(episode, "video", 10).json()["id"]
    fresh_id = uploading.create(episode, "video", 10).json()["id"]
    old = Upload.objects.get(pk=old_id)
    Upload.objects.filter(pk=old_id).update(updated_at=old.created_at.replace(year=2020))

    assert services.cleanup_abandoned_uploads() == 1

    assert not services.part_path(old).exists()
    assert list(Upload.objects.values_list("pk", flat=True)) == [Upload.objects.get(
        pk=fresh_id).pk]
    assert services.part_path(Upload.objects.get(pk=fresh_id)).exists()


def test_it_refuses_uploads_to_an_episode_in_review(uploading, episode):
    Episode.objects.filter(pk=episode.pk).update(status=Episode.Status.SUBMITTED)
    assert uploading.create(episode, "video", 10).status_code == 409


class SlowStream:
    """A request body that arrives slowly, so two writers surely overlap."""

    def __init__(self, data: bytes):
        self.data = data

    def read(self, n: int) -> bytes:
        import time

        time.sleep(0.05)
        block, self.data = self.data[:n], self.data[n:]
        return block


def test_two_writers_at_the_same_offset_never_both_land(transactional_db, owner, studio,
                                                       media_root):
    import threading

    from django.db import connection

    series = services.create_series(studio, title="Race", synopsis="", category="standard",
                                    exclusive=False)
    episode = services.create_episode(series, 1, "Race")
    upload = services.start_upload(owner, episode, "video", "race.mp4", 4)
    results: dict[str, object] = {}
    start = threading.Barrier(2)

    def write(name: str, data: bytes) -> None:
        start.wait()
        try:
            results[name] = services.receive_chunk(upload, 0, SlowStream(data), len(data))
        except services.UploadError as error:
            results[name] = error.status
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(n, n.encode() * 4)) for n in "ab"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results.values(), key=str) == [4, 409]
    winner = next(name for name, value in results.items() if value == 4)
    assert services.part_path(upload).read_bytes() == winner.encode() * 4
    assert Upload.objects.get(pk=upload.pk).offset == 4


def test_the_beat_schedule_names_a_registered_cleanup_task_on_the_cpu_queue():
    import creators.tasks  # noqa: F401  (what autodiscovery imports in a worker)
    from config.celery import app
    entry = app.conf.beat_schedule["cleanup-abandoned-uploads"]
    task = app.tasks[entry["task"]]
    assert task.name == "creators.cleanup_abandoned_uploads" and task.queue == "cpu"
