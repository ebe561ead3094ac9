"""Shared fixtures: people in studios, and real processes (Celery workers, the ASGI server,
Chromium) started against the test database."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from creators.models import Membership, Studio, User
from creators.services import create_studio

BASE_DIR = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
BROWSER_REQUIRED = os.environ.get("MANJU_REQUIRE_BROWSER") == "1"
PASSWORD = "s3cret-Passw0rd"


def at_once(*calls, expected: tuple = ()) -> list:
    """Runs each call (no arguments) in its own thread, all released together by a barrier,
    each on its own database connection; returns, in call order, what each returned or the
    exception it raised, if that is one of the `expected` kinds (a refusal). Any other
    exception is raised here, failing the test."""
    import threading

    from django.db import connections

    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        except Exception as error:  # noqa: BLE001 - the outcome is what a test asserts on
            results[i] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for result in results:
        if isinstance(result, Exception) and not isinstance(result, expected):
            raise result
    return results


# --- People ---------------------------------------------------------------------------


def make_user(username: str, **flags) -> User:
    user = User(username=username, email=f"{username}@example.com", **flags)
    user.set_password(PASSWORD)
    user.save()
    return user


def browser_login(context, user: User, base_url: str) -> None:
    """Logs a Playwright browser context in as user on the server at base_url: a session
    made by Django's test client, handed over as the session cookie."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                          "url": base_url}])


def logged_in(client, user: User, language: str):
    """The test client logged in as user, reading the site in language (the switcher's
    cookie): "en" where a test asserts English text, "zh-hans" for Chinese."""
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


@pytest.fixture
def owner(db) -> User:
    return make_user("owner")


@pytest.fixture
def studio(owner) -> Studio:
    return create_studio(owner, "晨光工作室", slug="dawn")


@pytest.fixture
def member(studio) -> User:
    user = make_user("member")
    Membership.objects.create(studio=studio, user=user, role=Membership.Role.MEMBER)
    return user


@pytest.fixture
def outsider(db) -> User:
    """Owner of another studio: must never see or touch the first studio's things."""
    user = make_user("outsider")
    create_studio(user, "别家工作室", slug="elsewhere")
    return user


@pytest.fixture
def other_studio(outsider) -> Studio:
    return Studio.objects.get(slug="elsewhere")


def run_async(coroutine_function, *args, timeout: float = 60):
    """Runs `await coroutine_function(*args)` on a fresh event loop in its own thread, so it
    works even when the calling thread already has a loop (e.g. Playwright's)."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine_function(*args)).result(timeout=timeout)


# --- Real processes -------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url() -> str:
    """The URL of the test database, for processes started by a test."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = settings.get("USER") or ""
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    host = settings.get("HOST") or "127.0.0.1"
    port = f":{settings['PORT']}" if settings.get("PORT") else ""
    return f"postgresql://{auth}{host}{port}/{settings['NAME']}"


def process_env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": database_url(), "PYTHONUNBUFFERED": "1"}
    # The servers and workers we start keep Django's async safety (see `chromium`).
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env["DJANGO_SETTINGS_MODULE"] = "config.test_settings"
    env.update(extra)
    return env


def stop_process(proc: subprocess.Popen, timeout: float = 10) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class WorkerProcess:
    """A real `celery worker` process consuming the given queues."""

    def __init__(self, queues: str, name: str, log: Path, pool: str = "solo", **env: str):
        self.queues, self.name, self.log = queues, name, log
        cmd = [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queues,
               f"--pool={pool}", "-n", f"{name}@%h", "--loglevel=INFO", "--without-gossip",
               "--without-mingle", "--without-heartbeat"]
        self._log_file = open(log, "w")
        self.proc = subprocess.Popen(cmd, cwd=BASE_DIR, env=process_env(**env),
                                     stdout=self._log_file, stderr=subprocess.STDOUT)
        self.wait_ready()

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"worker exited early:\n{self.log.read_text()[-3000:]}")
            if " ready." in self.log.read_text():
                return
            time.sleep(0.2)
        raise RuntimeError(f"worker not ready in {timeout}s:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        stop_process(self.proc)
        self._log_file.close()


@pytest.fixture
def start_worker(transactional_db, tmp_path):
    """Factory: start_worker("cpu") starts a worker on that queue, stopped after the test."""
    workers: list[WorkerProcess] = []

    def start(queues: str = "cpu", name: str | None = None, **env: str) -> WorkerProcess:
        name = name or f"{queues.replace(',', '-')}-{len(workers)}"
        worker = WorkerProcess(queues, name, tmp_path / f"worker-{name}.log", **env)
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


class AsgiServer:
    """The real ASGI server (uvicorn, as `make run` starts it) serving the site and its
    WebSockets."""

    def __init__(self, log: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}"
        self._log_file = open(log, "w")
        self.log = log
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--host", "127.0.0.1", "--port", str(self.port),
             "--http", "httptools", "--ws", "websockets", "--lifespan", "off",
             "--no-access-log", "config.asgi:application"],
            cwd=BASE_DIR, env=process_env(), stdout=self._log_file, stderr=subprocess.STDOUT,
        )
        # An upper bound for a loaded machine; the server usually listens within seconds.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self._log_file.close()
                raise RuntimeError(f"the ASGI server exited:\n{log.read_text()[-3000:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.1)
        self.stop()  # not left running after the test fails
        raise RuntimeError("the ASGI server did not start listening in 60s")

    def stop(self) -> None:
        stop_process(self.proc)
        self._log_file.close()


@pytest.fixture
def asgi_server(transactional_db, tmp_path):
    server = AsgiServer(tmp_path / "asgi.log")
    yield server
    server.stop()


# --- Browser --------------------------------------------------------------------------

_browser_skip_reason: str | None = None


def pytest_collection_modifyitems(config, items):
    """Without Chromium the browser tests are deselected, and the run says so at the end;
    under CI (MANJU_REQUIRE_BROWSER=1) a missing Chromium is an error instead."""
    global _browser_skip_reason
    if Path(CHROMIUM).exists():
        return
    reason = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    if BROWSER_REQUIRED:
        raise pytest.UsageError(f"Browser tests are required but cannot run: {reason}")
    browser_items = [item for item in items if item.get_closest_marker("browser")]
    if browser_items:
        _browser_skip_reason = f"{len(browser_items)} browser tests did NOT run: {reason}"
        config.hook.pytest_deselected(items=browser_items)
        items[:] = [item for item in items if not item.get_closest_marker("browser")]


def pytest_terminal_summary(terminalreporter):
    if _browser_skip_reason:
        terminalreporter.write_sep("!", _browser_skip_reason, red=True, bold=True)


@pytest.fixture(scope="module")
def chromium():
    """One Chromium per test module: Playwright's event loop lives only as long as the
    module, so tests elsewhere can still use asyncio.run (or `run_async`)."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread; the ORM calls that
    # tests make beside it are still plain synchronous calls, so Django's guard is lifted.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"],
        )
        yield browser
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def page(chromium, tmp_path):
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(15000)
    page = context.new_page()
    yield page
    try:
        page.screenshot(path=str(tmp_path / "last.png"))
    finally:
        context.close()


def pytest_report_header(config):
    chromium = CHROMIUM if Path(CHROMIUM).exists() else "missing"
    return [f"database: {os.environ.get('DATABASE_URL') or 'sqlite (embedded)'}; "
            f"redis: {os.environ.get('REDIS_URL', 'unset')}; chromium: {chromium}"]
