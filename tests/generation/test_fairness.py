"""Fairness through a real worker: studio A queues 20, studio B queues 1 after them, and
B's job runs before A's third."""

import pytest

from creators.services import create_studio
from generation import credits, services
from generation.models import Job
from tests.conftest import make_user
from tests.generation.conftest import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_one_job_of_studio_b_runs_before_the_third_of_studio_a(gpu_worker, studio, owner):
    b_owner = make_user("b-owner")
    b_studio = create_studio(b_owner, "B", slug="b")
    credits.grant(studio, 1000)
    credits.grant(b_studio, 1000)
    params = {"prompt": "p", "steps": 1}
    a_jobs = [services.submit_job(studio, owner, "tiny-keyframe", params, dispatch=False)
              for _ in range(20)]
    b_job = services.submit_job(b_studio, b_owner, "tiny-keyframe", params, dispatch=False)
    services.dispatch_tokens(21)
    wait_for(lambda: not Job.objects.exclude(state="succeeded").exists(), timeout=90,
             what="all jobs to finish")
    started = {j.pk: j.started_at for j in Job.objects.all()}
    assert started[b_job.pk] < started[a_jobs[2].pk]
    a_order = sorted(a_jobs, key=lambda j: started[j.pk])
    assert [j.pk for j in a_order] == [j.pk for j in a_jobs]  # A's own jobs stay FIFO
