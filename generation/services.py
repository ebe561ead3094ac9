"""Use cases of the generation engine, one transactional function each."""

import secrets
from datetime import timedelta

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from creators.models import Studio, User
from generation import conf, credits, queries, registry
from generation.credits import InsufficientCredits
from generation.models import Job
from generation.progress import publish

__all__ = ["InsufficientCredits", "JobError", "submit_job", "cancel_job", "rerun_job"]


class JobError(Exception):
    pass


# A keyframe job renders up to this many candidates in one batched pipeline call (九宫格).
MAX_IMAGES = 9


class StillRunning(Exception):
    """A redelivered token whose job's worker still beats: look again later."""


def _dispatch(count: int = 1) -> None:
    """Hands the gpu queue one anonymous token per job: whichever worker takes a token
    runs the queued job that is fairest at that moment (see queries.fair_order)."""
    from generation.tasks import run_next

    for _n in range(count):
        run_next.apply_async()


def dispatch_tokens(count: int = 1) -> None:
    _dispatch(count)


def resolve_params(spec: registry.ModelSpec, params: dict) -> dict:
    """Every parameter of the run, defaults filled in and the seed fixed."""
    resolved = {**spec.defaults, **{k: v for k, v in params.items() if v not in (None, "")}}
    if "seed" not in resolved:
        resolved["seed"] = secrets.randbelow(2**31)
    resolved["seed"] = int(resolved["seed"])
    for key in ("width", "height", "steps", "frames", "fps"):
        if key in resolved:
            resolved[key] = int(resolved[key])
    for key in ("guidance", "strength"):
        if key in resolved:
            resolved[key] = float(resolved[key])
    resolved.setdefault("prompt", "")
    resolved.setdefault("negative_prompt", "")
    _resolve_candidates(spec, resolved)
    return resolved


def _resolve_candidates(spec: registry.ModelSpec, params: dict) -> None:
    """`num_images` candidates, each with its own seed (and optionally its own prompt),
    written down so that candidate k renders again alone: seeds[k], prompts[k]."""
    try:
        count = int(params.get("num_images", 1))
    except (TypeError, ValueError):
        raise JobError(_("The number of images must be a whole number.")) from None
    if spec.kind != registry.KEYFRAME and count != 1:
        raise JobError(_("Only keyframes come several at a time."))
    if not 1 <= count <= MAX_IMAGES:
        raise JobError(_("A job makes between 1 and %(n)d images.") % {"n": MAX_IMAGES})
    params["num_images"] = count
    params.pop("seeds", None)  # always derived from the seed: no room for a mismatch
    prompts = params.pop("prompts", None)
    if count == 1:
        return
    params["seeds"] = [params["seed"] + k for k in range(count)]
    if prompts is not None:
        if (not isinstance(prompts, list) or len(prompts) != count
                or not all(isinstance(p, str) for p in prompts)):
            raise JobError(_("Give one prompt per image."))
        params["prompts"] = prompts


def keyframe_output(studio: Studio, job_id, index=0) -> tuple[Job, int] | None:
    """(job, candidate index) of a finished keyframe of the studio, or None."""
    try:
        index = int(index or 0)
        source = Job.objects.filter(
            pk=job_id, studio=studio, state=Job.State.SUCCEEDED, kind=Job.Kind.KEYFRAME
        ).first() if job_id else None
    except (TypeError, ValueError, ValidationError):
        return None
    if source is None or not 0 <= index < len(source.outputs):
        return None
    return source, index


def _source_image(studio: Studio, params: dict, key: str, message: str) -> None:
    """params[key_job] (+ key_index) → the candidate's picture in params[key_image]."""
    found = keyframe_output(studio, params.get(f"{key}_job"), params.get(f"{key}_index"))
    if found is None:
        raise JobError(message)
    source, index = found
    params[f"{key}_job"], params[f"{key}_index"] = str(source.pk), index
    params[f"{key}_image"] = source.outputs[index]["path"]


def _check_inputs(studio: Studio, spec: registry.ModelSpec, params: dict) -> None:
    if spec.image_to_image:
        if params.get("init_job") or not params.get("reference_image"):
            _source_image(studio, params, "init",
                          _("Choose a finished keyframe of this studio to start from."))
        if not 0.0 < params.get("strength", 0.6) <= 1.0:
            raise JobError(_("The strength must lie between 0 and 1."))
        if denoising_steps(spec, params) < 1:
            raise JobError(_("Too few steps for this strength: not one step would run."))
        return
    if spec.kind != registry.MOTION:
        return
    if spec.needs_last_frame and not params.get("last_job"):
        raise JobError(_("This model needs a last frame."))
    if not params.get("last_job"):
        params.pop("last_job", None)
        params.pop("last_index", None)
    for key in ("first", "last"):
        if key == "first" or params.get("last_job"):
            _source_image(studio, params, key,
                          _("Choose a finished keyframe of this studio as the first frame.")
                          if key == "first" else
                          _("Choose a finished keyframe of this studio as the last frame."))


