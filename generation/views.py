"""Generation pages: a studio's jobs with live progress, submit, cancel, re-run; the
staff credit grant. Thin: services do the work, queries read. A refused submission comes
back as the jobs page with the form as it was typed and the reasons beside it."""

import json
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from creators.models import Episode, Studio
from creators.queries import current_studio, membership_or_404
from generation import credits, queries, services
from generation.forms import GrantForm, KeyframeForm, ShotForm
from generation.models import Job


@login_required
def index(request: HttpRequest) -> HttpResponse:
    studio = current_studio(request)
    if studio is None:
        raise Http404
    return redirect("generation:studio_jobs", slug=studio.slug)


def _page_number(value, last: int = 10_000) -> int:
    try:
        return min(max(1, int(value)), last)
    except (TypeError, ValueError):
        return 1


def _query(request: HttpRequest, *leaving_out: str) -> str:
    """The page's query string without the named parameters (for links that set them)."""
    query = request.GET.copy()
    for name in leaving_out:
        query.pop(name, None)
    return query.urlencode()


def _filter_links(request: HttpRequest, jobs_url: str, state: str) -> list[tuple]:
    """(label, href, current) of each filter of the jobs page, "All" first; choosing one
    goes to its first page."""
    kept = _query(request, "page", "state")
    links = []
    for name in ("", *queries.JOB_FILTERS):
        if not name:
            label = _("All")
        elif name == "running":
            label = _("In progress")  # queued or running
        else:
            label = Job.State(name).label
        query = "&".join(part for part in (kept, f"state={name}" if name else "") if part)
        links.append((label, f"{jobs_url}?{query}" if query else jobs_url, name == state))
    return links


def _jobs_page(request: HttpRequest, studio: Studio, keyframe_form: KeyframeForm | None = None,
               shot_form: ShotForm | None = None, episode: Episode | None = None,
               status: int = 200) -> HttpResponse:
    state = request.GET.get("state", "")
    if state not in queries.JOB_FILTERS:
        state = ""
    page = queries.jobs_page(studio, state, request.GET.get("page"))
    jobs = list(page)
    positions = queries.queue_positions()
    for job in jobs:
        job.position = positions.get(str(job.pk))
        job.output_list = queries.output_urls(job)
    keyframe_search = request.GET.get("kf", "").strip()[:100]
    jobs_url = reverse("generation:studio_jobs", args=[studio.slug])
    context = {
        "studio": studio, "jobs": jobs, "page": page, "balance": credits.balance(studio),
        "keyframe_form": keyframe_form or KeyframeForm(),
        "shot_form": shot_form or ShotForm(
            studio=studio, keyframe_search=keyframe_search,
            keyframe_page=_page_number(request.GET.get("kf_page"))),
        "episode": episode, "jobs_url": jobs_url, "state": state,
        "keyframe_search": keyframe_search,
        # Links and forms that change one part of the page keep the others as they are.
        "filter_links": _filter_links(request, jobs_url, state),
        "page_query": _query(request, "page"),
        "keyframes_query": _query(request, "kf_page"),
        "keyframe_search_keeps": [(k, v) for k, v in request.GET.items()
                                  if k not in ("kf", "kf_page")],
        # A new job is the newest: after submitting, the creator sees the first page.
        "submit_back": jobs_url,
    }
    if request.method == "POST":
        # Served at a POST-only URL: the page's forms come back to where the creator was.
        context["back_to"] = _next(request) or jobs_url
    return render(request, "generation/jobs.html", context, status=status)


@login_required
def studio_jobs(request: HttpRequest, slug: str) -> HttpResponse:
    return _jobs_page(request, membership_or_404(request.user, slug).studio)


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return ""


def _back(request: HttpRequest, studio: Studio, to_first_page: bool = False):
    """Back where the creator was; with to_first_page, a jobs page's first page (its
    filter kept), where a job just queued is listed."""
    jobs = reverse("generation:studio_jobs", args=[studio.slug])
    target = _next(request) or jobs
    if to_first_page and urlsplit(target).path == jobs:
        parts = urlsplit(target)
        kept = [(k, v) for k, v in parse_qsl(parts.query) if k != "page"]
        target = urlunsplit(parts._replace(query=urlencode(kept)))
    return redirect(target)


