"""Through the real server (uvicorn): a request body over REQUEST_BODY_MAX_BYTES is refused
with a 413 before Django spools it to disk, whether it announces its length or streams
without one; a body within the cap reaches Django as before."""

import socket
import time

import pytest

pytestmark = pytest.mark.slow

LIMIT = 64 * 1024


@pytest.fixture
def capped_server(monkeypatch, request):
    monkeypatch.setenv("REQUEST_BODY_MAX_BYTES", str(LIMIT))
    return request.getfixturevalue("asgi_server")


def exchange(server, head: bytes, parts) -> tuple[int, bytes, float]:
    """Sends the head, then each part (stopping quietly if the server has closed), and
    returns the status, the response and how long the answer took."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", server.port), timeout=20) as sock:
        sock.sendall(head)
        try:
            for part in parts:
                sock.sendall(part)
        except (BrokenPipeError, ConnectionResetError):
            pass
        data = b""
        while True:  # to the end: the server closes the connection after its answer
            try:
                more = sock.recv(65536)
            except (TimeoutError, ConnectionResetError):
                break
            if not more:
                break
            data += more
    return int(data.split(b" ", 2)[1]), data, time.monotonic() - started


def test_a_body_over_the_cap_is_refused_before_it_is_read(transactional_db, capped_server):
    big = LIMIT * 50
    head = (f"POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Content-Type: application/octet-stream\r\nContent-Length: {big}\r\n\r\n").encode()
    status, data, _ = exchange(capped_server, head, [])  # not one byte of the body sent
    assert status == 413 and "最多 64 KB".encode() in data
    assert b"The request is too large: at most 64 KB" in data


def test_a_streamed_body_is_stopped_once_it_passes_the_cap(transactional_db, capped_server):
    head = (b"POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
    piece = b"x" * 16384
    chunk = f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    status, _, _ = exchange(capped_server, head, [chunk] * 400)  # 6.4 MB, cap 64 KB
    assert status == 413


def test_a_body_within_the_cap_reaches_django(transactional_db, capped_server):
    body = b"username=a&password=b"
    head = (f"POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode()
    status, _, _ = exchange(capped_server, head, [body])
    assert status == 403  # Django's CSRF check answered: the request got through
