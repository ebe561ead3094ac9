"""The channel layer works across processes: a Celery task on the cpu queue, in its own
worker process, reaches a WebSocket client connected to the real ASGI server."""

import asyncio
import json

import pytest
import websockets
from django.test import Client

from creators.tasks import notify_studio_task
from tests.conftest import run_async

pytestmark = pytest.mark.slow


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


async def receive_after(url: str, cookie: str, origin: str, send) -> dict:
    async with websockets.connect(url, additional_headers={"Cookie": cookie},
                                  origin=origin, open_timeout=10) as ws:
        send()
        return json.loads(await asyncio.wait_for(ws.recv(), timeout=30))


def test_a_cpu_task_reaches_a_connected_browser_client(asgi_server, start_worker, studio,
                                                        owner):
    start_worker("cpu", name="cpu-notify")
    url = f"{asgi_server.ws_url}/ws/studio/{studio.id}/"

    def send():
        notify_studio_task.apply_async(args=[studio.id, {"message": "你好", "n": 7}],
                                       queue="cpu")

    event = run_async(receive_after, url, session_cookie(owner), asgi_server.url, send)
    assert event["message"] == "你好"
    assert event["n"] == 7
    assert event["sent_by"].startswith("cpu-notify@")


def test_another_studio_cannot_listen(asgi_server, studio, outsider):
    url = f"{asgi_server.ws_url}/ws/studio/{studio.id}/"
    cookie = session_cookie(outsider)

    async def connect():
        async with websockets.connect(url, additional_headers={"Cookie": cookie},
                                      origin=asgi_server.url, open_timeout=10) as ws:
            await asyncio.wait_for(ws.recv(), timeout=10)

    with pytest.raises(websockets.exceptions.WebSocketException) as excinfo:
        run_async(connect)
    # Refused before the handshake completes (403) or closed with our "forbidden" code.
    assert "403" in str(excinfo.value) or "4403" in str(excinfo.value)


def test_anonymous_visitors_cannot_listen(asgi_server, studio):
    url = f"{asgi_server.ws_url}/ws/studio/{studio.id}/"

    async def connect():
        async with websockets.connect(url, origin=asgi_server.url, open_timeout=10) as ws:
            await asyncio.wait_for(ws.recv(), timeout=10)

    with pytest.raises(websockets.exceptions.WebSocketException):
        run_async(connect)
