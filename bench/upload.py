"""Resumable upload: peak memory of the real server process (daphne + the ASGI app) while it
receives a large upload in chunks, and its throughput against a plain file copy of the same
bytes on the same disk, measured in the same run.

    .venv/bin/python bench/upload.py [--mb 1024] [--chunk-mb 8]

Targets (issue 3): server memory flat within 50 MB; throughput ≥ 50 % of the copy.
"""

import argparse
import http.client
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE))
MiB = 1024 * 1024


DAPHNE_WITH_BUFFER = """
import functools, sys
import daphne.server
daphne.server.Server.__init__ = functools.partialmethod(
    daphne.server.Server.__init__, request_buffer_size=%d)
from daphne.cli import CommandLineInterface
CommandLineInterface().run(sys.argv[1:])
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_kib(pid: int, field: str = "VmRSS") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(field)


class PeakSampler(threading.Thread):
    """Samples the server's RSS every 10 ms (VmHWM cannot be reset without privileges)."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self.running = pid, 0, True

    def run(self):
        while self.running:
            self.peak = max(self.peak, rss_kib(self.pid))
            time.sleep(0.01)


def make_source(path: Path, size: int) -> None:
    block = os.urandom(8 * MiB)
    with open(path, "wb") as out:
        left = size
        while left:
            n = min(left, len(block))
            out.write(block[:n])
            left -= n


def plain_copy(src: Path, dst: Path, block: int, durable: bool = False) -> float:
    started = time.perf_counter()
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        shutil.copyfileobj(fin, fout, block)
        if durable:
            fout.flush()
            os.fsync(fout.fileno())
    return time.perf_counter() - started


def drive_asgi(argv: list[str]) -> None:
    """--asgi-driver mode: this process is the server. It loads the ASGI app and feeds it
    each chunk as a PUT in 64 KiB http.request messages, as an HTTP server would, so the
    measure is Django plus our view without an HTTP server in front."""
    import asyncio

    session, slug, warm_id, upload_id, source, size, chunk = argv
    size, chunk = int(size), int(chunk)
    import django

    django.setup()
    from django.core.asgi import get_asgi_application

    app = get_asgi_application()
    csrf = "b" * 32

    async def put(target: str, offset: int, body: bytes) -> int:
        pieces = [body[i: i + 65536] for i in range(0, len(body), 65536)]
        messages = [{"type": "http.request", "body": p, "more_body": n < len(pieces) - 1}
                    for n, p in enumerate(pieces)]
        sent: list[dict] = []

        async def receive():
            if messages:
                return messages.pop(0)
            await asyncio.sleep(3600)  # the client stays connected

        async def send(message):
            sent.append(message)

        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
            "method": "PUT", "scheme": "http", "root_path": "",
            "path": f"/studio/{slug}/uploads/{target}/",
            "query_string": f"offset={offset}".encode(),
            "headers": [(b"host", b"127.0.0.1"), (b"content-length", str(len(body)).encode()),
                        (b"cookie", f"sessionid={session}; csrftoken={csrf}".encode()),
                        (b"x-csrftoken", csrf.encode())],
            "server": ("127.0.0.1", 80), "client": ("127.0.0.1", 1),
        }
        await app(scope, receive, send)
        if sent[0]["status"] != 200:
            raise RuntimeError(sent[1]["body"][:300])
        return json.loads(sent[1]["body"])["offset"]

    async def run() -> float:
        started = time.perf_counter()
        with open(source, "rb") as fin:
            offset = 0
            while offset < size:
                offset = await put(upload_id, offset, fin.read(chunk))
        return time.perf_counter() - started

    asyncio.run(put(warm_id, 0, os.urandom(chunk)))
    print("ready", flush=True)
    sys.stdin.readline()
    print(json.dumps({"seconds": asyncio.run(run())}), flush=True)


def setup_site(env: dict) -> tuple[str, str, str]:
    """Migrates the bench database and makes a creator with a studio, series and episode;
    returns (sessionid, studio slug, episode ref)."""
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=BASE, env=env,
                   check=True)
    os.environ.update(env)
    import django

    django.setup()
    from django.test import Client

    from creators import services
    from creators.models import User

    user = User.objects.filter(username="bench").first() or services.sign_up(
        "bench", "bench@example.com", "bench-pass-2026", "Bench")
    studio = user.studios.first()
    series = services.create_series(studio, title="Bench", synopsis="", category="standard",
                                    exclusive=False)
    episode = services.create_episode(series, 1, "Bench")
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value, studio.slug, episode.ref


