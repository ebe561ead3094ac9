"""The real stack: a Celery gpu worker process runs tiny-keyframe and tiny-motion jobs,
a WebSocket client on the real ASGI server sees every step in order, then the outputs;
fairness between studios (A queues 20, B queues 1 after them: B runs before A's third)."""

import numpy as np
import pytest
from django.conf import settings
from PIL import Image

from creators.services import create_studio
from generation import credits, labels, pipelines, services
from generation.models import CreditEntry, Job
from tests.conftest import make_user
from tests.generation.conftest import collect_job_events, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
# Every job alone: these tests follow one job at a time (fairness compares start times, which
# jobs batched together share); batching has its own tests (tests/storyboard/test_job_batching).
WORKER_ENV = {"MANJU_GPU_BATCH_JOBS": "1"}


def media(path: str):
    return settings.MEDIA_ROOT + "/" + path


def finished(job: Job) -> Job:
    return wait_for(lambda: Job.objects.get(pk=job.pk) if Job.objects.get(
        pk=job.pk).finished else None, timeout=60, what=f"job {job.pk} to finish")


def keyframe(studio, owner, **params):
    return services.submit_job(studio, owner, "tiny-keyframe",
                               {"prompt": "月光下的竹林", "steps": 5, **params},
                               dispatch=False)


def test_a_keyframe_job_streams_every_step_then_its_labelled_output(
        gpu_worker, module_server, funded, owner):
    job = keyframe(funded, owner, seed=7)
    events = collect_job_events(module_server, owner, job.pk, start=services.dispatch_tokens)

    assert events[0]["snapshot"] and events[0]["state"] == "queued"
    steps = [e["step"] for e in events if e.get("state") == "running" and e.get("step")]
    assert steps == [1, 2, 3, 4, 5]
    seqs = [e["seq"] for e in events[1:]]
    assert seqs == sorted(seqs)
    assert any(e.get("preview", "").startswith("data:image/jpeg;base64,") for e in events)
    last = events[-1]
    assert last["state"] == "succeeded"
    assert last["outputs"][0]["url"].endswith(f"{job.pk}/keyframe.png")

    job.refresh_from_db()
    path = media(job.outputs[0]["path"])
    with Image.open(path) as image:
        assert image.size == (72, 128)  # 9:16
    assert labels.read_implicit_label(path) == {
        "Label": "1", "ContentProducer": "manju-studio", "ProduceID": str(job.pk)}
    assert labels.read_provenance(path)["params"]["seed"] == 7
    assert job.provenance["weights_sha256"] and job.provenance["versions"]["diffusers"]
    kinds = list(CreditEntry.objects.filter(job=job).values_list("kind", flat=True))
    assert sorted(kinds) == ["charge", "reserve"]
    assert credits.balance(funded) == 1000 - job.price


def test_rerunning_a_jobs_provenance_reproduces_it_bit_for_bit(gpu_worker, funded, owner,
                                                               tiny_models):
    job = keyframe(funded, owner, seed=123)
    services.dispatch_tokens()
    job = finished(job)
    assert job.state == "succeeded"
    with Image.open(media(job.outputs[0]["path"])) as image:
        stored = np.asarray(image.convert("RGB"))
    again = pipelines.reproduce(labels.read_provenance(media(job.outputs[0]["path"])))
    assert np.array_equal(again[0], stored)
    assert pipelines.frames_sha256(again) == job.provenance["output_sha256"]
    # And the worker's re-run with the same seed writes the same pixels.
    rerun = services.rerun_job(job, owner)
    services.dispatch_tokens()
    rerun = finished(rerun)
    with Image.open(media(rerun.outputs[0]["path"])) as image:
        assert np.array_equal(np.asarray(image.convert("RGB")), stored)
    assert rerun.load_seconds == 0.0  # the worker kept the pipeline loaded


