"""Celery tasks of the generation engine.

`generation.run_next` (queue "gpu") is a token: each queued job puts one in the queue, and
the worker that takes it runs whichever queued job is fairest then (round-robin by studio,
see queries.fair_order). The job is claimed with a conditional UPDATE that records this
delivery's task id, so a redelivery after a worker died finds its job again and takes it
over when the heartbeat is stale; outputs go to a path fixed by the job id, and the charge
is a conditional state change: one set of outputs, one charge."""

import base64
import io
import logging
import os
import time
from pathlib import Path

from celery import shared_task
from celery.signals import worker_ready
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from config.settings import env_int
from generation import conf, labels, pipelines, queries, registry, services
from generation.models import Job
from generation.progress import publish

log = logging.getLogger(__name__)


def failure_text(exc: BaseException) -> str:
    """What a failed job tells the studio: out of memory (and what to try), or which kind of
    error stopped it. The error's own text (file paths, hosts) goes to the worker's log."""
    import torch
    from django.utils.translation import gettext

    if isinstance(exc, (torch.OutOfMemoryError, MemoryError)):
        pipelines.cache.clear()  # the next job loads what it needs into the freed memory
        return gettext("The worker ran out of memory: try a smaller size, fewer frames or "
                       "fewer candidates. Your credits were returned.")
    return gettext("The job failed on the worker (%(kind)s). Your credits were returned; "
                   "try again, and tell us if it keeps failing.") % {"kind": type(exc).__name__}

# At most this many same-shape jobs share one pipeline call (1: every job runs alone).
BATCH_JOBS = max(1, env_int("MANJU_GPU_BATCH_JOBS", 4))


@shared_task(name="generation.run_next", bind=True, queue="gpu", acks_late=True)
def run_next(self) -> str | None:
    worker = f"{self.request.hostname or 'worker'}:{os.getpid()}"
    try:
        job = services.claim_for_delivery(self.request.id, worker)
    except services.StillRunning:
        # A duplicate delivery while the owner is alive (or not yet seen as gone).
        raise self.retry(countdown=conf.STALE_AFTER_S, max_retries=None)
    if job is None:
        return None
    mates = services.claim_batch_mates(job, self.request.id, worker, BATCH_JOBS - 1)
    services.announce_queue()
    if mates:
        execute_batch([job, *mates])
    else:
        execute(job)
    return str(job.pk)


@worker_ready.connect
def requeue_abandoned_jobs(sender=None, **kwargs) -> None:
    """A gpu worker starting (e.g. after its predecessor was killed) puts jobs whose worker
    is gone back in the queue."""
    queues = {q.name for q in getattr(getattr(sender, "task_consumer", None), "queues", [])}
    if "gpu" in queues:
        count = services.requeue_abandoned()
        if count:
            log.warning("requeued %d abandoned job(s)", count)
        from generation import fastpath

        fastpath.warm_start()  # MANJU_WARM_MODELS: loaded and compiled before the first job


class LostClaim(Exception):
    """Another worker took the job over (this one was presumed dead)."""


class Reporter:
    """The pipeline's step callback: progress events, previews, heartbeat, cancel."""

    def __init__(self, job: Job, total: int):
        self.job, self.total = job, total
        self.started = time.monotonic()
        self.last_preview = 0.0
        self.last_beat = time.monotonic()
        self.delay = conf.STEP_DELAY_MS / 1000

    def __call__(self, pipe, index, timestep, kwargs):
        step = index + 1
        now = time.monotonic()
        elapsed = now - self.started
        eta = elapsed / step * (self.total - step)
        event = {"type": "job", "state": Job.State.RUNNING, "step": step,
                 "total": self.total, "eta_s": round(eta, 2)}
        if now - self.last_preview >= 1 / conf.PREVIEWS_PER_S and "latents" in kwargs:
            self.last_preview = now
            event["preview"] = preview_data_url(kwargs["latents"])
            cache.set(f"gen-preview-{self.job.pk}", event["preview"], timeout=3600)
        publish(self.job.pk, self.job.studio_id, event)
        canceled = False
        if now - self.last_beat >= conf.HEARTBEAT_EVERY_S or step == self.total:
            self.last_beat = now
            alive = Job.objects.filter(
                pk=self.job.pk, state=Job.State.RUNNING, attempt=self.job.attempt
            ).update(step=step, heartbeat_at=timezone.now())
            if not alive:
                pipe._interrupt = True
                raise LostClaim
            canceled = Job.objects.filter(pk=self.job.pk, cancel_requested=True).exists()
        if canceled or cache.get(services.cancel_key(self.job.pk)):
            pipe._interrupt = True  # stop the denoising loop…
            raise pipelines.JobCanceled  # …and skip the decode after it
        if self.delay:
            time.sleep(self.delay)
        return {}


