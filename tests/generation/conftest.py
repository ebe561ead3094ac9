"""Generation fixtures: the tiny models built once per session into a temp dir (workers
inherit MANJU_MODELS_DIR), module-scoped gpu workers and ASGI server, WebSocket helpers."""

import asyncio
import datetime as dt
import json
import os
import tempfile
import time
from pathlib import Path

import pytest
import websockets
from django.test import Client
from django.utils import timezone

from generation import credits
from generation.models import Job
from tests.conftest import AsgiServer, WorkerProcess, run_async

_MODELS = None


def build_models_once() -> Path:
    global _MODELS
    if _MODELS is None:
        from generation import tiny

        root = Path(tempfile.mkdtemp(prefix="manju-models-"))
        for key in tiny.BUILDERS:
            tiny.build(key, root / key)
        os.environ["MANJU_MODELS_DIR"] = str(root)
        _MODELS = root
    return _MODELS


@pytest.fixture(scope="session")
def tiny_models() -> Path:
    return build_models_once()


def purge_gpu_queue() -> None:
    """Tokens left in the broker by earlier tests must not claim this test's jobs."""
    from config.celery import app

    with app.connection_for_write() as conn:
        try:
            conn.default_channel.queue_purge("gpu")
        except Exception:  # the queue does not exist yet
            pass


@pytest.fixture(scope="module")
def module_tmp(tmp_path_factory, request):
    return tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1])


@pytest.fixture(scope="module")
def gpu_worker(django_db_setup, django_db_blocker, tiny_models, module_tmp, request):
    """One real gpu worker for the whole module (env from the module's WORKER_ENV)."""
    env = getattr(request.module, "WORKER_ENV", {})
    with django_db_blocker.unblock():
        purge_gpu_queue()
        worker = WorkerProcess("gpu", f"gpu-{module_tmp.name}", module_tmp / "worker.log",
                               **env)
    yield worker
    worker.stop()


@pytest.fixture(scope="module")
def module_server(django_db_setup, django_db_blocker, module_tmp):
    with django_db_blocker.unblock():
        server = AsgiServer(module_tmp / "daphne.log")
    yield server
    server.stop()


@pytest.fixture
def funded(studio):
    credits.grant(studio, 1000, note="test")
    return studio


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


def wait_for(predicate, timeout: float = 30, interval: float = 0.05, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")


def collect_job_events(server, user, job_id, start=None, timeout: float = 60) -> list[dict]:
    """Connects to ws/jobs/<id>/ as the user, calls start(), returns every event up to and
    including the terminal one."""
    url = f"{server.ws_url}/ws/jobs/{job_id}/"
    cookie = session_cookie(user)

    async def run():
        events = []
        async with websockets.connect(url, additional_headers={"Cookie": cookie},
                                      origin=server.url, open_timeout=10,
                                      max_size=2**22) as ws:
            events.append(json.loads(await asyncio.wait_for(ws.recv(), 10)))
            if start:
                await asyncio.get_running_loop().run_in_executor(None, start)
            while events[-1].get("state") not in ("succeeded", "failed", "canceled"):
                events.append(json.loads(await asyncio.wait_for(ws.recv(), timeout)))
        return events

    return run_async(run, timeout=timeout + 15)


def dated_jobs(studio, count: int, state=Job.State.SUCCEEDED, start: int = 0, *,
               prompt: str = "JOB-{n:04d}", kind=Job.Kind.KEYFRAME) -> list[Job]:
    """count jobs of the tiny keyframe model, prompts numbered from `start`, each a minute
    newer than the one before (a month ago); a succeeded one has its picture's path."""
    base = timezone.now() - dt.timedelta(days=30)
    jobs = []
    for n in range(start, start + count):
        job = Job.objects.create(
            studio=studio, kind=kind, state=state, model_key="tiny-keyframe",
            params={"prompt": prompt.format(n=n), "seed": n}, price=1,
            outputs=[{"path": f"generation/{studio.pk}/job-{n:04d}.png", "media": "image"}]
            if state == Job.State.SUCCEEDED else [])
        Job.objects.filter(pk=job.pk).update(created_at=base + dt.timedelta(minutes=n))
        jobs.append(job)
    return jobs
