"""/health reports the database, Redis and whether each queue has a worker."""

import pytest
from django.urls import reverse


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
    assert any(w.startswith("gpu-health@") for w in body["checks"]["workers"]["queues"]["gpu"])
    assert any(w.startswith("cpu-health@") for w in body["checks"]["workers"]["queues"]["cpu"])


@pytest.mark.django_db
def test_it_reports_an_unreachable_redis(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get(reverse("health"))
    assert response.status_code == 503
    assert response.json()["checks"]["redis"]["ok"] is False
