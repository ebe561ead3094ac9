"""/health reports the database, Redis and whether each queue has a worker."""

import time

import pytest
from django.urls import reverse

from config import views
from tests.conftest import make_user


@pytest.fixture(autouse=True)
def fresh_workers_check():
    """Each test asks the workers itself instead of reading another test's answer."""
    from django.core.cache import cache

    cache.delete("health:workers")
    yield
    cache.delete("health:workers")


@pytest.mark.django_db
def test_it_reports_missing_workers_as_unhealthy(client):
    response = client.get(reverse("health"))
    body = response.json()
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["redis"]["ok"] is True
    assert body["checks"]["workers"]["ok"] is False
    assert response.status_code == 503


@pytest.mark.slow
def test_it_is_all_green_with_both_workers(client, start_worker):
    start_worker("gpu", name="gpu-health")
    start_worker("cpu", name="cpu-health")
    response = client.get(reverse("health"))
    body = response.json()
    assert response.status_code == 200, body
    assert body["ok"] is True
    # Anyone learns how many workers serve each queue, never their hostnames.
    assert body["checks"]["workers"]["workers"] == {"gpu": 1, "cpu": 1}
    assert "health@" not in response.content.decode()
    client.force_login(make_user("ops", is_staff=True))
    body = client.get(reverse("health")).json()
    assert any(w.startswith("gpu-health@") for w in body["checks"]["workers"]["queues"]["gpu"])
    assert any(w.startswith("cpu-health@") for w in body["checks"]["workers"]["queues"]["cpu"])


@pytest.mark.django_db
def test_it_reports_an_unreachable_redis(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get(reverse("health"))
    assert response.status_code == 503
    assert response.json()["checks"]["redis"] == {"ok": False, "error": "unavailable"}
    client.force_login(make_user("ops", is_staff=True))
    staff = client.get(reverse("health")).json()["checks"]["redis"]
    assert staff["ok"] is False and "127.0.0.1:1" in staff["error"]  # staff see why


@pytest.mark.django_db
def test_callers_within_seconds_share_one_question_to_the_workers(client, monkeypatch):
    asked = []
    real = views._check_workers
    monkeypatch.setattr(views, "_check_workers", lambda: asked.append(1) or real())
    monkeypatch.setattr(views, "WORKERS_CHECK_SECONDS", 1)
    first = client.get(reverse("health")).json()["checks"]["workers"]
    second = client.get(reverse("health")).json()["checks"]["workers"]
    assert len(asked) == 1
    assert second["checked_at"] == first["checked_at"]  # callers can tell how old it is
    time.sleep(1.2)
    third = client.get(reverse("health")).json()["checks"]["workers"]
    assert len(asked) == 2 and third["checked_at"] > first["checked_at"]