def _short_of_credits(studio: Studio) -> str:
    """The refusal, with what the studio has and where credits come from."""
    from generation import credits

    n = credits.balance(studio)
    return ngettext("Not enough credits for this job: the studio has %(n)s credit left. "
                    "Credits are granted by the platform's staff.",
                    "Not enough credits for this job: the studio has %(n)s credits left. "
                    "Credits are granted by the platform's staff.", n) % {"n": n}


def _submit(request, studio, form, model_key, episode=None) -> bool:
    """Queues the form's job; False, with the reason on the form, when it is refused."""
    try:
        job = services.submit_job(studio, request.user, model_key, form.params(),
                                  episode=episode)
    except services.InsufficientCredits:
        form.add_error(None, _short_of_credits(studio))
        return False
    except services.JobError as exc:
        form.add_error(None, str(exc))
        return False
    messages.success(request, ngettext("Queued. Price: %(price)s credit.",
                                       "Queued. Price: %(price)s credits.", job.price)
                     % {"price": job.price})
    return True


@login_required
@require_POST
def submit_keyframe(request: HttpRequest, slug: str) -> HttpResponse:
    studio = membership_or_404(request.user, slug).studio
    form = KeyframeForm(request.POST)
    valid = form.is_valid()
    episode = None
    if form.cleaned_data.get("episode"):
        episode = get_object_or_404(Episode, pk=form.cleaned_data["episode"],
                                    series__studio=studio)
    if valid and _submit(request, studio, form, form.cleaned_data["model"], episode):
        return _back(request, studio)
    return _jobs_page(request, studio, keyframe_form=form, episode=episode, status=400)


@login_required
@require_POST
def submit_shot(request: HttpRequest, slug: str) -> HttpResponse:
    studio = membership_or_404(request.user, slug).studio
    form = ShotForm(request.POST, studio=studio)
    if form.is_valid() and _submit(request, studio, form, form.cleaned_data["model"]):
        return _back(request, studio)
    return _jobs_page(request, studio, shot_form=form, status=400)


@login_required
def job_detail(request: HttpRequest, job_id) -> HttpResponse:
    job = queries.job_for_member_or_404(request.user, job_id)
    if request.GET.get("format") == "json":
        return JsonResponse(queries.job_state_for(job))
    job.output_list = queries.output_urls(job)
    job.position = queries.queue_positions().get(str(job.pk))
    return render(request, "generation/job_detail.html",
                  {"job": job, "studio": job.studio, "params": queries.params_for_page(job),
                   "provenance_json": json.dumps(job.provenance, ensure_ascii=False, indent=2,
                                                 sort_keys=True)})


@login_required
@require_POST
def cancel(request: HttpRequest, job_id) -> HttpResponse:
    job = queries.job_for_member_or_404(request.user, job_id)
    if services.cancel_job(job, request.user):
        messages.success(request, _("Cancel requested; the credits come back."))
    else:
        messages.info(request, _("That job has already finished."))
    return _back(request, job.studio)


@login_required
@require_POST
def rerun(request: HttpRequest, job_id) -> HttpResponse:
    job = queries.job_for_member_or_404(request.user, job_id)
    try:
        services.rerun_job(job, request.user)
    except services.InsufficientCredits:
        messages.error(request, _short_of_credits(job.studio))
    except services.JobError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Queued again with the same seed."))
    return _back(request, job.studio, to_first_page=True)


@staff_member_required
def grant(request: HttpRequest) -> HttpResponse:
    form = GrantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        studio = Studio.objects.filter(slug=form.cleaned_data["studio"]).first()
        if studio is None:
            form.add_error("studio", _("No such studio."))
        else:
            credits.grant(studio, form.cleaned_data["amount"], by=request.user,
                          note=form.cleaned_data["note"])
            messages.success(request, _("Credits granted."))
            return redirect("generation:grant")
    return render(request, "generation/grant.html", {"form": form})
