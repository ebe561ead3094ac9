"""While a worker loads a model no step can be counted: the job's page hears "running"
with phase "loading" first, then "rendering" (with the load's seconds) before the steps;
a model already in memory goes straight to "rendering". Heard on the real channel layer,
the job run through the worker's own code path in this process."""

import asyncio

import pytest
from channels.layers import get_channel_layer

from generation import pipelines, services
from generation import tasks as generation_tasks
from generation.progress import job_group

pytestmark = pytest.mark.django_db(transaction=True)


def run_and_listen(job) -> list[dict]:
    """Every event of the job's group while the worker's code runs it, to the final one."""

    async def listen():
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add(job_group(job.pk), channel)
        claimed = await asyncio.to_thread(
            services.claim_for_delivery, f"loading-test-{job.pk}", "pytest")
        assert claimed is not None and claimed.pk == job.pk
        runner = asyncio.create_task(asyncio.to_thread(generation_tasks.execute, claimed))
        events = []
        while not events or events[-1].get("state") not in ("succeeded", "failed"):
            message = await asyncio.wait_for(layer.receive(channel), 60)
            events.append(message["payload"])
        await runner
        await layer.group_discard(job_group(job.pk), channel)
        return events

    return asyncio.run(listen())


def before_the_first_step(events) -> list[dict]:
    running = [e for e in events if e.get("state") == "running"]
    first = next(n for n, e in enumerate(running) if e.get("step"))
    return running[:first]


def test_a_cold_model_says_it_is_loading_then_rendering(funded, owner, tiny_models):
    pipelines.cache.clear()
    job = services.submit_job(funded, owner, "tiny-keyframe", {"prompt": "竹林", "steps": 2},
                              dispatch=False)
    events = run_and_listen(job)

    opening = before_the_first_step(events)
    assert [e.get("phase") for e in opening] == ["loading", "rendering"]
    assert opening[1]["load_seconds"] > 0
    assert events[-1]["state"] == "succeeded"

    again = services.submit_job(funded, owner, "tiny-keyframe",
                                {"prompt": "竹林", "steps": 2}, dispatch=False)
    warm = before_the_first_step(run_and_listen(again))
    assert [e.get("phase") for e in warm] == ["rendering"]
    assert "load_seconds" not in warm[0]
