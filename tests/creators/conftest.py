"""Fixtures of the creators tests: real media files made with PyAV and Pillow, a series
and an episode, and a client that uploads in chunks through the real views."""

import io
import json
import struct
import tempfile
import zlib
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from django.urls import reverse
from PIL import Image

from creators import services

MEDIA_CACHE: dict[tuple, bytes] = {}


def make_video(width=36, height=64, seconds=31, fps=2, container="mp4") -> bytes:
    """A real H.264 video in a real container; small sizes and rates keep it tiny."""
    key = (width, height, seconds, fps, container)
    if key not in MEDIA_CACHE:
        buf = io.BytesIO()
        with av.open(buf, "w", format=container) as out:
            stream = out.add_stream("libx264", rate=Fraction(fps))
            stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
            stream.options = {"preset": "ultrafast"}
            rng = np.random.default_rng(7)
            for i in range(int(seconds * fps)):
                pixels = rng.integers(0, 255, (height, width, 3), dtype=np.uint8)
                pixels[:, : (i % width)] = (i * 9) % 255
                frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
                for packet in stream.encode(frame):
                    out.mux(packet)
            for packet in stream.encode():
                out.mux(packet)
        MEDIA_CACHE[key] = buf.getvalue()
    return MEDIA_CACHE[key]


def make_faststart_video(**kwargs) -> bytes:
    """make_video's pictures with the index (moov) ahead of them, as streaming exports
    write it: cut such a file short and its header, duration included, still reads."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "faststart.mp4"  # faststart rewrites a real file at the end
        with av.open(io.BytesIO(make_video(**kwargs))) as src, \
                av.open(str(path), "w", format="mp4", options={"movflags": "faststart"}) as out:
            stream = out.add_stream_from_template(src.streams.video[0])
            for packet in src.demux(src.streams.video[0]):
                if packet.dts is not None:
                    packet.stream = stream
                    out.mux(packet)
        return path.read_bytes()

def make_png(width=90, height=160) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (200, 80, 40)).save(buf, "PNG")
    return buf.getvalue()


def make_png_bomb(width=8_000, height=8_000) -> bytes:
    """A valid 1-bit PNG of 64 megapixels (over our limit, under Pillow's own warning)
    that weighs a few kilobytes."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    packer = zlib.compressobj(9)
    data = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", data)
            + chunk(b"IEND", b""))


@pytest.fixture
def series(studio):
    return services.create_series(studio, title="Moon Sword", synopsis="", category="premium_2d",
                                  exclusive=True)


@pytest.fixture
def episode(series):
    return services.create_episode(series, number=1, title="The oath", hook_line="Run!")


class Uploading:
    """Drives the upload protocol through Django's test client."""

    def __init__(self, client, studio):
        self.client, self.studio = client, studio

    def create(self, episode, kind: str, size: int, filename="file.mp4"):
        return self.client.post(
            reverse("creators:upload_create", args=[self.studio.slug, episode.ref]),
            data=json.dumps({"kind": kind, "filename": filename, "size": size}),
            content_type="application/json",
        )

    def put(self, upload_id: str, offset: int, data: bytes):
        return self.client.put(
            reverse("creators:upload", args=[self.studio.slug, upload_id]) + f"?offset={offset}",
            data=data, content_type="application/octet-stream",
        )

    def finalize(self, upload_id: str):
        return self.client.post(
            reverse("creators:upload_finalize", args=[self.studio.slug, upload_id])
        )

    def send(self, episode, kind: str, data: bytes, chunk: int = 4096, filename="file.mp4"):
        """Uploads whole and finalizes; returns the finalize response."""
        created = self.create(episode, kind, len(data), filename)
        assert created.status_code == 201, created.content
        upload_id = created.json()["id"]
        for offset in range(0, len(data), chunk):
            response = self.put(upload_id, offset, data[offset: offset + chunk])
            assert response.status_code == 200, response.content
        return self.finalize(upload_id)


@pytest.fixture
def media_root(settings, tmp_path):
    """A private media folder, so a test sees exactly the files it stored."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return settings.MEDIA_ROOT


@pytest.fixture
def uploading(client, owner, studio, media_root):
    client.force_login(owner)
    client.cookies["django_language"] = "en"  # reasons asserted in English; one test: 中文
    return Uploading(client, studio)


def stored_files(media_root: str) -> list[Path]:
    root = Path(media_root)
    return sorted(p for p in root.rglob("*") if p.is_file())
