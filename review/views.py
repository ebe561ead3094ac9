"""Views of the review queue: reviewers and staff only; creators see decisions on their
own episode pages (templates/review/_episode_decisions.html)."""

import mimetypes
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from review import queries, services
from review.forms import ApproveForm, ChangesForm, QueueFilterForm, RejectForm
from review.models import ReviewItem


def reviewer_required(view):
    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not services.can_review(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)
    return wrapped


def staff_required(view):
    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_staff:
            raise PermissionDenied
        return view(request, *args, **kwargs)
    return wrapped


@require_GET
@reviewer_required
def index(request: HttpRequest) -> HttpResponse:
    services.sync_submissions()
    form = QueueFilterForm(request.GET or None)
    # Filters the form refuses list nothing (the errors say why) rather than the whole
    # queue under a filter that looks applied; a bad page number is page 1, as before.
    refused = form.is_bound and not form.is_valid() and set(form.errors) != {"page"}
    filters = form.cleaned_data if form.is_bound and not refused else {}
    page = filters.get("page") or 1
    items, has_next = ([], False) if refused else queries.queue(filters, page)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "review/queue.html", {
        "form": form, "items": items, "page": page, "has_next": has_next, "refused": refused,
        "counts": queries.state_counts(), "query": query.urlencode(),
    }, status=400 if refused else 200)


def _decision_forms(item: ReviewItem, data=None, which: str = "") -> dict:
    today = timezone.localdate()
    return {
        "approve_form": ApproveForm(data if which == "approve" else None, initial={
            "category": item.episode.series.category, "publish_on": today}),
        "reject_form": RejectForm(data if which == "reject" else None),
        "changes_form": ChangesForm(data if which == "changes" else None),
    }


def _item_page(request, item: ReviewItem, forms: dict, status: int = 200,
               reclaim: bool = False) -> HttpResponse:
    now = timezone.now()
    mine = item.claimed_by_id == request.user.pk and item.claim_active(now)
    return render(request, "review/item.html", {
        "item": item, "episode": item.episode, "held": item.claim_active(now),
        "mine": mine or reclaim, "reclaim": reclaim and not mine,
        "history": queries.history_of(item.episode_id), **forms,
    }, status=status)


@require_GET
@reviewer_required
def item_detail(request: HttpRequest, item_id: int) -> HttpResponse:
    item = queries.item_or_404(item_id)
    return _item_page(request, item, _decision_forms(item))


@require_GET
@reviewer_required
def item_video(request: HttpRequest, item_id: int) -> FileResponse:
    episode = queries.item_or_404(item_id).episode
    if not episode.video:
        raise Http404
    content_type = mimetypes.guess_type(episode.video.name)[0] or "video/mp4"
    try:
        return FileResponse(episode.video.open("rb"), content_type=content_type)
    except FileNotFoundError as error:
        raise Http404 from error


@require_POST
@reviewer_required
def item_claim(request: HttpRequest, item_id: int) -> HttpResponse:
    item = queries.item_or_404(item_id)
    try:
        services.claim(item, request.user)
        messages.success(request, _("The item is yours until the claim expires."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("review:item", item_id=item.pk)


@require_POST
@reviewer_required
def item_release(request: HttpRequest, item_id: int) -> HttpResponse:
    services.release(queries.item_or_404(item_id), request.user)
    return redirect("review:index")


@require_POST
@reviewer_required
def item_decide(request: HttpRequest, item_id: int, which: str) -> HttpResponse:
    item = queries.item_or_404(item_id)
    forms = _decision_forms(item, request.POST, which)
    form = forms.get(f"{which}_form")
    if form is None:
        raise Http404
    if form.is_valid():
        data = form.cleaned_data
        try:
            if request.POST.get("reclaim") == "1":
                # Sent again from the page that said the claim had run out: the reviewer
                # claims it afresh with this press, and the decision they wrote is kept.
                services.claim(item, request.user)
            if which == "approve":
                services.approve(item, request.user, data["grade"], data["category"],
                                 data["publish_on"], data.get("note", ""))
            elif which == "reject":
                services.reject(item, request.user, data["reasons"], data["note"])
            else:
                services.ask_for_changes(item, request.user, data["note"], data["reasons"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            fresh = queries.item_or_404(item_id)
            # The claim ran out while the decision was written, and nobody holds the item:
            # the forms come back as typed, to be sent again with a fresh claim.
            reclaim = fresh.state == ReviewItem.State.OPEN and not fresh.claim_active(
                timezone.now())
            return _item_page(request, fresh, forms, status=409, reclaim=reclaim)
        messages.success(request, _("Decision recorded."))
        return redirect("review:item", item_id=item.pk)
    return _item_page(request, item, forms, status=400)


@require_GET
@staff_required
def stats(request: HttpRequest) -> HttpResponse:
    return render(request, "review/stats.html", {"stats": queries.reviewer_stats()})
