"""Reads for the generation views, consumers and the dispatcher."""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Max, Min
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from creators.models import Studio, User
from creators.queries import is_member
from generation.models import Job

JOBS_PAGE = 50

# The jobs page's filters: a name in the URL (?state=...) and the states it shows.
JOB_FILTERS = {
    "running": (Job.State.QUEUED, Job.State.RUNNING),
    "succeeded": (Job.State.SUCCEEDED,),
    "failed": (Job.State.FAILED,),
    "canceled": (Job.State.CANCELED,),
}


def jobs_page(studio: Studio, state: str = "", page=None) -> Page:
    """One page of the studio's jobs, newest first, optionally only those of a JOB_FILTERS
    name; a page number that is not one gives the first page, one past the end the last."""
    jobs = Job.objects.filter(studio=studio)
    if state in JOB_FILTERS:
        jobs = jobs.filter(state__in=JOB_FILTERS[state])
    # The id breaks ties of created_at, so no job falls between two pages.
    jobs = jobs.select_related("created_by").order_by("-created_at", "-id")
    return Paginator(jobs, JOBS_PAGE).get_page(page)


KEYFRAMES_PAGE = 30


@dataclass
class KeyframePage:
    items: list[Job]
    number: int
    has_next: bool
    has_previous: bool


def _finished_keyframes(studio: Studio | None):
    return Job.objects.filter(studio=studio, kind=Job.Kind.KEYFRAME,
                              state=Job.State.SUCCEEDED)


def keyframes_of(studio: Studio | None, search: str = "", page: int = 1) -> KeyframePage:
    """The studio's finished keyframes a shot may start or end on, newest first,
    KEYFRAMES_PAGE a page; `search` keeps those whose prompt contains it."""
    if studio is None:
        return KeyframePage([], 1, False, False)
    keyframes = _finished_keyframes(studio)
    if search:
        keyframes = keyframes.filter(params__prompt__icontains=search)
    page = max(1, page)
    offset = (page - 1) * KEYFRAMES_PAGE
    found = list(keyframes.order_by("-created_at", "-id")[offset:offset + KEYFRAMES_PAGE + 1])
    return KeyframePage(found[:KEYFRAMES_PAGE], page, len(found) > KEYFRAMES_PAGE, page > 1)


def has_finished_keyframes(studio: Studio | None) -> bool:
    return studio is not None and _finished_keyframes(studio).exists()


def finished_keyframes(studio: Studio | None, job_ids) -> dict[str, Job]:
    """Those of job_ids that are finished keyframes of the studio, by id; an id that is
    not one (malformed, another studio's, unfinished, a shot) is left out."""
    if studio is None:
        return {}
    valid = []
    for job_id in filter(None, job_ids):
        try:
            valid.append(str(Job._meta.pk.to_python(job_id)))
        except ValidationError:
            continue
    if not valid:
        return {}
    return {str(job.pk): job for job in _finished_keyframes(studio).filter(pk__in=valid)}


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
