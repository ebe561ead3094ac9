"""Same-shape text-to-image jobs queued together share one pipeline call (issue #11), each
finished on its own: its own outputs, provenance, progress and credits; each output within
one uint8 level of the job rendered alone. In-process (calls counted) and with a real gpu
worker process."""

from pathlib import Path

import numpy as np
import pytest
from diffusers import StableDiffusionPipeline
from django.conf import settings
from django.core.cache import cache
from PIL import Image

from creators.services import create_studio
from generation import credits, labels, pipelines, registry, tasks
from generation import services as generation
from generation.models import CreditEntry, Job
from tests.conftest import make_user
from tests.generation.conftest import purge_gpu_queue, wait_for


def pixels(job: Job) -> np.ndarray:
    with Image.open(Path(settings.MEDIA_ROOT) / job.outputs[0]["path"]) as image:
        return np.asarray(image.convert("RGB")).astype(int)


def solo(job: Job) -> np.ndarray:
    spec = registry.get(job.model_key)
    pipe, _ = pipelines.cache.get(spec)
    return pipelines.render(spec, pipe, job.params)[0].astype(int)


def two_studios(owner, studio):
    other = create_studio(make_user("b-owner"), "B", slug="b")
    credits.grant(studio, 1000)
    credits.grant(other, 1000)
    return studio, other


def submit(studio, prompt, seed, **params):
    return generation.submit_job(studio, None, "tiny-keyframe",
                                 {"prompt": prompt, "seed": seed, "steps": 3, **params},
                                 dispatch=False)


@pytest.mark.django_db
def test_same_shape_jobs_share_one_call_and_each_finishes_on_its_own(
        owner, studio, tiny_models, monkeypatch):
    calls = []
    original = StableDiffusionPipeline.__call__

    def counted(self, *args, **kwargs):
        prompt = kwargs.get("prompt")
        calls.append(prompt if isinstance(prompt, list) else [prompt])
        return original(self, *args, **kwargs)

    monkeypatch.setattr(StableDiffusionPipeline, "__call__", counted)
    a, b = two_studios(owner, studio)
    first = submit(a, "月光竹林", 11)
    other_studio_job = submit(b, "雨夜长街", 12, negative_prompt="模糊")
    different_steps = submit(a, "另一形状", 13, steps=2)
    grid = submit(a, "九宫格", 14, num_images=2)  # batched within itself already
    doomed = submit(a, "取消我", 15)

    job = generation.claim_for_delivery("batch-token", "pytest")
    assert job.pk == first.pk
    mates = generation.claim_batch_mates(job, "batch-token", "pytest", limit=3)
    assert [m.pk for m in mates] == [other_studio_job.pk, doomed.pk]
    assert Job.objects.get(pk=different_steps.pk).state == "queued"
    assert Job.objects.get(pk=grid.pk).state == "queued"
    cache.set(generation.cancel_key(doomed.pk), 1)  # canceled while the batch runs
    Job.objects.filter(pk=doomed.pk).update(cancel_requested=True)

    tasks.execute_batch([job, *mates])
    assert calls == [["月光竹林", "雨夜长街", "取消我"]]  # one call for the three

    first, other_studio_job, doomed = (Job.objects.get(pk=j.pk)
                                       for j in (first, other_studio_job, doomed))
    assert doomed.state == "canceled" and doomed.outputs == []
    assert sorted(CreditEntry.objects.filter(job=doomed).values_list("kind", flat=True)) == [
        "refund", "reserve"]
    for n, done in enumerate((first, other_studio_job)):
        assert done.state == "succeeded", done.error
        assert done.step == done.total_steps == 3
        assert done.provenance["batched"] == {"jobs": 3, "index": n}
        assert done.provenance["params"] == done.params  # its own, nobody else's
        path = Path(settings.MEDIA_ROOT) / done.outputs[0]["path"]
        assert labels.read_implicit_label(path)["ProduceID"] == str(done.pk)
        assert sorted(CreditEntry.objects.filter(job=done).values_list("kind", flat=True)) \
            == ["charge", "reserve"]
    assert credits.balance(a) == 1000 - first.price - different_steps.price - grid.price
    assert credits.balance(b) == 1000 - other_studio_job.price
    # The other studio's prompt appears nowhere in this studio's file.
    data = Path(settings.MEDIA_ROOT, first.outputs[0]["path"]).read_bytes()
    assert "月光竹林".encode() in data and "雨夜长街".encode() not in data
    assert "雨夜长街" not in str(first.provenance)

    calls.clear()
    for done in (first, other_studio_job):
        difference = np.abs(pixels(done) - solo(done))
        assert difference.max() <= 1 and (difference == 0).mean() > 0.99
    assert len(calls) == 2
    assert not np.array_equal(pixels(first), pixels(other_studio_job))


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_two_queued_same_shape_jobs_in_one_call(
        owner, studio, tiny_models, start_worker):
    a, b = two_studios(owner, studio)
    jobs = [submit(a, "月光竹林", 21), submit(b, "雨夜长街", 22)]
    purge_gpu_queue()
    start_worker("gpu", name="batch-gpu", MANJU_GPU_BATCH_JOBS="4")
    generation.dispatch_tokens(2)
    jobs = wait_for(lambda: [Job.objects.get(pk=j.pk) for j in jobs] if all(
        Job.objects.get(pk=j.pk).finished for j in jobs) else None, timeout=60,
        what="both jobs")
    assert [j.state for j in jobs] == ["succeeded", "succeeded"], [j.error for j in jobs]
    # One delivery claimed both and ran them in one call.
    assert jobs[1].claim_task_id == jobs[0].claim_task_id + "+1"
    assert jobs[0].worker == jobs[1].worker
    assert [j.provenance["batched"] for j in jobs] == [{"jobs": 2, "index": 0},
                                                       {"jobs": 2, "index": 1}]
    for job in jobs:
        assert job.step == job.total_steps == 3
        difference = np.abs(pixels(job) - solo(job))
        assert difference.max() <= 1 and (difference == 0).mean() > 0.99
    assert credits.balance(a) == 1000 - jobs[0].price
    assert credits.balance(b) == 1000 - jobs[1].price
