"""Chunk PUTs through the ASGI application the servers run (config.asgi), where
creators.chunks streams each body into the part file: streaming, the same refusals as the
Django view (anonymous, forged, foreign studio, limits, wrong offset), a dropped
connection, and two writers of one upload at once."""

import asyncio
import json
import threading

import pytest
from django.test import Client

from config.asgi import application
from creators import services
from creators.models import Upload
from tests.conftest import run_async

CSRF = "c" * 32


@pytest.fixture(autouse=True)
def no_kept_connections(transactional_db, monkeypatch):
    """The endpoint's worker threads keep database connections as CONN_MAX_AGE says; here
    they close after each step, so the test database can be dropped at the end."""
    from django.db import connection

    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)


@pytest.fixture
def episode(transactional_db, owner, studio, media_root):
    series = services.create_series(studio, title="Stream", synopsis="", category="standard",
                                    exclusive=False)
    return services.create_episode(series, 1, "Stream")


def session_of(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


class Put:
    """One chunk PUT, its body delivered in the given pieces (each piece is awaited from
    `gate` first when one is given, so a test can hold the body back)."""

    def __init__(self, upload_id, offset, pieces, session=None, slug="dawn", csrf=CSRF,
                 length=True, language=None, gate=None, disconnect=False):
        self.pieces, self.gate, self.disconnect = list(pieces), gate, disconnect
        cookies = [f"csrftoken={CSRF}"] + ([f"sessionid={session}"] if session else [])
        if language:
            cookies.append(f"django_language={language}")
        headers = [(b"host", b"testserver"), (b"cookie", "; ".join(cookies).encode()),
                   (b"content-type", b"application/octet-stream")]
        if csrf:
            headers.append((b"x-csrftoken", csrf.encode()))
        if length:
            headers.append((b"content-length", str(sum(map(len, pieces))).encode()))
        self.scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
            "method": "PUT", "scheme": "http", "root_path": "",
            "path": f"/studio/{slug}/uploads/{upload_id}/",
            "query_string": f"offset={offset}".encode(), "headers": headers,
            "server": ("testserver", 80), "client": ("127.0.0.1", 5000),
        }
        self.sent: list[dict] = []
        self.asked = self.delivered = 0

    async def receive(self):
        self.asked += 1
        if self.gate is not None and self.pieces:
            await asyncio.get_running_loop().run_in_executor(None, self.gate.wait)
        if not self.pieces:
            if self.disconnect:
                return {"type": "http.disconnect"}
            await asyncio.sleep(3600)
        piece = self.pieces.pop(0)
        self.delivered += 1
        more = bool(self.pieces) or self.disconnect
        return {"type": "http.request", "body": piece, "more_body": more}

    async def send(self, message):
        self.sent.append(message)

    async def run(self):
        await application(self.scope, self.receive, self.send)
        return self

    @property
    def status(self) -> int | None:
        return self.sent[0]["status"] if self.sent else None

    def json(self) -> dict:
        return json.loads(b"".join(m.get("body", b"") for m in self.sent[1:]))

    def header(self, name: bytes) -> bytes | None:
        return dict(self.sent[0]["headers"]).get(name)


def put(*args, **kwargs) -> Put:
    return run_async(Put(*args, **kwargs).run)


def new_upload(owner, episode, size: int) -> Upload:
    return services.start_upload(owner, episode, "video", "ep.mp4", size)


def stored(upload) -> bytes:
    return services.part_path(upload).read_bytes()


def test_it_writes_each_piece_before_the_next_arrives(owner, episode):
    upload = new_upload(owner, episode, 12)
    seen: list[bytes] = []

    class Watching(Put):
        async def receive(self):
            seen.append(stored(upload))
            return await super().receive()

    response = run_async(Watching(upload.pk, 0, [b"abcd", b"efgh", b"ijkl"],
                                  session=session_of(owner)).run)

    assert (response.status, response.json()["offset"]) == (200, 12)
    # Django's own handler reads a whole body before any view runs; this path writes as
    # the body arrives.
    assert seen == [b"", b"abcd", b"abcdefgh"]
    assert stored(upload) == b"abcdefghijkl"
    assert Upload.objects.get(pk=upload.pk).offset == 12
    assert response.header(b"Content-Type") == b"application/json"
    assert response.header(b"X-Content-Type-Options") == b"nosniff"


def test_it_appends_at_the_servers_offset_only(owner, episode):
    upload = new_upload(owner, episode, 10)
    session = session_of(owner)
    assert put(upload.pk, 0, [b"01234"], session=session).json()["offset"] == 5

    skipped = put(upload.pk, 7, [b"789"], session=session)
    repeated = put(upload.pk, 0, [b"xxxxx"], session=session)

    assert (skipped.status, skipped.json()["offset"]) == (409, 5)
    assert (repeated.status, repeated.json()["offset"]) == (409, 5)
    assert skipped.delivered == repeated.delivered == 0  # refused before reading a byte
    assert put(upload.pk, 5, [b"56789"], session=session).json()["offset"] == 10
    assert stored(upload) == b"0123456789"


