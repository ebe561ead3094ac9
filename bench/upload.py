"""Resumable upload: peak memory of the real server process while it receives a large
upload in chunks, and its throughput against a plain file copy of the same bytes on the
same disk, measured in the same run.

    .venv/bin/python bench/upload.py [--mb 1024] [--chunk-mb N] [--rounds 3]
                                     [--server daphne[,uvicorn,granian,asgi]]

Targets (issue 3): server memory flat within 50 MB; throughput >= 50 % of the copy.

A chunk is acknowledged only once its bytes are on disk (services.commit_chunk syncs
before the offset moves), so the copy held against the target is durable too: copied,
then fsync'd. The page-cache copy (no fsync) is printed beside it. Each round measures
the page-cache copy, the durable copy and one whole upload, in turn, and the medians are
compared, so a busy machine slows baseline and upload alike. The client sends each
chunk's body with sendfile(), so it costs the machine little next to the server.

Servers: what `make run` starts is the first; `asgi` is the ASGI app fed in-process with
64 KiB body messages, no HTTP server (Django and our code alone).
"""

import argparse
import http.client
import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE))
MiB = 1024 * 1024
SERVERS = ("daphne", "uvicorn", "granian", "asgi")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tree_rss_kib(pid: int) -> int:
    """RSS of a process and its descendants (granian serves from a child process)."""
    total, frontier = 0, [pid]
    while frontier:
        current = frontier.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            for task in Path(f"/proc/{current}/task").iterdir():
                frontier += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return total