def test_a_motion_job_from_first_and_last_frames_makes_a_labelled_mp4(
        gpu_worker, module_server, funded, owner, tiny_models):
    first, last = keyframe(funded, owner, seed=1), keyframe(funded, owner, seed=2)
    services.dispatch_tokens(2)
    first, last = finished(first), finished(last)
    job = services.submit_job(funded, owner, "tiny-motion", {
        "prompt": "竹叶飘落", "first_job": str(first.pk), "last_job": str(last.pk),
        "frames": 5, "steps": 3, "seed": 5}, dispatch=False)
    events = collect_job_events(module_server, owner, job.pk, start=services.dispatch_tokens)
    assert [e["step"] for e in events if e.get("state") == "running" and e.get("step")] == [
        1, 2, 3]
    assert events[-1]["state"] == "succeeded"
    job.refresh_from_db()
    path = media(job.outputs[0]["path"])
    import av

    with av.open(path) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    assert len(frames) == 5 and frames[0].shape == (256, 144, 3)
    assert labels.read_implicit_label(path)["ProduceID"] == str(job.pk)
    prov = labels.read_provenance(path)
    assert prov["inputs"]["last_image"]["path"] == last.outputs[0]["path"]
    assert pipelines.frames_sha256(pipelines.reproduce(prov)) == prov["output_sha256"]


def test_canceling_a_running_job_stops_it_and_refunds(gpu_worker, funded, owner):
    job = keyframe(funded, owner, steps=400)
    services.dispatch_tokens()
    wait_for(lambda: Job.objects.filter(pk=job.pk, step__gte=1).exists() or
             Job.objects.filter(pk=job.pk, state="running").exists(), what="job to start")
    assert services.cancel_job(Job.objects.get(pk=job.pk), owner)
    job = finished(job)
    assert job.state == "canceled"
    assert job.outputs == [] and job.step < 400
    assert sorted(CreditEntry.objects.filter(job=job).values_list("kind", flat=True)) == [
        "refund", "reserve"]
    assert credits.balance(funded) == 1000


def test_a_job_that_raises_fails_readably_refunds_and_the_worker_goes_on(
        gpu_worker, funded, owner):
    first = keyframe(funded, owner)
    services.dispatch_tokens()
    first = finished(first)
    shot = services.submit_job(funded, owner, "tiny-motion", {
        "prompt": "x", "first_job": str(first.pk), "frames": 5, "steps": 2},
        dispatch=False)
    # The first frame disappears before the worker gets to it.
    import os

    os.remove(media(first.outputs[0]["path"]))
    services.dispatch_tokens()
    shot = finished(shot)
    assert shot.state == "failed"
    assert "FileNotFoundError" in shot.error
    assert first.outputs[0]["path"] not in shot.error and "/" not in shot.error  # no paths
    assert credits.balance(funded) == 1000 - first.price
    after = keyframe(funded, owner)
    services.dispatch_tokens()
    assert finished(after).state == "succeeded"


def test_another_studios_member_cannot_subscribe_to_a_job(module_server, funded, owner,
                                                          outsider):
    import websockets

    from tests.conftest import run_async
    from tests.generation.conftest import session_cookie

    job = keyframe(funded, owner)
    url = f"{module_server.ws_url}/ws/jobs/{job.pk}/"

    async def connect(cookie):
        import asyncio

        async with websockets.connect(url, additional_headers={"Cookie": cookie},
                                      origin=module_server.url, open_timeout=10) as ws:
            return await asyncio.wait_for(ws.recv(), timeout=10)

    with pytest.raises(websockets.exceptions.WebSocketException) as excinfo:
        run_async(connect, session_cookie(outsider))
    assert "403" in str(excinfo.value) or "4403" in str(excinfo.value)
    with pytest.raises(websockets.exceptions.WebSocketException):
        run_async(connect, "")
    # The owner, on the same URL, gets the job's state.
    assert str(job.pk) in run_async(connect, session_cookie(owner))


def test_fairness_one_job_of_studio_b_runs_before_the_third_of_studio_a(gpu_worker, studio, owner):
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
