"""A video is judged by all of its content: a file cut short is refused although its
front-loaded header still gives the full duration, and a picture larger than allowed is
refused on the stream's size before a frame of it is decoded."""

import io
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from django.conf import settings
from django.utils import translation

from creators import media, services
from creators.models import Episode, Upload
from tests.creators.conftest import make_faststart_video, stored_files

pytestmark = pytest.mark.django_db


def oversized_video(tmp_path, garbled=False) -> Path:
    """2160×3840 (four times 1080×1920), 40 s of black at the worst quality: a few KB.
    `garbled` overwrites the pictures with noise, so decoding anything of them fails
    while the header still reads."""
    path = tmp_path / "oversized.mp4"
    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=Fraction(1, 10))
        stream.width, stream.height, stream.pix_fmt = 2160, 3840, "yuv420p"
        stream.options = {"preset": "ultrafast", "crf": "51"}
        black = av.VideoFrame.from_ndarray(np.zeros((3840, 2160, 3), np.uint8), format="rgb24")
        for _ in range(4):
            for packet in stream.encode(black):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    if garbled:
        data = bytearray(path.read_bytes())
        start = data.index(b"mdat") + 4
        end = start - 8 + int.from_bytes(data[start - 8: start - 4], "big")
        data[start:end] = np.random.default_rng(1).integers(0, 256, end - start,
                                                             dtype=np.uint8).tobytes()
        path.write_bytes(bytes(data))
    return path


def stored_on(episode, data: bytes) -> Episode:
    """The video put on the episode as it would have been before its checks existed."""
    name = f"episodes/videos/{episode.ref}-stored.mp4"
    target = Path(settings.MEDIA_ROOT) / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    Episode.objects.filter(pk=episode.pk).update(video=name, probe_state=Episode.Probe.PENDING)
    return Episode.objects.get(pk=episode.pk)


def _assert_refused(episode, response, reason_part):
    assert response.status_code == 422, response.content
    assert reason_part in response.json()["error"]
    episode.refresh_from_db()
    assert not episode.video and episode.duration_seconds is None
    assert Upload.objects.get().status == Upload.Status.REFUSED
    assert stored_files(settings.MEDIA_ROOT) == []


@pytest.mark.parametrize("cut", [lambda n: n // 3, lambda n: n * 2 // 3, lambda n: n - 100],
                         ids=["first-third", "two-thirds", "last-100-bytes"])
def test_it_refuses_a_video_cut_short_whose_header_still_reads(uploading, episode, cut):
    whole = make_faststart_video()
    data = whole[: cut(len(whole))]
    with av.open(io.BytesIO(data)) as container:  # the header still claims all 31 s
        stream = container.streams.video[0]
        assert stream.duration * stream.time_base == 31

    response = uploading.send(episode, "video", data, chunk=100_000)

    _assert_refused(episode, response, "corrupt")


def test_the_whole_of_that_video_is_accepted(uploading, episode):
    whole = make_faststart_video()
    assert uploading.send(episode, "video", whole[:-100], chunk=100_000).status_code == 422

    response = uploading.send(episode, "video", whole, chunk=100_000)

    assert response.status_code == 200, response.content
    episode.refresh_from_db()
    assert float(episode.duration_seconds) == pytest.approx(31, abs=0.1)


def test_the_probe_fails_a_stored_video_cut_short(media_root, episode):
    whole = make_faststart_video()
    episode = stored_on(episode, whole[: len(whole) // 3])

    with translation.override("en"):
        probed = services.probe_episode_video(episode.pk)

    assert probed.probe_state == Episode.Probe.FAILED
    assert "corrupt" in probed.probe_error
    assert probed.duration_seconds is None and not probed.poster and not probed.preview


def test_it_refuses_an_oversized_video_on_its_header_before_decoding(uploading, episode,
                                                                     tmp_path):
    # The pictures do not decode: a check that decoded first would call the file corrupt.
    data = oversized_video(tmp_path, garbled=True).read_bytes()

    response = uploading.send(episode, "video", data, chunk=100_000)

    _assert_refused(episode, response, "2160×3840; the largest allowed is 1080×1920")


def test_the_probe_decodes_nothing_of_an_oversized_stored_video(media_root, episode,
                                                                tmp_path):
    with pytest.raises(media.MediaRefused, match="1080×1920"):
        media.video_facts(oversized_video(tmp_path, garbled=True))
    episode = stored_on(episode, oversized_video(tmp_path).read_bytes())

    probed = services.probe_episode_video(episode.pk)

    assert probed.probe_state == Episode.Probe.FAILED
    assert "1080×1920" in probed.probe_error
    assert not probed.poster and not probed.preview


def test_a_video_cut_short_is_refused_with_a_chinese_reason(uploading, episode):
    uploading.client.cookies["django_language"] = "zh-hans"
    whole = make_faststart_video()

    response = uploading.send(episode, "video", whole[: len(whole) // 3], chunk=100_000)

    assert response.status_code == 422
    assert "视频不完整" in response.json()["error"]