class BatchReporter:
    """The step callback of one pipeline call shared by several jobs: each job gets its own
    progress events, previews and heartbeat. A job canceled (or taken over) meanwhile is
    left out when the call ends; the call stops only when no job wants it any more."""

    def __init__(self, jobs: list[Job], total: int):
        self.jobs, self.total = jobs, total
        self.started = time.monotonic()
        self.last_preview = 0.0
        self.last_beat = time.monotonic()
        self.delay = conf.STEP_DELAY_MS / 1000
        self.canceled: set[int] = set()
        self.lost: set[int] = set()

    def active(self) -> list[int]:
        return [i for i in range(len(self.jobs)) if i not in self.canceled | self.lost]

    def __call__(self, pipe, index, timestep, kwargs):
        step = index + 1
        now = time.monotonic()
        eta = (now - self.started) / step * (self.total - step)
        preview = now - self.last_preview >= 1 / conf.PREVIEWS_PER_S and "latents" in kwargs
        if preview:
            self.last_preview = now
        for i in self.active():
            job = self.jobs[i]
            event = {"type": "job", "state": Job.State.RUNNING, "step": step,
                     "total": self.total, "eta_s": round(eta, 2)}
            if preview:
                event["preview"] = preview_data_url(kwargs["latents"], i)
                cache.set(f"gen-preview-{job.pk}", event["preview"], timeout=3600)
            publish(job.pk, job.studio_id, event)
        if now - self.last_beat >= conf.HEARTBEAT_EVERY_S or step == self.total:
            self.last_beat = now
            for i in self.active():
                job = self.jobs[i]
                alive = Job.objects.filter(
                    pk=job.pk, state=Job.State.RUNNING, attempt=job.attempt
                ).update(step=step, heartbeat_at=timezone.now())
                if not alive:
                    self.lost.add(i)
                elif Job.objects.filter(pk=job.pk, cancel_requested=True).exists():
                    self.canceled.add(i)
        for i in self.active():
            if cache.get(services.cancel_key(self.jobs[i].pk)):
                self.canceled.add(i)
        if not self.active():
            pipe._interrupt = True
            if self.lost and not self.canceled:
                raise LostClaim
            raise pipelines.JobCanceled
        if self.delay:
            time.sleep(self.delay)
        return {}


