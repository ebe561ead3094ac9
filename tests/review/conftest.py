"""Fixtures of the review tests: real small 9:16 videos made with PyAV (optionally with
the AI labels written by generation.labels), episodes submitted with them, reviewers."""

import datetime
import io
from decimal import Decimal
from fractions import Fraction

import av
import numpy as np
import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from creators import services as creators
from creators.models import Episode
from library.models import IP, License
from review import services
from tests.conftest import make_user

CLIPS: dict[tuple, bytes] = {}


def make_clip(seed: int = 1, bitrate: int = 600_000, label: bool = False,
              generated_meta: bool = False, width: int = 144, height: int = 256,
              seconds: int = 6, fps: int = 8) -> bytes:
    """Soft moving blobs (like animation, unlike noise) so re-encoding keeps them."""
    key = (seed, bitrate, label, generated_meta, width, height, seconds, fps)
    if key in CLIPS:
        return CLIPS[key]
    from generation import labels

    rng = np.random.default_rng(seed)
    blobs = rng.integers(0, 255, (6, 5))
    yy, xx = np.mgrid[0:height, 0:width]
    buf = io.BytesIO()
    options = {"movflags": "use_metadata_tags"} if generated_meta else {}
    with av.open(buf, "w", format="mp4", options=options) as out:
        if generated_meta:
            out.metadata["AIGC"] = labels._dumps(labels.implicit_label("job-1"))
            out.metadata["manju_provenance"] = labels._dumps({"job": "job-1", "model": "tiny"})
        stream = out.add_stream("libx264", rate=Fraction(fps))
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.bit_rate = bitrate
        stream.options = {"preset": "ultrafast"}
        for i in range(seconds * fps):
            img = np.zeros((height, width, 3), np.float32)
            for b in blobs:
                cx = (b[0] / 255 * width + i * (b[4] % 7 - 3)) % width
                cy = (b[1] / 255 * height + i * 2) % height
                sigma = 10 + b[2] / 8
                img += (np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * sigma**2))[..., None]
                        * (b[2:5] / 255.0))
            frame = (np.clip(img, 0, 1) * 255).astype(np.uint8)
            if label:
                frame = labels.apply_visible_label(frame[None])[0]
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    CLIPS[key] = buf.getvalue()
    return CLIPS[key]


@pytest.fixture
def reviewer(db):
    return make_user("rev", is_reviewer=True)


@pytest.fixture
def reviewer2(db):
    return make_user("rev2", is_reviewer=True)


@pytest.fixture
def staff(db):
    return make_user("boss", is_staff=True)


@pytest.fixture
def series(studio):
    return creators.create_series(studio, title="Moon Sword", synopsis="",
                                  category="premium_2d", exclusive=True)


@pytest.fixture
def licensed_series(studio):
    """A series under a license that runs from 30 days ago to 30 days ahead."""
    holder = make_user("zhwx", is_rights_holder=True)
    ip = IP.objects.create(slug="book", title="Book", rights_holder=holder, kind="novel")
    today = timezone.localdate()
    lic = License.objects.create(ip=ip, studio=studio, exclusive=True,
                                 starts_on=today - datetime.timedelta(days=30),
                                 ends_on=today + datetime.timedelta(days=30),
                                 licensor_share=Decimal("0.3"))
    series = creators.create_series(studio, title="Adapted", synopsis="",
                                    category="premium_2d", exclusive=True, license=lic)
    return series, lic


def add_episode(series, number: int, clip: bytes | None = None, *, source="uploaded",
                width=144, height=256, seconds=90, codec="h264", hook="Run!",
                submit=True) -> Episode:
    episode = creators.create_episode(series, number=number, title=f"Ep {number}",
                                      hook_line=hook)
    if clip is not None:
        episode.video.save(f"ep{number}.mp4", ContentFile(clip), save=False)
    episode.source, episode.width, episode.height = source, width, height
    episode.duration_seconds, episode.video_codec = seconds, codec
    episode.fps, episode.probe_state = 8, Episode.Probe.DONE
    episode.save()
    if submit:
        creators.submit_episode(episode)
    return episode


@pytest.fixture
def submitted(series):
    """An uploaded, labelled episode in the queue with its checks run."""
    episode = add_episode(series, 1, make_clip(seed=1, label=True, generated_meta=True))
    return services.enqueue(episode, run_checks_now=True)


def claim_as(item, user):
    return services.claim(item, user)


