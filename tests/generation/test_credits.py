"""The credit wallet and queue order, without a worker: price fixed and reserved at
enqueue, the balance never below zero under concurrency, refunds exactly once."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from creators.models import Studio
from creators.services import create_studio
from generation import credits, queries, registry, services
from generation.models import CreditEntry, Job
from tests.conftest import make_user

pytestmark = pytest.mark.django_db(transaction=True)


def submit(studio, user, **params):
    return services.submit_job(studio, user, "tiny-keyframe", {"prompt": "p", **params},
                               dispatch=False)


def test_a_hundred_concurrent_submissions_against_a_balance_for_ten_accept_ten(studio, owner):
    price = registry.get("tiny-keyframe").price_for(
        services.resolve_params(registry.get("tiny-keyframe"), {}))
    credits.grant(studio, price * 10)

    def attempt(_):
        try:
            submit(Studio.objects.get(pk=studio.pk), owner)
            return True
        except services.InsufficientCredits:
            return False
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(attempt, range(100)))
    assert results.count(True) == 10
    assert Job.objects.filter(studio=studio).count() == 10
    assert credits.balance(studio) == 0
    assert CreditEntry.objects.filter(studio=studio, kind="reserve").count() == 10


def test_the_history_adds_up_to_the_balance_and_refunds_happen_once(studio, owner):
    credits.grant(studio, 100, by=owner, note="start")
    job = submit(studio, owner)
    assert credits.balance(studio) == 100 - job.price
    assert services.cancel_job(job, owner)
    assert not services.cancel_job(Job.objects.get(pk=job.pk), owner)  # already over
    assert credits.refund(Job.objects.get(pk=job.pk)) is False
    assert credits.balance(studio) == 100
    entries = CreditEntry.objects.filter(studio=studio)
    assert sum(e.amount for e in entries) == credits.balance(studio)
    assert sorted(entries.values_list("kind", flat=True)) == ["grant", "refund", "reserve"]
    assert Job.objects.get(pk=job.pk).state == "canceled"


def test_nothing_is_queued_without_credits(studio, owner):
    with pytest.raises(services.InsufficientCredits):
        submit(studio, owner)
    assert not Job.objects.exists()


def test_the_price_is_fixed_by_model_and_size(studio, owner):
    credits.grant(studio, 1000)
    small = submit(studio, owner)
    spec = registry.get("tiny-motion")
    assert spec.price_for({"width": 144, "height": 256, "frames": 17}) > spec.price_for(
        {"width": 144, "height": 256, "frames": 5})
    assert small.price == registry.get("tiny-keyframe").price_for(small.params)


def test_queue_order_is_round_robin_between_studios(studio, owner):
    other_owner = make_user("b-owner")
    other = create_studio(other_owner, "B", slug="b")
    credits.grant(studio, 1000)
    credits.grant(other, 1000)
    a_jobs = [submit(studio, owner) for _ in range(20)]
    b_job = submit(other, other_owner)
    order = [job_id for job_id, _ in queries.fair_order()]
    assert order.index(str(b_job.pk)) < order.index(str(a_jobs[2].pk))
    assert order[:3] == [str(a_jobs[0].pk), str(b_job.pk), str(a_jobs[1].pk)]
    positions = queries.queue_positions()
    assert positions[str(b_job.pk)] == 2 and positions[str(a_jobs[19].pk)] == 21


def test_a_running_job_whose_worker_is_gone_goes_back_to_the_queue(studio, owner):
    from datetime import timedelta

    from django.utils import timezone

    credits.grant(studio, 100)
    alive, gone = submit(studio, owner), submit(studio, owner)
    Job.objects.filter(pk=alive.pk).update(state="running", heartbeat_at=timezone.now())
    Job.objects.filter(pk=gone.pk).update(state="running", claim_task_id="t1",
                                          heartbeat_at=timezone.now() - timedelta(hours=1))
    assert services.requeue_abandoned() == 1
    assert Job.objects.get(pk=gone.pk).state == "queued"
    assert Job.objects.get(pk=alive.pk).state == "running"
    # Whichever delivery comes first (the old token redelivered, or the new one) runs it;
    # the other finds nothing to do.
    claimed = services.claim_for_delivery("t1", "w")
    assert claimed.pk == gone.pk and claimed.state == "running"
    assert services.claim_for_delivery("t2", "w") is None
    assert not CreditEntry.objects.filter(job=gone, kind__in=["charge", "refund"]).exists()


def test_a_redelivered_token_takes_its_job_over_only_once_the_worker_is_gone(studio, owner):
    from datetime import timedelta

    from django.utils import timezone

    credits.grant(studio, 100)
    job = submit(studio, owner)
    claimed = services.claim_for_delivery("t1", "first")
    assert claimed.pk == job.pk and claimed.attempt == 1
    with pytest.raises(services.StillRunning):  # the first worker still beats
        services.claim_for_delivery("t1", "second")
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    taken = services.claim_for_delivery("t1", "second")
    assert taken.worker == "second" and taken.attempt == 2
    # The first worker's late finish no longer counts; the second's does, charged once.
    assert not services.finish_job(claimed, "succeeded", outputs=[])
    assert services.finish_job(taken, "succeeded", outputs=[])
    assert not services.finish_job(taken, "succeeded", outputs=[])
    assert CreditEntry.objects.filter(job=job, kind="charge").count() == 1
    assert services.claim_for_delivery("t1", "third") is None