def preview_data_url(latents, index: int = 0) -> str:
    """A small JPEG of the current latents (first three channels) of batch item `index`,
    ≤ PREVIEW_MAX_PX."""
    import numpy as np
    from PIL import Image

    array = latents.detach().float().cpu()
    if array.ndim == 5:  # video: B×C×T×H×W → the middle frame
        array = array[:, :, array.shape[2] // 2]
    array = array[index, :3].numpy()
    low, high = array.min(axis=(1, 2), keepdims=True), array.max(axis=(1, 2), keepdims=True)
    rgb = ((array - low) / np.maximum(high - low, 1e-6) * 255).astype(np.uint8)
    image = Image.fromarray(np.transpose(rgb, (1, 2, 0)))
    scale = max(1, conf.PREVIEW_MAX_PX // 2 // max(image.size))
    image = image.resize((image.width * scale, image.height * scale), Image.NEAREST)
    image.thumbnail((conf.PREVIEW_MAX_PX, conf.PREVIEW_MAX_PX))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=70)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode()


def output_path(job: Job, index: int = 0) -> tuple[Path, str]:
    if job.kind != Job.Kind.KEYFRAME:
        name = "shot.mp4"
    elif int(job.params.get("num_images", 1)) == 1:
        name = "keyframe.png"
    else:
        name = f"keyframe-{index}.png"
    relative = f"generation/{job.studio_id}/{job.pk}/{name}"
    return Path(settings.MEDIA_ROOT) / relative, relative


def _write(path: Path, write) -> None:
    """Writes through a partial file: a reader never sees half an output."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.part")
    write(partial)
    os.replace(partial, path)


def save_outputs(job: Job, frames, prov: dict) -> tuple[list[dict], dict]:
    """Writes the job's labelled files; returns (outputs, provenance). A keyframe job
    writes one PNG per candidate, each carrying its own provenance (seed, prompt, index)
    so that each one renders again on its own."""
    prov["output_sha256"] = pipelines.frames_sha256(frames)
    if job.kind != Job.Kind.KEYFRAME:
        path, relative = output_path(job)
        _write(path, lambda p: labels.write_mp4(p, frames, job.params.get("fps", 8),
                                                job.pk, prov))
        return [{"path": relative, "media": "video"}], prov
    items = pipelines.candidates(job.params)
    if len(items) > 1:
        prov["candidates"] = [
            {"index": k, **item, "output_sha256": pipelines.frames_sha256(frames[k:k + 1])}
            for k, item in enumerate(items)]
    outputs = []
    for k, item in enumerate(items):
        path, relative = output_path(job, k)
        own = pipelines.candidate_provenance(prov, k)
        _write(path, lambda p, k=k, own=own: labels.write_png(p, frames[k], job.pk, own))
        outputs.append({"path": relative, "media": "image", "index": k, **item})
    return outputs, prov


def _loaded_pipeline(jobs: list[Job]):
    """The jobs' pipeline from the worker's cache. Their pages hear "running" first, with
    phase "loading" while the weights load (seconds to minutes at full size, when no step
    can be counted yet) and "rendering" once the steps begin. (pipeline, load seconds)."""
    spec = registry.get(jobs[0].model_key)
    cold = not pipelines.cache.loaded(spec)

    def running(phase: str, **extra) -> None:
        for job in jobs:
            publish(job.pk, job.studio_id, {"type": "job", "state": Job.State.RUNNING,
                                            "step": 0, "total": job.total_steps,
                                            "attempt": job.attempt, "phase": phase, **extra})

    running("loading" if cold else "rendering")
    pipe, load_seconds = pipelines.cache.get(spec)
    if cold:
        running("rendering", load_seconds=round(load_seconds, 3))
    return pipe, load_seconds


def execute(job: Job) -> None:
    started = time.perf_counter()
    load_seconds = None
    try:
        spec = registry.get(job.model_key)
        pipe, load_seconds = _loaded_pipeline([job])
        prov = pipelines.provenance(job, spec, pipelines.cache.sha256(spec))
        frames = pipelines.render(spec, pipe, job.params, Reporter(job, job.total_steps))
        outputs, prov = save_outputs(job, frames, prov)
        finished = services.finish_job(
            job, Job.State.SUCCEEDED, outputs=outputs, provenance=prov,
            load_seconds=load_seconds, run_seconds=time.perf_counter() - started,
        )
    except pipelines.JobCanceled:
        finished = services.finish_job(job, Job.State.CANCELED, error="",
                                       run_seconds=time.perf_counter() - started)
    except LostClaim:
        log.warning("job %s was taken over by another worker", job.pk)
        return
    except Exception as exc:  # noqa: BLE001 — any failure fails this job, not the worker
        message = failure_text(exc)
        log.exception("job %s failed", job.pk)
        finished = services.finish_job(job, Job.State.FAILED, error=message,
                                       run_seconds=time.perf_counter() - started)
    if finished:
        job.refresh_from_db()
        publish(job.pk, job.studio_id, {**queries.job_state(job), "snapshot": False},
                wait=True, final=True)


def execute_batch(jobs: list[Job]) -> None:
    """Same-shape text-to-image jobs (services.batch_key) in ONE pipeline call: a prompt
    and a torch Generator per job, then each job finished on its own (outputs, provenance,
    charge or refund). On the CPU in float32 each output lies within one uint8 level of the
    job rendered alone (pipelines.render_batch); the provenance says it was batched."""
    started = time.perf_counter()
    load_seconds = None
    reporter = BatchReporter(jobs, jobs[0].total_steps)
    failure = None
    try:
        spec = registry.get(jobs[0].model_key)
        pipe, load_seconds = _loaded_pipeline(jobs)
        weights = pipelines.cache.sha256(spec)
        items = [{**pipelines.candidates(job.params)[0],
                  "negative_prompt": job.params.get("negative_prompt", "")} for job in jobs]
        frames = pipelines.render_batch(spec, pipe, jobs[0].params, items, reporter)
    except pipelines.JobCanceled:
        frames = None
    except LostClaim:
        log.warning("batch %s was taken over by other workers", [str(j.pk) for j in jobs])
        frames = None
    except Exception as exc:  # noqa: BLE001 — a failed call fails its jobs, not the worker
        failure = failure_text(exc)
        log.exception("batch of %d job(s) failed", len(jobs))
        frames = None
    run_seconds = time.perf_counter() - started
    for i, job in enumerate(jobs):
        if i in reporter.lost:
            continue
        if failure is not None:
            finished = services.finish_job(job, Job.State.FAILED, error=failure,
                                           run_seconds=run_seconds)
        elif frames is None or i in reporter.canceled:
            finished = services.finish_job(job, Job.State.CANCELED, run_seconds=run_seconds)
        else:
            try:
                prov = pipelines.provenance(job, spec, weights)
                prov["batched"] = {"jobs": len(jobs), "index": i}
                outputs, prov = save_outputs(job, frames[i:i + 1], prov)
                finished = services.finish_job(
                    job, Job.State.SUCCEEDED, outputs=outputs, provenance=prov,
                    load_seconds=load_seconds, run_seconds=run_seconds)
            except Exception as exc:  # noqa: BLE001
                log.exception("job %s failed", job.pk)
                finished = services.finish_job(job, Job.State.FAILED,
                                               error=failure_text(exc),
                                               run_seconds=run_seconds)
        if finished:
            job.refresh_from_db()
            publish(job.pk, job.studio_id, {**queries.job_state(job), "snapshot": False},
                    wait=True, final=True)