def denoising_steps(spec: registry.ModelSpec, params: dict) -> int:
    """The steps the pipeline runs: image-to-image skips the first (1 − strength)."""
    steps = int(params.get("steps", 0))
    if spec.image_to_image:
        return min(int(steps * float(params.get("strength", 0.6))), steps)
    return steps


def price_of(spec: registry.ModelSpec, params: dict) -> int:
    """The model's price for one image (or clip), times the number of images."""
    return spec.price_for(params) * int(params.get("num_images", 1))


def submit_job(studio: Studio, user: User | None, model_key: str, params: dict,
               episode=None, rerun_of: Job | None = None, dispatch: bool = True,
               reference_image: dict | None = None) -> Job:
    """Queues a job at a price fixed now, reserving the credits; raises
    InsufficientCredits (nothing queued) or JobError.

    `reference_image` ({"path": media path, "character": id, ...}) conditions the job on a
    picture the caller has checked belongs to the studio (a character's reference): the
    init image of an image-to-image model, or the IP-Adapter image of a model with one.
    It never comes from `params`, which may hold what a form posted."""
    if episode is not None:
        _check_episode_open(episode)
    spec = registry.get(model_key)
    params = resolve_params(spec, params)
    params.pop("reference_image", None)
    params.pop("reference", None)
    if reference_image is not None:
        if not (spec.image_to_image or spec.ip_adapter):
            raise JobError(_("This model cannot take a reference image."))
        params["reference_image"] = reference_image["path"]
        params["reference"] = reference_image
    _check_inputs(studio, spec, params)
    with transaction.atomic():
        job = Job.objects.create(
            studio=studio, created_by=user, episode=episode, rerun_of=rerun_of,
            kind=spec.kind, model_key=spec.key, params=params, price=price_of(spec, params),
            total_steps=denoising_steps(spec, params),
        )
        credits.reserve(job)
        if dispatch:
            transaction.on_commit(_dispatch)
    transaction.on_commit(lambda: announce_queue())
    return job


def _check_episode_open(episode) -> None:
    """Work for an episode in review or published would spend credits on something that can
    no longer change: refused, by the status stored now (as the storyboard refuses it)."""
    from creators.services import is_open

    if not is_open(episode.pk):
        raise JobError(_("This episode is with review or published; no new work can be "
                         "generated for it."))


def rerun_job(job: Job, user: User) -> Job:
    """The same model and parameters, seed included: the same output again."""
    params = {k: v for k, v in job.params.items()
              if k not in ("first_image", "last_image", "init_image", "seeds")}
    return submit_job(job.studio, user, job.model_key, params, episode=job.episode,
                      rerun_of=job, reference_image=job.params.get("reference"))


def cancel_job(job: Job, user: User | None = None) -> bool:
    """Withdraws a queued job (refund at once) or asks a running one to stop at its next
    step (the worker refunds). Returns False when the job already finished."""
    with transaction.atomic():
        withdrawn = Job.objects.filter(pk=job.pk, state=Job.State.QUEUED).update(
            state=Job.State.CANCELED, cancel_requested=True, finished_at=timezone.now()
        )
        if withdrawn:
            job.refresh_from_db()
            credits.refund(job)
    if withdrawn:
        publish(job.pk, job.studio_id, queries.job_state(job) | {"snapshot": False},
                final=True)
        announce_queue()
        return True
    asked = Job.objects.filter(pk=job.pk, state=Job.State.RUNNING).update(
        cancel_requested=True
    )
    if asked:
        cache.set(cancel_key(job.pk), 1, timeout=3600)
    return bool(asked)


def cancel_key(job_id) -> str:
    return f"gen-cancel-{job_id}"


def announce_queue() -> None:
    """Tells every queued job (and its studio's pages) its position."""
    for job_id, studio_id, position in [
        (job_id, studio_id, n)
        for n, (job_id, studio_id) in enumerate(queries.fair_order(), start=1)
    ]:
        publish(job_id, studio_id, {"type": "job", "state": Job.State.QUEUED,
                                    "queue_position": position})


# --- Worker side ------------------------------------------------------------------------


