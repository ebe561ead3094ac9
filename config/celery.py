"""The Celery app: queue "gpu" for generation, queue "cpu" for probing, assembly, encoding."""

import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("manju")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = (Queue("gpu"), Queue("cpu"))
# Tasks name their queue in their decorator (queue="gpu" or "cpu"); "cpu" is the default.
app.conf.beat_schedule = {
    "cleanup-abandoned-uploads": {
        "task": "creators.cleanup_abandoned_uploads",
        "schedule": 3600.0,
        "options": {"queue": "cpu"},
    },
    "review-expire-claims": {
        "task": "review.expire_claims",
        "schedule": 60.0,
        "options": {"queue": "cpu"},
    },
    "review-sync-submissions": {
        "task": "review.sync_submissions",
        "schedule": 30.0,
        "options": {"queue": "cpu"},
    },
}
app.conf.broker_connection_retry_on_startup = True
app.autodiscover_tasks()


@app.task(name="config.ping")
def ping() -> str:
    return "pong"
