"""Reads for the generation views, consumers and the dispatcher."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Max, Min
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from creators.models import Studio, User
from creators.queries import is_member
from generation.models import Job


def jobs_of(studio: Studio, limit: int = 100):
    return Job.objects.filter(studio=studio).select_related("created_by")[:limit]


def job_for_member_or_404(user: User, job_id) -> Job:
    """The job, if the user is a member of its studio; 404 otherwise, never a hint."""
    try:
        job = Job.objects.select_related("studio").get(pk=job_id)
    except (Job.DoesNotExist, ValueError, ValidationError):
        raise Http404
    if not is_member(user, job.studio_id):
        raise Http404
    return job


def fair_order() -> list[tuple[str, int]]:
    """Queued jobs (id, studio_id) in the order the dispatcher will run them: round-robin
    between studios, the studio served least recently first, each studio's oldest job."""
    queued = list(
        Job.objects.filter(state=Job.State.QUEUED)
        .order_by("created_at", "id").values_list("id", "studio_id", "created_at")
    )
    if not queued:
        return []
    studios = {studio_id for _, studio_id, _ in queued}
    last_served = dict(
        Job.objects.filter(studio_id__in=studios, started_at__isnull=False)
        .values("studio_id").annotate(last=Max("started_at")).values_list("studio_id", "last")
    )
    per_studio: dict[int, list] = {}
    for job_id, studio_id, created in queued:
        per_studio.setdefault(studio_id, []).append((job_id, created))
    # A served studio goes to the back: rank by (times served in this simulation, last
    # served before it, its oldest job).
    import datetime as dt

    epoch = dt.datetime.min.replace(tzinfo=dt.UTC)
    rank = {s: (0, last_served.get(s) or epoch, jobs[0][1]) for s, jobs in per_studio.items()}
    order = []
    round_no = 0
    while per_studio:
        studio_id = min(per_studio, key=lambda s: rank[s])
        job_id, _ = per_studio[studio_id].pop(0)
        order.append((str(job_id), studio_id))
        round_no += 1
        if per_studio[studio_id]:
            rank[studio_id] = (round_no, epoch, per_studio[studio_id][0][1])
        else:
            del per_studio[studio_id]
    return order


def next_job_id():
    order = fair_order()
    return order[0][0] if order else None


def queue_positions() -> dict[str, int]:
    return {job_id: n for n, (job_id, _) in enumerate(fair_order(), start=1)}


def oldest_queued_at():
    return Job.objects.filter(state=Job.State.QUEUED).aggregate(t=Min("created_at"))["t"]


def output_urls(job: Job) -> list[dict]:
    return [{**o, "url": settings.MEDIA_URL + o["path"]} for o in job.outputs]


def job_state(job: Job, position: int | None = None) -> dict:
    """The snapshot a page or consumer sends on (re)attach."""
    from django.core.cache import cache

    state = {
        "type": "job", "job": str(job.pk), "state": job.state, "step": job.step,
        "total": job.total_steps, "error": job.error, "outputs": output_urls(job),
        "queue_position": position, "snapshot": True,
    }
    if job.state == Job.State.RUNNING:
        state["preview"] = cache.get(f"gen-preview-{job.pk}")
    return state


def job_state_for(job: Job) -> dict:
    position = queue_positions().get(str(job.pk)) if job.state == Job.State.QUEUED else None
    return job_state(job, position)


# A job parameter's name as the job page shows it; a parameter not named here shows its key.
PARAM_LABELS = {
    "prompt": _("Prompt"), "negative_prompt": _("Negative prompt"), "seed": _("Seed"),
    "steps": _("Steps"), "guidance": _("Guidance scale"), "width": _("Width (px)"),
    "height": _("Height (px)"), "frames": _("Frames"), "fps": _("Frames per second"),
    "strength": _("Change strength"), "num_images": _("Candidates"),
    "seeds": _("Candidate seeds"), "prompts": _("Candidate prompts"),
    "first_job": _("First frame"), "last_job": _("Last frame"),
    "first_image": _("First frame image"), "last_image": _("Last frame image"),
    "init_job": _("Starting keyframe"), "init_image": _("Starting image"),
    "reference_image": _("Reference image"),
}


def params_for_page(job: Job) -> list[tuple[str, object]]:
    """The job's parameters as (name, value) pairs: named ones first, in PARAM_LABELS'
    order, then any others by key; a list reads as its items joined by commas."""
    params = job.params or {}
    keys = [k for k in PARAM_LABELS if k in params] + sorted(set(params) - set(PARAM_LABELS))
    rows = []
    for key in keys:
        value = params[key]
        if isinstance(value, list | tuple):
            value = ", ".join(str(v) for v in value)
        rows.append((str(PARAM_LABELS.get(key, key)), value))
    return rows