def claim_for_delivery(task_id: str, worker: str) -> Job | None:
    """The job this Celery delivery must run, claimed; None when there is nothing to do.

    A delivery seen before (same task id) was redelivered: its worker died (SIGKILL) or the
    broker's visibility timeout ran out. The job is taken over only when its heartbeat is
    stale, i.e. its worker is gone; while that worker still beats, StillRunning is raised
    and the caller looks again later."""
    now = timezone.now()
    seen = Job.objects.filter(claim_task_id=task_id).first()
    if seen is not None:
        if seen.state != Job.State.RUNNING:
            return None
        stale = now - timedelta(seconds=conf.STALE_AFTER_S)
        taken = Job.objects.filter(
            pk=seen.pk, state=Job.State.RUNNING, attempt=seen.attempt, heartbeat_at__lt=stale
        ).update(worker=worker, attempt=F("attempt") + 1, heartbeat_at=now, step=0)
        if taken:
            return Job.objects.get(pk=seen.pk)
        if Job.objects.filter(pk=seen.pk, state=Job.State.RUNNING).exists():
            raise StillRunning
        return None
    for _attempt in range(20):
        job_id = queries.next_job_id()
        if job_id is None:
            return None
        claimed = Job.objects.filter(pk=job_id, state=Job.State.QUEUED).update(
            state=Job.State.RUNNING, claim_task_id=task_id, worker=worker,
            attempt=F("attempt") + 1, started_at=now, heartbeat_at=now,
        )
        if claimed:
            return Job.objects.get(pk=job_id)
    return None


def batch_key(job: Job) -> tuple | None:
    """Jobs with equal keys can share one pipeline call: text-to-image keyframes of one
    model, one image each, with the same shape (size, steps, guidance). None: runs alone
    (image-to-image, references, video, nine-grids which are batched already)."""
    if job.kind != Job.Kind.KEYFRAME or int(job.params.get("num_images", 1)) != 1:
        return None
    try:
        spec = registry.get(job.model_key)
    except KeyError:
        return None
    if spec.image_to_image or job.params.get("reference_image"):
        return None
    params = job.params
    return (job.model_key, params.get("width"), params.get("height"), params.get("steps"),
            params.get("guidance"))


def claim_batch_mates(first: Job, task_id: str, worker: str, limit: int) -> list[Job]:
    """Up to `limit` queued jobs with `first`'s batch key, in the dispatcher's fair order,
    claimed for this delivery (each by its own conditional UPDATE, so a job another worker
    took meanwhile is simply skipped). Their own tokens later find nothing, or the next job.
    Each mate gets its own claim id: a redelivery of this token takes over `first` only,
    the mates go back to the queue through requeue_abandoned when the worker is gone."""
    key = batch_key(first)
    if key is None or limit < 1:
        return []
    queued = [job_id for job_id, _ in queries.fair_order()]
    candidates = {str(job.pk): job for job in Job.objects.filter(
        pk__in=queued, state=Job.State.QUEUED, model_key=first.model_key,
        kind=Job.Kind.KEYFRAME)}
    mates = []
    now = timezone.now()
    for job_id in queued:
        job = candidates.get(job_id)
        if job is None or batch_key(job) != key:
            continue
        claimed = Job.objects.filter(pk=job.pk, state=Job.State.QUEUED).update(
            state=Job.State.RUNNING, claim_task_id=f"{task_id}+{len(mates) + 1}",
            worker=worker, attempt=F("attempt") + 1, started_at=now, heartbeat_at=now,
        )
        if claimed:
            mates.append(Job.objects.get(pk=job.pk))
            if len(mates) == limit:
                break
    return mates


def requeue_abandoned() -> int:
    """Running jobs whose worker is gone (stale heartbeat) go back to the queue, each with a
    fresh token, so a SIGKILLed worker's job does not wait for the broker's visibility
    timeout. A later redelivery of the old token finds its job no longer its own."""
    stale = timezone.now() - timedelta(seconds=conf.STALE_AFTER_S)
    count = 0
    for job_id in Job.objects.filter(state=Job.State.RUNNING, heartbeat_at__lt=stale
                                     ).values_list("pk", flat=True):
        count += Job.objects.filter(
            pk=job_id, state=Job.State.RUNNING, heartbeat_at__lt=stale
        ).update(state=Job.State.QUEUED, claim_task_id="", worker="", step=0)
    if count:
        _dispatch(count)
    return count


def finish_job(job: Job, state: str, outputs=None, error: str = "", provenance=None,
               load_seconds=None, run_seconds=None) -> bool:
    """The one terminal transition of a run, guarded by the attempt that claimed it; the
    charge (success) or refund (failure, cancel) happens in the same transaction."""
    fields = {"state": state, "finished_at": timezone.now(), "error": error[:2000]}
    if outputs is not None:
        fields["outputs"] = outputs
    if provenance is not None:
        fields["provenance"] = provenance
    if load_seconds is not None:
        fields["load_seconds"] = load_seconds
    if run_seconds is not None:
        fields["run_seconds"] = run_seconds
    if state == Job.State.SUCCEEDED:
        fields["step"] = job.total_steps
    with transaction.atomic():
        done = Job.objects.filter(
            pk=job.pk, state=Job.State.RUNNING, attempt=job.attempt
        ).update(**fields)
        if done:
            job.refresh_from_db()
            if state == Job.State.SUCCEEDED:
                credits.charge(job)
            else:
                credits.refund(job)
    if done:
        cache.delete_many([cancel_key(job.pk), f"gen-preview-{job.pk}"])
    return bool(done)