def run_daphne(procs, env, work, args, session, slug, ref, source, size, chunk):
    """Uploads over HTTP to a real daphne; returns (process, seconds, rss before, peak,
    upload id)."""
    port = free_port()
    log = open(work / "daphne.log", "w")
    daphne = ["-b", "127.0.0.1", "-p", str(port), "config.asgi:application"]
    command = [sys.executable, "-m", "daphne", *daphne]
    if args.buffer_kb:
        # The daphne CLI has no flag for it; the server class takes it as an argument.
        command = [sys.executable, "-c", DAPHNE_WITH_BUFFER % (args.buffer_kb * 1024),
                   *daphne]
    server = subprocess.Popen(command, cwd=BASE, env=env, stdout=log,
                              stderr=subprocess.STDOUT)
    procs.append(server)
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError((work / "daphne.log").read_text())
            time.sleep(0.1)

    csrf = secrets.token_hex(16)
    headers = {"Cookie": f"sessionid={session}; csrftoken={csrf}", "X-CSRFToken": csrf,
               "Host": f"127.0.0.1:{port}"}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def call(method, path, body=None, content_type="application/json"):
        conn.request(method, path, body=body,
                     headers={**headers, "Content-Type": content_type})
        response = conn.getresponse()
        data = response.read()
        if response.status >= 300:
            raise RuntimeError(f"{method} {path}: {response.status} {data[:300]!r}")
        return json.loads(data)

    def create(n: int) -> str:
        return call("POST", f"/studio/{slug}/episodes/{ref}/uploads/",
                    json.dumps({"kind": "video", "filename": "big.mp4", "size": n}))["id"]

    # Warm up: imports, the first request, one full-size chunk.
    warm = create(chunk)
    call("PUT", f"/studio/{slug}/uploads/{warm}/?offset=0", os.urandom(chunk),
         "application/octet-stream")
    time.sleep(0.5)
    rss_before = rss_kib(server.pid)

    sampler = PeakSampler(server.pid)
    sampler.start()
    upload_id = create(size)
    started = time.perf_counter()
    with open(source, "rb") as fin:
        offset = 0
        while offset < size:
            body = fin.read(chunk)
            offset = call("PUT", f"/studio/{slug}/uploads/{upload_id}/?offset={offset}",
                          body, "application/octet-stream")["offset"]
    upload_s = time.perf_counter() - started
    time.sleep(0.1)
    sampler.running = False
    sampler.join()
    conn.close()
    return server, upload_s, rss_before, sampler.peak, upload_id


