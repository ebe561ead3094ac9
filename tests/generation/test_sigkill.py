"""A worker killed mid-job (SIGKILL): Celery delivers the job's token again, the next
worker sees the stale claim, runs the job once more, and it completes once: one set of
outputs, one charge."""

import os
import signal
import time
from pathlib import Path

import pytest
from django.conf import settings

from generation import credits, services
from generation.models import CreditEntry, Job
from tests.conftest import WorkerProcess
from tests.generation.conftest import purge_gpu_queue, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ENV = {"MANJU_GENERATION_STEP_DELAY_MS": "50", "MANJU_JOB_STALE_AFTER_S": "2",
       "CELERY_VISIBILITY_TIMEOUT": "2"}


def test_a_job_survives_its_worker_being_killed_and_is_charged_once(
        tiny_models, studio, owner, tmp_path):
    purge_gpu_queue()
    credits.grant(studio, 100)
    job = services.submit_job(studio, owner, "tiny-keyframe", {"prompt": "p", "steps": 25},
                              dispatch=False)
    first = WorkerProcess("gpu", "doomed", tmp_path / "doomed.log", **ENV)
    second = None
    try:
        services.dispatch_tokens()
        # An upper bound, not a timing: a fresh worker imports torch and builds the model
        # before its first step, which took over 30 s on a machine running two suites.
        wait_for(lambda: Job.objects.filter(pk=job.pk, step__gte=2).exists(),
                 timeout=120, what="the job to be mid-way")
        os.kill(first.proc.pid, signal.SIGKILL)
        first.proc.wait()
        assert Job.objects.get(pk=job.pk).state == "running"
        # Redis hands an unacknowledged message out again once it is older than the
        # visibility timeout; a starting worker sweeps for such messages at once.
        time.sleep(2.2)
        second = WorkerProcess("gpu", "heir", tmp_path / "heir.log", **ENV)
        done = wait_for(lambda: Job.objects.filter(pk=job.pk, state="succeeded").first(),
                        timeout=60, what="the job to complete on the second worker")
    finally:
        first.stop()
        if second:
            second.stop()
    assert done.attempt == 2 and done.worker.startswith("heir@")
    assert CreditEntry.objects.filter(job=job, kind="charge").count() == 1
    assert not CreditEntry.objects.filter(job=job, kind="refund").exists()
    assert credits.balance(studio) == 100 - job.price
    folder = Path(settings.MEDIA_ROOT) / "generation" / str(studio.pk) / str(job.pk)
    assert [p.name for p in folder.iterdir()] == ["keyframe.png"]
    assert len(done.outputs) == 1
