"""`make run`'s process supervisor: everything comes up healthy, and Ctrl-C stops it all."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import BASE_DIR, free_port, process_env

pytestmark = pytest.mark.slow


def children_of(pid: int) -> set[int]:
    found, frontier = set(), [pid]
    while frontier:
        parent = frontier.pop()
        for status in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = status.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == parent:
                child = int(status.parent.name)
                found.add(child)
                frontier.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_it_starts_healthy_and_ctrl_c_stops_every_process(transactional_db, tmp_path):
    port = free_port()
    env = process_env(MANJU_VAR_DIR=str(tmp_path), PORT=str(port))
    env.pop("REDIS_URL", None)  # its own embedded Redis, as on a fresh machine
    proc = subprocess.Popen([sys.executable, "platform/run.py"], cwd=BASE_DIR, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        body, deadline = {}, time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as r:
                    body = json.load(r)
                    break
            except OSError:
                time.sleep(0.5)
        assert body.get("ok") is True, body
        started = children_of(proc.pid)
        assert len(started) >= 4  # redis, two workers, the ASGI server (and their pools)

        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=40) == 0
        time.sleep(0.5)
        assert [pid for pid in started if alive(pid)] == []
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
