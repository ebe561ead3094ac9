"""Site-wide pages: the home page, the favicon and the health report."""

import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.translation import gettext_noop
from django.views.decorators.cache import never_cache

# Django's forms end every label_tag with gettext(":"), which Django's own Chinese
# catalogue leaves as an ASCII colon; naming it here puts it in ours, as "：".
gettext_noop(":")


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


def favicon(request: HttpRequest) -> HttpResponse:
    # Pages name the icon in base.html; browsers still ask /favicon.ico on pages that do
    # not (the admin, files opened directly). Not permanent: the static name is hashed.
    return HttpResponseRedirect(static("img/favicon.png"))


def _check_database() -> dict:
    started = time.monotonic()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # the report says what failed instead of a 500
        return {"ok": False, "error": str(exc)}
    return {"ok": True, "vendor": connection.vendor, "ms": _ms(started)}


def _check_redis() -> dict:
    import redis

    started = time.monotonic()
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2)
        client.ping()
    except Exception as exc:
        return {"ok": False, "error": str(exc)}
    return {"ok": True, "ms": _ms(started)}


def _check_workers() -> dict:
    """Which queues have a live worker consuming them, asked over the broker."""
    from config.celery import app

    started = time.monotonic()
    try:
        replies = app.control.inspect(timeout=1.0).active_queues() or {}
    except Exception as exc:
        return {"ok": False, "error": str(exc)}
    queues: dict[str, list[str]] = {"gpu": [], "cpu": []}
    for worker, worker_queues in replies.items():
        for queue in worker_queues:
            queues.setdefault(queue["name"], []).append(worker)
    ok = bool(queues["gpu"]) and bool(queues["cpu"])
    return {"ok": ok, "queues": queues, "ms": _ms(started)}


def _ms(started: float) -> float:
    return round((time.monotonic() - started) * 1000, 1)


def _public(checks: dict) -> dict:
    """What anyone may read: each check's state and timing, how many workers serve each
    queue. Worker hostnames and error texts (which can name hosts, users and ports) are for
    staff."""
    public = {}
    for name, check in checks.items():
        shown = {key: value for key, value in check.items() if key in ("ok", "vendor", "ms", "checked_at")}
        if "queues" in check:
            shown["workers"] = {queue: len(names) for queue, names in check["queues"].items()}
        if not check["ok"]:
            shown["error"] = "unavailable"
        public[name] = shown
    return public


# Asking the workers broadcasts over the broker and waits a second for replies; a
# monitor polling every few seconds, or anyone calling in a loop, would keep every worker
# answering. The answer is kept this long and shared by every caller in the meantime.
WORKERS_CHECK_SECONDS = 5


def _cached_workers_check() -> dict:
    key = "health:workers"
    check = cache.get(key)
    if check is None:
        check = _check_workers()
        check["checked_at"] = round(time.time(), 1)
        cache.set(key, check, WORKERS_CHECK_SECONDS)
    return check


@never_cache
def health(request: HttpRequest) -> JsonResponse:
    checks = {"database": _check_database(), "redis": _check_redis()}
    # Without a broker, asking the workers would only wait for the connection to time out
    # (and the cache lives on the same Redis).
    checks["workers"] = (
        _cached_workers_check() if checks["redis"]["ok"] else {"ok": False, "error": "no broker"}
    )
    ok = all(check["ok"] for check in checks.values())
    if not (request.user.is_authenticated and request.user.is_staff):
        checks = _public(checks)
    return JsonResponse({"ok": ok, "checks": checks}, status=200 if ok else 503)