def test_it_hides_another_studios_upload(owner, outsider, episode):
    upload = new_upload(owner, episode, 10)

    as_outsider = put(upload.pk, 0, [b"01234"], session=session_of(outsider))
    # The outsider's own studio in the URL, the upload of another studio: still nothing.
    via_own_studio = put(upload.pk, 0, [b"01234"], session=session_of(outsider),
                         slug="elsewhere")

    assert as_outsider.status == via_own_studio.status == 404
    assert b"01234" not in b"".join(m.get("body", b"") for m in as_outsider.sent)
    assert stored(upload) == b"" and Upload.objects.get(pk=upload.pk).offset == 0


def test_it_refuses_an_anonymous_chunk_in_json(owner, episode):
    """A 401 the uploader reads, not a redirect to the login page that fetch would follow."""
    upload = new_upload(owner, episode, 10)

    response = put(upload.pk, 0, [b"01234"])

    assert response.status == 401
    assert response.header(b"Content-Type") == b"application/json"
    assert stored(upload) == b"" and Upload.objects.get(pk=upload.pk).offset == 0


def test_it_refuses_a_chunk_without_the_csrf_token(owner, episode):
    upload = new_upload(owner, episode, 10)

    response = put(upload.pk, 0, [b"01234"], session=session_of(owner), csrf=None)

    assert response.status == 403
    assert stored(upload) == b"" and Upload.objects.get(pk=upload.pk).offset == 0


def test_it_refuses_an_oversized_chunk_announced_or_not(owner, episode, settings):
    settings.UPLOAD_CHUNK_MAX_BYTES = 1024
    upload = new_upload(owner, episode, 5000)
    session = session_of(owner)

    announced = put(upload.pk, 0, [b"x" * 1025], session=session)
    # Without a Content-Length the limit holds as the body arrives.
    streamed = put(upload.pk, 0, [b"x" * 1000, b"x" * 25], session=session, length=False)

    assert announced.status == streamed.status == 413
    assert "1024" in announced.json()["error"] and "1024" in streamed.json()["error"]
    assert announced.delivered == 0
    assert stored(upload) == b"" and Upload.objects.get(pk=upload.pk).offset == 0


def test_it_refuses_a_total_over_the_announced_size(owner, episode):
    upload = new_upload(owner, episode, 3000)
    session = session_of(owner)
    assert put(upload.pk, 0, [b"x" * 2000], session=session).status == 200

    over = put(upload.pk, 2000, [b"y" * 1001], session=session)
    over_streamed = put(upload.pk, 2000, [b"y" * 1000, b"y"], session=session, length=False)

    assert over.status == over_streamed.status == 413
    assert over.json()["offset"] == 2000
    assert Upload.objects.get(pk=upload.pk).offset == 2000
    assert stored(upload) == b"x" * 2000


def test_a_refusal_speaks_the_creators_language(owner, episode):
    upload = new_upload(owner, episode, 10)
    session = session_of(owner)
    put(upload.pk, 0, [b"01234"], session=session)

    wrong = put(upload.pk, 0, [b"01234"], session=session, language="zh-hans")

    assert wrong.status == 409
    assert wrong.header(b"Content-Language") == b"zh-hans"
    assert wrong.json()["error"] == "偏移量不正确。"


def test_a_dropped_connection_leaves_the_offset_and_the_file_as_they_were(owner, episode):
    upload = new_upload(owner, episode, 10)
    session = session_of(owner)
    put(upload.pk, 0, [b"0123"], session=session)

    dropped = put(upload.pk, 4, [b"45", b"67"], session=session, length=False,
                  disconnect=True)

    assert dropped.sent == []  # nobody to answer
    assert Upload.objects.get(pk=upload.pk).offset == 4
    assert stored(upload) == b"0123"
    assert put(upload.pk, 4, [b"456789"], session=session).json()["offset"] == 10
    assert stored(upload) == b"0123456789"


def test_two_chunks_at_once_to_one_upload_never_both_land(owner, episode):
    upload = new_upload(owner, episode, 8)
    session = session_of(owner)
    gate = threading.Event()
    first = Put(upload.pk, 0, [b"aaaa"], session=session, gate=gate)
    second = Put(upload.pk, 0, [b"bbbb"], session=session)

    async def both():
        # The first is admitted and holds the upload's lock while its body is held back;
        # the second waits for the lock, then finds the offset moved.
        first_task = asyncio.create_task(first.run())
        while not first.asked:
            await asyncio.sleep(0.01)
        second_task = asyncio.create_task(second.run())
        await asyncio.sleep(0.3)
        waited = second.sent == [] and second.asked == 0
        gate.set()
        await asyncio.gather(first_task, second_task)
        return waited

    assert run_async(both) is True
    assert (first.status, first.json()["offset"]) == (200, 4)
    assert (second.status, second.json()["offset"]) == (409, 4)
    assert stored(upload) == b"aaaa"
    assert Upload.objects.get(pk=upload.pk).offset == 4


def test_other_requests_still_go_to_django(owner, episode):
    upload = new_upload(owner, episode, 10)

    request = Put(upload.pk, 0, [b""], session=session_of(owner))
    request.scope["method"] = "GET"

    response = run_async(request.run)

    assert response.status == 200
    assert response.json()["offset"] == 0 and response.json()["status"] == "receiving"