class PeakSampler(threading.Thread):
    """Samples the server's RSS every 10 ms (VmHWM cannot be reset without privileges)."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self.running = pid, 0, True

    def run(self):
        while self.running:
            self.peak = max(self.peak, tree_rss_kib(self.pid))
            time.sleep(0.01)

    def stop(self) -> int:
        self.running = False
        self.join()
        return self.peak


def make_source(path: Path, size: int) -> None:
    block = os.urandom(8 * MiB)
    with open(path, "wb") as out:
        left = size
        while left:
            n = min(left, len(block))
            out.write(block[:n])
            left -= n
        # On disk before anything is timed: its write-back would slow whatever ran then.
        out.flush()
        os.fsync(out.fileno())


def plain_copy(src: Path, dst: Path, block: int, durable: bool) -> float:
    started = time.perf_counter()
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        shutil.copyfileobj(fin, fout, block)
        if durable:
            fout.flush()
            os.fsync(fout.fileno())
    seconds = time.perf_counter() - started
    dst.unlink()
    return seconds


# --- The ASGI app fed directly ---------------------------------------------------------


def drive_asgi(session: str, slug: str, source: str, chunk: int) -> None:
    """--asgi-driver mode: this process is the server. It loads config.asgi and feeds it
    each chunk as a PUT in 64 KiB http.request messages, as an HTTP server would. Reads
    upload ids on stdin, answers each with the seconds its upload took."""
    import asyncio

    import django

    django.setup()
    from config.asgi import application

    csrf = secrets.token_hex(16)

    async def put(upload_id: str, offset: int, body: bytes) -> int:
        view = memoryview(body)
        pieces = [view[i: i + 65536] for i in range(0, len(body), 65536)]
        pieces.reverse()
        sent: list[dict] = []

        async def receive():
            if pieces:
                piece = pieces.pop()
                return {"type": "http.request", "body": bytes(piece), "more_body": bool(pieces)}
            await asyncio.sleep(3600)  # the client stays connected

        async def send(message):
            sent.append(message)

        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
            "method": "PUT", "scheme": "http", "root_path": "",
            "path": f"/studio/{slug}/uploads/{upload_id}/",
            "query_string": f"offset={offset}".encode(),
            "headers": [(b"host", b"127.0.0.1"), (b"content-length", str(len(body)).encode()),
                        (b"cookie", f"sessionid={session}; csrftoken={csrf}".encode()),
                        (b"x-csrftoken", csrf.encode())],
            "server": ("127.0.0.1", 80), "client": ("127.0.0.1", 1),
        }
        await application(scope, receive, send)
        if sent[0]["status"] != 200:
            raise RuntimeError(sent[1]["body"][:300])
        return json.loads(sent[1]["body"])["offset"]

    async def upload(upload_id: str, size: int) -> float:
        started = time.perf_counter()
        with open(source, "rb") as fin:
            offset = 0
            while offset < size:
                offset = await put(upload_id, offset, fin.read(chunk))
        return time.perf_counter() - started

    print("ready", flush=True)
    for line in sys.stdin:
        upload_id, size = line.split()
        print(json.dumps({"seconds": asyncio.run(upload(upload_id, int(size)))}), flush=True)


# --- The site and the servers ----------------------------------------------------------


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


def server_command(name: str, port: int) -> list[str]:
    app = "config.asgi:application"
    if name == "daphne":
        return [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), app]
    if name == "uvicorn":
        return [sys.executable, "-m", "uvicorn", "--host", "127.0.0.1", "--port", str(port),
                "--http", "httptools", "--lifespan", "off", "--log-level", "warning", app]
    if name == "granian":
        return [sys.executable, "-m", "granian", "--interface", "asginl", "--host",
                "127.0.0.1", "--port", str(port), "--log-level", "warning", app]
    raise ValueError(name)


class HttpUploader:
    """A real server process and a keep-alive client that PUTs chunks with sendfile()."""

    def __init__(self, name: str, env: dict, work: Path, session: str, slug: str, ref: str,
                 chunk: int):
        self.slug, self.ref, self.chunk = slug, ref, chunk
        self.port = free_port()
        self.log = work / f"{name}.log"
        self.proc = subprocess.Popen(server_command(name, self.port), cwd=BASE, env=env,
                                     stdout=open(self.log, "w"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError(self.log.read_text()[-3000:])
                time.sleep(0.1)
        csrf = secrets.token_hex(16)
        self.headers = {"Cookie": f"sessionid={session}; csrftoken={csrf}",
                        "X-CSRFToken": csrf, "Host": f"127.0.0.1:{self.port}"}
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)

    def _json(self, response) -> dict:
        data = response.read()
        if response.status >= 300:
            raise RuntimeError(f"{response.status} {data[:300]!r}")
        return json.loads(data)

    def create(self, size: int) -> str:
        # A fresh connection for each upload: servers close idle ones (uvicorn after 5 s)
        # while the copies run.
        self.conn.close()
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
        self.conn.request("POST", f"/studio/{self.slug}/episodes/{self.ref}/uploads/",
                          json.dumps({"kind": "video", "filename": "big.mp4", "size": size}),
                          headers={**self.headers, "Content-Type": "application/json"})
        return self._json(self.conn.getresponse())["id"]

    def upload(self, upload_id: str, source: Path, size: int) -> float:
        started = time.perf_counter()
        with open(source, "rb") as fin:
            offset = 0
            while offset < size:
                count = min(self.chunk, size - offset)
                self.conn.putrequest("PUT", f"/studio/{self.slug}/uploads/{upload_id}/"
                                            f"?offset={offset}", skip_host=True)
                for name, value in {**self.headers, "Content-Length": str(count),
                                    "Content-Type": "application/octet-stream"}.items():
                    self.conn.putheader(name, value)
                self.conn.endheaders()
                self.conn.sock.sendfile(fin, offset, count)
                offset = self._json(self.conn.getresponse())["offset"]
        return time.perf_counter() - started

    def stop(self) -> None:
        self.conn.close()
        stop(self.proc)


class AsgiUploader:
    """The ASGI app fed directly in a subprocess (see drive_asgi)."""

    def __init__(self, env: dict, session: str, slug: str, ref: str, source: Path,
                 chunk: int):
        from creators.models import Episode

        self.episode = Episode.objects.get(ref=ref)
        self.user = self.episode.series.studio.memberships.get().user
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--asgi-driver", session, slug, str(source), str(chunk)],
            cwd=BASE, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        if self.proc.stdout.readline().strip() != "ready":
            raise RuntimeError("the ASGI driver did not start")

    def create(self, size: int) -> str:
        from creators import services

        return str(services.start_upload(self.user, self.episode, "video", "big.mp4", size).pk)

    def upload(self, upload_id: str, source: Path, size: int) -> float:
        self.proc.stdin.write(f"{upload_id} {size}\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())["seconds"]

    def stop(self) -> None:
        self.proc.stdin.close()
        stop(self.proc)


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


def check_stored(work: Path, upload_id: str, source: Path, size: int) -> None:
    part = work / "media" / "uploads" / f"{upload_id}.part"
    assert part.stat().st_size == size, "the server stored a different number of bytes"
    with open(part, "rb") as a, open(source, "rb") as b:
        for at in (0, size // 2, size - 4096):
            a.seek(at)
            b.seek(at)
            assert a.read(4096) == b.read(4096), f"stored bytes differ at {at}"
    part.unlink()


def measure(name, env, work, session, slug, ref, source, size, chunk, rounds) -> dict:
    if name == "asgi":
        uploader = AsgiUploader(env, session, slug, ref, source, chunk)
    else:
        uploader = HttpUploader(name, env, work, session, slug, ref, chunk)
    try:
        warm = uploader.create(chunk)  # imports, first request, one full chunk
        uploader.upload(warm, source, chunk)
        time.sleep(0.5)
        rss_before = tree_rss_kib(uploader.proc.pid)
        sampler = PeakSampler(uploader.proc.pid)
        sampler.start()
        times = {"copy": [], "durable": [], "upload": []}
        for n in range(rounds):
            steps = ["copy", "durable", "upload"]
            for step in steps[n % 3:] + steps[: n % 3]:  # each goes first in some round
                if step == "upload":
                    upload_id = uploader.create(size)
                    times["upload"].append(uploader.upload(upload_id, source, size))
                    check_stored(work, upload_id, source, size)
                else:
                    times[step].append(plain_copy(source, work / "copy.bin", chunk,
                                                  durable=step == "durable"))
        peak = sampler.stop()
    finally:
        uploader.stop()
    return {"server": name, "rss_before": rss_before, "peak": peak, **times}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=1024)
    parser.add_argument("--chunk-mb", type=int, default=0,
                        help="chunk size (default: the site's UPLOAD_CHUNK_MAX_BYTES)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--server", default="uvicorn",
                        help=f"comma-separated, from {', '.join(SERVERS)}; the first one "
                             "decides the RESULT line")
    parser.add_argument("--asgi-driver", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.asgi_driver:
        session, slug, source, chunk = args.asgi_driver
        drive_asgi(session, slug, source, int(chunk))
        return 0
    servers = args.server.split(",")
    if any(name not in SERVERS for name in servers):
        parser.error(f"--server: choose from {', '.join(SERVERS)}")

    work = Path(tempfile.mkdtemp(prefix="manju-bench-upload-", dir=BASE / "var"))
    size = args.mb * MiB
    env = {"DJANGO_SETTINGS_MODULE": "config.settings", **os.environ,
           "MEDIA_ROOT": str(work / "media"), "PYTHONUNBUFFERED": "1",
           "UPLOAD_MAX_BYTES": str(max(size, 2 * 1024 * MiB)),
           # Servers and Django spool request bodies beside the media, on the same disk.
           "TMPDIR": str(work / "tmp")}
    if args.chunk_mb:
        env["UPLOAD_CHUNK_MAX_BYTES"] = str(args.chunk_mb * MiB)
    env.setdefault("DATABASE_URL", f"sqlite:///{work / 'bench.sqlite3'}")
    (work / "tmp").mkdir()
    try:
        source = work / "source.bin"
        make_source(source, size)
        session, slug, ref = setup_site(env)
        from django.conf import settings

        chunk = settings.UPLOAD_CHUNK_MAX_BYTES
        results = [measure(name, env, work, session, slug, ref, source, size, chunk,
                           args.rounds) for name in servers]
    finally:
        shutil.rmtree(work, ignore_errors=True)

    database = "PostgreSQL" if "postgres" in env["DATABASE_URL"] else "SQLite"
    print(f"upload of {args.mb} MiB in {chunk // MiB} MiB chunks, {args.rounds} rounds, "
          f"{database}; medians (MiB/s), each round's ratio in brackets")
    print(f"{'server':<9}{'rss +MiB':>9}{'upload':>9}{'copy':>8}{'durable':>9}"
          f"{'÷durable':>10}{'÷copy':>7}  rounds ÷durable")
    for r in results:
        mbs = {k: args.mb / statistics.median(r[k]) for k in ("upload", "copy", "durable")}
        r["growth"] = (r["peak"] - r["rss_before"]) / 1024
        r["ratio"] = mbs["upload"] / mbs["durable"]
        r["ratio_copy"] = mbs["upload"] / mbs["copy"]
        r["mbs"] = mbs
        each = " ".join(f"{d / u:.2f}" for u, d in zip(r["upload"], r["durable"], strict=True))
        print(f"{r['server']:<9}{r['growth']:>9.1f}{mbs['upload']:>9.0f}{mbs['copy']:>8.0f}"
              f"{mbs['durable']:>9.0f}{r['ratio']:>10.2f}{r['ratio_copy']:>7.2f}  [{each}]")
    first = results[0]
    met = first["growth"] <= 50 and first["ratio"] >= 0.5
    print("held against the target: upload ÷ durable copy (chunks are acknowledged once "
          "durable); ÷copy is against the page-cache copy, for information")
    print(f"RESULT name=upload size_mb={args.mb} chunk_mb={chunk // MiB} "
          f"server={first['server']} database={database.lower()} rounds={args.rounds} "
          f"rss_growth_mb={first['growth']:.1f} upload_mbs={first['mbs']['upload']:.1f} "
          f"durable_copy_mbs={first['mbs']['durable']:.1f} "
          f"copy_mbs={first['mbs']['copy']:.1f} upload_vs_durable_copy={first['ratio']:.2f} "
          f"upload_vs_copy={first['ratio_copy']:.2f} target_met={'yes' if met else 'no'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
