"""Reads for the storyboard pages: every lookup is scoped to the user's studio (404
otherwise, never a hint)."""

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404

from creators.models import Episode, Series, User
from creators.queries import episode_or_404, membership_or_404, series_or_404
from generation.models import Job
from storyboard import conf
from storyboard.models import Assembly, Character, ReferenceImage, Shot, Storyboard


def board_or_404(user: User, slug: str, ref: str, create: bool = True):
    """(membership, storyboard) of the studio's episode. A POST (create) makes the empty
    storyboard on first use; a page only reading it gets an unsaved empty one, so
    looking at an episode writes nothing."""
    from storyboard.services import storyboard_for

    membership = membership_or_404(user, slug)
    episode = episode_or_404(membership.studio, ref)
    if create:
        return membership, storyboard_for(episode)
    stored = Storyboard.objects.filter(episode=episode).first()
    return membership, stored or Storyboard(episode=episode)


def shot_or_404(board: Storyboard, shot_id: int) -> Shot:
    return get_object_or_404(Shot, storyboard=board, pk=shot_id)


def character_series_or_404(user: User, slug: str, series_slug: str):
    membership = membership_or_404(user, slug)
    return membership, series_or_404(membership.studio, series_slug)


def character_or_404(user: User, slug: str, series_slug: str, character_id: int):
    """(membership, series, character): a character of the studio's series named in the
    address, 404 for any other (another series', another studio's)."""
    membership, series = character_series_or_404(user, slug, series_slug)
    character = get_object_or_404(Character.objects.select_related("series__studio"),
                                  series=series, pk=character_id)
    return membership, series, character


def characters_of(series: Series):
    """The series' characters with their pictures and how many shots name each (what
    deleting one would unlink)."""
    return (Character.objects.filter(series=series)
            .annotate(shot_count=Count("shots", distinct=True))
            .prefetch_related(Prefetch(  # in the order keyframes use them: the first counts
                "references", queryset=ReferenceImage.objects.order_by("created_at", "pk"))))


def boards_of(studios, page=1) -> Page:
    """One page of the studios' episodes, by series then number (the primary keys break
    ties, so no episode falls between two pages); a page number that is not one reads as
    the first page, one past the end as the last."""
    episodes = (Episode.objects.filter(series__studio__in=studios)
                .select_related("series__studio")
                .order_by("series__title", "series_id", "number", "pk"))
    return Paginator(episodes, conf.INDEX_PAGE_SIZE).get_page(page)


def _url(job: Job, index: int = 0) -> str:
    return settings.MEDIA_URL + job.outputs[index]["path"] if len(job.outputs) > index else ""


def job_view(job: Job | None, index: int = 0) -> dict | None:
    if job is None:
        return None
    return {"id": str(job.pk), "state": job.state, "state_label": job.get_state_display(),
            "step": job.step, "total": job.total_steps,
            "url": _url(job, index), "seed": job.params.get("seed"), "error": job.error,
            "running": not job.finished, "kind": job.kind, "index": index}


def candidates_of(job: Job) -> dict:
    """A keyframe job as the page shows it: its progress, then one picture per candidate
    (a nine-grid job has nine, each with its own seed)."""
    return {**job_view(job), "count": int(job.params.get("num_images", 1)),
            "pictures": [{"index": n, "url": settings.MEDIA_URL + out["path"],
                          "seed": out.get("seed")} for n, out in enumerate(job.outputs)]}


def offered_jobs(shot: Shot) -> list[Job]:
    """The shot's latest keyframe job(s), whose candidates the page offers; only ever its
    own studio's."""
    if not shot.grid_jobs:
        return []
    found = {str(job.pk): job for job in Job.objects.filter(
        pk__in=shot.grid_jobs, studio_id=shot.storyboard.episode.series.studio_id)}
    return [found[job_id] for job_id in shot.grid_jobs if job_id in found]


def finished_candidates(jobs) -> list[tuple[Job, int]]:
    """(job, index) of every finished keyframe candidate among the jobs."""
    return [(job, index) for job in jobs
            if job.state == Job.State.SUCCEEDED and job.kind == Job.Kind.KEYFRAME
            for index in range(len(job.outputs))]


def sole_candidate(shot: Shot, jobs=None) -> tuple[Job, int] | None:
    """A shot that has no pick yet and exactly one finished candidate: that candidate is
    its keyframe (there is nothing to choose between). None otherwise: the creator's own
    pick always stands, and among several candidates only the creator chooses. `jobs`
    are the shot's offered jobs when the caller already has them."""
    if shot.keyframe_job_id is not None:
        return None
    candidates = finished_candidates(offered_jobs(shot) if jobs is None else jobs)
    return candidates[0] if len(candidates) == 1 else None


def board_page(board: Storyboard) -> dict:
    """The storyboard as the page shows it: shots with their candidates, chosen keyframe,
    clip, and everything still running (so a reloaded page reattaches)."""
    if board.pk is None:  # never changed: nothing stored yet
        return {"rows": [], "running": [], "assembly": None, "assembling": False}
    shots = list(board.shots.select_related("keyframe_job", "clip_job")
                 .prefetch_related("characters"))
    wanted = {job_id for shot in shots for job_id in shot.grid_jobs}
    jobs = {str(j.pk): j for j in Job.objects.filter(pk__in=wanted,
                                                       studio=board.episode.series.studio)}
    rows = []
    running = []
    for shot in shots:
        offered = [jobs[i] for i in shot.grid_jobs if i in jobs]
        candidates = [candidates_of(job) for job in offered]
        keyframe = job_view(shot.keyframe_job, shot.keyframe_index)
        sole = sole_candidate(shot, offered)
        if sole is not None:  # the only candidate: used as the keyframe, no click needed
            keyframe = {**job_view(*sole), "sole": True}
        clip = job_view(shot.clip_job)
        running += [c["id"] for c in candidates if c["running"]]
        if clip and clip["running"]:
            running.append(clip["id"])
        rows.append({"shot": shot, "candidates": candidates,
                     "keyframe": keyframe,
                     "clip": clip,
                     "character_ids": [c.pk for c in shot.characters.all()]})
    assembly = board.assemblies.first()
    return {"rows": rows, "running": running, "assembly": assembly,
            "assembling": assembly is not None and assembly.state in (
                Assembly.State.QUEUED, Assembly.State.RUNNING)}