def run_asgi(procs, env, session, slug, ref, source, size, chunk):
    """The ASGI app fed directly in a subprocess (see drive_asgi)."""
    from creators import services
    from creators.models import Episode

    episode = Episode.objects.get(ref=ref)
    user = episode.series.studio.memberships.get().user
    warm = services.start_upload(user, episode, "video", "warm.mp4", chunk)
    upload = services.start_upload(user, episode, "video", "big.mp4", size)
    server = subprocess.Popen(
        [sys.executable, __file__, "--asgi-driver", session, slug, str(warm.pk), str(upload.pk),
         str(source), str(size), str(chunk)],
        cwd=BASE, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    procs.append(server)
    if server.stdout.readline().strip() != "ready":
        raise RuntimeError("the ASGI driver did not start")
    time.sleep(0.5)
    rss_before = rss_kib(server.pid)
    sampler = PeakSampler(server.pid)
    sampler.start()
    server.stdin.write("go\n")
    server.stdin.flush()
    result = json.loads(server.stdout.readline())
    sampler.running = False
    sampler.join()
    return server, result["seconds"], rss_before, sampler.peak, str(upload.pk)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=1024)
    parser.add_argument("--chunk-mb", type=int, default=8)
    parser.add_argument("--server", choices=["daphne", "asgi"], default="daphne",
                        help="daphne: over HTTP; asgi: the ASGI app fed directly in a "
                             "subprocess (Django and our view, no HTTP server)")
    parser.add_argument("--asgi-driver", nargs=7, help=argparse.SUPPRESS)
    parser.add_argument("--buffer-kb", type=int, default=0,
                        help="daphne's request_buffer_size (its default, 8 KiB, when 0)")
    args = parser.parse_args()
    if args.asgi_driver:
        drive_asgi(args.asgi_driver)
        return 0
    size, chunk = args.mb * MiB, args.chunk_mb * MiB

    work = Path(tempfile.mkdtemp(prefix="manju-bench-upload-", dir=BASE / "var"))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings",
           "MEDIA_ROOT": str(work / "media"), "UPLOAD_CHUNK_MAX_BYTES": str(chunk),
           "UPLOAD_MAX_BYTES": str(max(size, 2 * 1024 * MiB)), "PYTHONUNBUFFERED": "1",
           # Django spools request bodies beside the media, on the same disk.
           "TMPDIR": str(work / "tmp")}
    env.setdefault("DATABASE_URL", f"sqlite:///{work / 'bench.sqlite3'}")
    (work / "tmp").mkdir()
    procs: list[subprocess.Popen] = []
    try:
        source = work / "source.bin"
        make_source(source, size)
        session, slug, ref = setup_site(env)

        if args.server == "asgi":
            server, upload_s, rss_before, peak, upload_id = run_asgi(
                procs, env, session, slug, ref, source, size, chunk)
        else:
            server, upload_s, rss_before, peak, upload_id = run_daphne(
                procs, env, work, args, session, slug, ref, source, size, chunk)
        part = work / "media" / "uploads" / f"{upload_id}.part"
        assert part.stat().st_size == size, "the server stored a different number of bytes"
        with open(part, "rb") as a, open(source, "rb") as b:
            for at in (0, size // 2, size - 4096):
                a.seek(at)
                b.seek(at)
                assert a.read(4096) == b.read(4096), f"stored bytes differ at {at}"
        part.unlink()

        copy_s = plain_copy(source, work / "copy.bin", chunk)
        (work / "copy.bin").unlink()
        # For reference only: the same copy made durable (fsync), i.e. at disk speed.
        synced_s = plain_copy(source, work / "copy.bin", chunk, durable=True)
        (work / "copy.bin").unlink()

        growth_mb = (peak - rss_before) / 1024
        upload_mbs, copy_mbs = args.mb / upload_s, args.mb / copy_s
        ratio = upload_mbs / copy_mbs
        met = growth_mb <= 50 and ratio >= 0.5
        buffer = f"{args.buffer_kb} KiB" if args.buffer_kb else "default 8 KiB"
        where = (f"daphne (request buffer {buffer})" if args.server == "daphne"
                 else "the ASGI app fed directly in a subprocess, no HTTP server")
        print(f"upload of {args.mb} MiB in {args.chunk_mb} MiB chunks to {where}, "
              f"pid {server.pid}, files under {work}")
        print(f"{'measure':<34}{'value':>14}")
        print(f"{'server RSS before upload (MiB)':<34}{rss_before / 1024:>14.1f}")
        print(f"{'server RSS peak during (MiB)':<34}{peak / 1024:>14.1f}")
        print(f"{'growth (MiB, target <= 50)':<34}{growth_mb:>14.1f}")
        print(f"{'upload time (s)':<34}{upload_s:>14.2f}")
        print(f"{'upload throughput (MiB/s)':<34}{upload_mbs:>14.1f}")
        print(f"{'plain copy time (s)':<34}{copy_s:>14.2f}")
        print(f"{'plain copy throughput (MiB/s)':<34}{copy_mbs:>14.1f}")
        print(f"{'upload / copy (target >= 0.5)':<34}{ratio:>14.2f}")
        print(f"{'copy + fsync throughput (MiB/s)':<34}{args.mb / synced_s:>14.1f}")
        print(f"{'upload / (copy + fsync), info':<34}{upload_mbs * synced_s / args.mb:>14.2f}")
        print(f"RESULT name=upload size_mb={args.mb} chunk_mb={args.chunk_mb} "
              f"server={args.server} daphne_buffer_kb={args.buffer_kb or 8} "
              f"rss_growth_mb={growth_mb:.1f} upload_mbs={upload_mbs:.1f} "
              f"copy_mbs={copy_mbs:.1f} upload_vs_copy={ratio:.2f} "
              f"target_met={'yes' if met else 'no'}")
        return 0
    finally:
        for proc in procs:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
