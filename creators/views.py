"""Account, studio, series, episode and upload pages: thin views over services and queries."""

import json
import mimetypes
import uuid

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from creators import services
from creators.forms import (
    EpisodeForm,
    InviteForm,
    NewStudioForm,
    PayoutForm,
    SeriesForm,
    SignUpForm,
    StudioProfileForm,
)
from creators.models import Membership, Upload
from creators.queries import (
    choose_studio,
    current_studio,
    episode_or_404,
    invitation_behind,
    invitations_for,
    invitations_sent,
    membership_or_404,
    owner_membership_or_403,
    probe_summary,
    series_of,
    series_or_404,
    studios_of,
    upload_or_404,
)


def _safe_next(request: HttpRequest) -> str:
    """The ?next= (or posted next) address, if it stays on this site; else ""."""
    from django.utils.http import url_has_allowed_host_and_scheme

    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return wanted
    return ""


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("creators:home_redirect")
    next_url = _safe_next(request)
    # Someone signing up to answer an emailed invitation joins that studio; a studio of
    # their own would only be an empty one to explain away (they can start one later).
    joining = invitation_behind(next_url) is not None
    form = SignUpForm(request.POST or None, joining=joining)
    if request.method == "POST" and form.is_valid():
        user = services.sign_up(
            username=form.cleaned_data["username"],
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
            studio_name=form.cleaned_data.get("studio_name", ""),
            own_studio=not joining,
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        if joining:
            messages.success(request, _("Welcome! Answer the invitation below."))
        else:
            messages.success(request, _("Welcome! Your studio is ready."))
        if next_url:  # e.g. the invitation link that sent them here
            return redirect(next_url)
        return redirect("creators:home_redirect")
    return render(request, "registration/signup.html", {"form": form, "next": next_url})


@login_required
@require_http_methods(["GET", "POST"])
def studios(request: HttpRequest) -> HttpResponse:
    """The studios the user belongs to, to switch between, and a form to start another."""
    form = NewStudioForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            studio = services.form_studio(request.user, form.cleaned_data["name"])
        except ValidationError as refused:
            form.add_error(None, refused)
        else:
            choose_studio(request, studio)
            messages.success(request, _("%(studio)s is ready.") % {"studio": studio.name})
            return redirect("creators:studio", slug=studio.slug)
    memberships = {m.studio_id: m for m in Membership.objects.filter(user=request.user)}
    rows = [(studio, memberships[studio.pk]) for studio in studios_of(request.user)]
    return render(request, "creators/studios.html", {
        "rows": rows, "form": form, "acting_for": current_studio(request)})


@login_required
def home_redirect(request: HttpRequest) -> HttpResponse:
    """Where a logged-in user lands: the studio they last worked in, else the first they
    joined, or the home page if they have none."""
    studio = current_studio(request)
    if studio is None:
        return redirect("home")
    return redirect("creators:studio", slug=studio.slug)


@login_required
def studio_detail(request: HttpRequest, slug: str) -> HttpResponse:
    membership = membership_or_404(request.user, slug)
    studio = membership.studio
    return render(
        request,
        "creators/studio_detail.html",
        {
            "studio": studio,
            "membership": membership,
            "memberships": studio.memberships.select_related("user").order_by("created_at"),
            "series_list": series_of(studio),
        },
    )


# --- Studio settings ------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def studio_edit(request: HttpRequest, slug: str) -> HttpResponse:
    membership = membership_or_404(request.user, slug)
    studio = membership.studio
    form = StudioProfileForm(request.POST or None, request.FILES or None, instance=studio)
    if request.method == "POST" and form.is_valid():
        avatar = request.FILES.get("avatar")
        services.update_studio_profile(
            studio, form.cleaned_data["name"], form.cleaned_data["bio"], avatar=avatar
        )
        messages.success(request, _("Studio profile saved."))
        return redirect("creators:studio", slug=studio.slug)
    return render(request, "creators/studio_edit.html",
                  {"studio": studio, "membership": membership, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def studio_payout(request: HttpRequest, slug: str) -> HttpResponse:
    membership = owner_membership_or_403(request.user, slug)
    studio = membership.studio
    form = PayoutForm(request.POST or None, initial={"payout_details": studio.payout_details})
    if request.method == "POST" and form.is_valid():
        services.update_payout_details(membership, form.cleaned_data["payout_details"])
        messages.success(request, _("Payout details saved."))
        return redirect("creators:payout", slug=studio.slug)
    return render(request, "creators/payout.html",
                  {"studio": studio, "membership": membership, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def studio_members(request: HttpRequest, slug: str) -> HttpResponse:
    membership = membership_or_404(request.user, slug)
    studio = membership.studio
    form = InviteForm(request.POST or None)
    if request.method == "POST":
        owner_membership_or_403(request.user, slug)
        if form.is_valid():
            try:
                invitation = services.invite_member(
                    membership, form.cleaned_data["who"], form.cleaned_data["role"]
                )
            except ValidationError as error:
                form.add_error("who", error.messages)
            else:
                if invitation.token:
                    _mail_invitation(request, invitation)
                messages.success(request, _(
                    "Invitation sent to %(who)s: a username finds it on their invitations "
                    "page, an email address gets a link. They join once they accept."
                ) % {"who": invitation.addressed_to})
                return redirect("creators:members", slug=slug)
    owner = membership.role == Membership.Role.OWNER
    return render(request, "creators/members.html", {
        "studio": studio, "membership": membership, "form": form,
        "memberships": studio.memberships.select_related("user").order_by("created_at"),
        "roles": Membership.Role.choices,
        "invitations": invitations_sent(studio) if owner else (),
        "now": timezone.now(),
    })


def _mail_invitation(request: HttpRequest, invitation) -> None:
    """The link that answers an email invitation, mailed to the address in both languages
    (who reads it is not known yet)."""
    from django.core.mail import send_mail
    from django.template.loader import render_to_string
    from django.urls import reverse

    link = request.build_absolute_uri(reverse("invitation_join", args=[invitation.token]))
    context = {"invitation": invitation, "link": link, "inviter": request.user.username}
    send_mail(render_to_string("creators/invitation_email_subject.txt", context).strip(),
              render_to_string("creators/invitation_email.txt", context),
              None, [invitation.addressed_to])


@login_required
@require_http_methods(["GET", "POST"])
def invitation_join(request: HttpRequest, token: str) -> HttpResponse:
    """An email invitation's link: whoever opens it, signed in (or after signing up, which
    the login page offers), answers it. A spent or unknown link is 404."""
    invitation = services.invitation_by_token(token)
    if invitation is None:
        # A link opened again after its answer says so, instead of a bare 404.
        spent = services.invitation_by_token(token, pending=False)
        if spent is None:
            raise Http404
        member = spent.studio.memberships.filter(user=request.user).exists()
        return render(request, "creators/invitation_spent.html",
                      {"inv": spent, "member": member}, status=410)
    if request.method == "POST":
        answer = request.POST.get("answer")
        try:
            if answer == "accept":
                joined = services.accept_invitation_link(request.user, token)
            else:
                services.decline_invitation_link(request.user, token)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("invitation_join", token=token)
        if answer == "accept":
            choose_studio(request, joined.studio)
            messages.success(request, _("You joined %(studio)s.")
                             % {"studio": joined.studio.name})
            return redirect("creators:studio", slug=joined.studio.slug)
        messages.success(request, _("You declined the invitation to %(studio)s.")
                         % {"studio": invitation.studio.name})
        return redirect("home")
    return render(request, "creators/invitation_join.html", {"inv": invitation})


@login_required
@require_POST
def invitation_withdraw(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    membership = owner_membership_or_403(request.user, slug)
    invitation = services.withdraw_invitation(membership, pk)
    messages.success(request, _("The invitation to %(who)s is withdrawn.")
                     % {"who": invitation.addressed_to})
    return redirect("creators:members", slug=slug)


@login_required
def invitations(request: HttpRequest) -> HttpResponse:
    """Invitations waiting for the user's answer: nobody joins a studio without a yes."""
    return render(request, "creators/invitations.html",
                  {"invitations": invitations_for(request.user)})


@login_required
@require_POST
def invitation_answer(request: HttpRequest, pk: int, answer: str) -> HttpResponse:
    try:
        if answer == "accept":
            joined = services.accept_invitation(request.user, pk)
        else:
            invitation = services.decline_invitation(request.user, pk)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("invitations")
    if answer == "accept":
        choose_studio(request, joined.studio)
        messages.success(request, _("You joined %(studio)s.") % {"studio": joined.studio.name})
        return redirect("creators:studio", slug=joined.studio.slug)
    messages.success(request, _("You declined the invitation to %(studio)s.")
                     % {"studio": invitation.studio.name})
    return redirect("invitations")


def _target_membership(membership: Membership, pk: int) -> Membership:
    return get_object_or_404(Membership, pk=pk, studio=membership.studio)


@login_required
@require_POST
def member_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    membership = owner_membership_or_403(request.user, slug)
    try:
        services.remove_member(membership, _target_membership(membership, pk))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("creators:members", slug=slug)


@login_required
@require_POST
def studio_leave(request: HttpRequest, slug: str) -> HttpResponse:
    membership = membership_or_404(request.user, slug)
    try:
        services.leave_studio(membership)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("creators:members", slug=slug)
    messages.success(request, _("You left %(studio)s.") % {"studio": membership.studio.name})
    return redirect("studios")


@login_required
@require_POST
def member_role(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    membership = owner_membership_or_403(request.user, slug)
    try:
        services.change_role(membership, _target_membership(membership, pk),
                             request.POST.get("role", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("creators:members", slug=slug)


# --- Series ---------------------------------------------------------------------------


@login_required
def series_list(request: HttpRequest, slug: str) -> HttpResponse:
    membership = membership_or_404(request.user, slug)
    return render(request, "creators/series_list.html", {
        "studio": membership.studio, "membership": membership,
        "series_list": series_of(membership.studio),
    })


@login_required
@require_http_methods(["GET", "POST"])
def series_create(request: HttpRequest, slug: str) -> HttpResponse:
    membership = membership_or_404(request.user, slug)
    studio = membership.studio
    form = SeriesForm(request.POST or None, request.FILES or None, studio=studio)
    if request.method == "POST" and form.is_valid():
        try:
            series = services.create_series(studio, **form.cleaned_data)
        except ValidationError as error:
            form.add_error("license", error.messages)
        else:
            messages.success(request, _("Series created."))
            return redirect("creators:series", slug=slug, series_slug=series.slug)
    return render(request, "creators/series_form.html",
                  {"studio": studio, "membership": membership, "form": form})


@login_required
def series_detail(request: HttpRequest, slug: str, series_slug: str) -> HttpResponse:
    membership = membership_or_404(request.user, slug)
    series = series_or_404(membership.studio, series_slug)
    return render(request, "creators/series_detail.html", {
        "studio": membership.studio, "membership": membership, "series": series,
        "episodes": series.episodes.order_by("number"),
    })


@login_required
@require_http_methods(["GET", "POST"])
def series_edit(request: HttpRequest, slug: str, series_slug: str) -> HttpResponse:
    membership = membership_or_404(request.user, slug)
    series = series_or_404(membership.studio, series_slug)
    form = SeriesForm(request.POST or None, request.FILES or None, instance=series,
                      studio=membership.studio)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_series(series, **form.cleaned_data)
        except ValidationError as error:
            field = "category" if getattr(error, "code", None) == "pricing_locked" else "license"
            form.add_error(field, error.messages)
            series.refresh_from_db()  # the page shows the stored series, the form the input
        else:
            messages.success(request, _("Series saved."))
            return redirect("creators:series", slug=slug, series_slug=series.slug)
    return render(request, "creators/series_form.html", {
        "studio": membership.studio, "membership": membership, "form": form, "series": series,
    })


@login_required
@require_POST
def series_delete(request: HttpRequest, slug: str, series_slug: str) -> HttpResponse:
    membership = membership_or_404(request.user, slug)
    series = series_or_404(membership.studio, series_slug)
    try:
        services.delete_series(series)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("creators:series", slug=slug, series_slug=series_slug)
    messages.success(request, _("Series deleted."))
    return redirect("creators:series_list", slug=slug)


# --- Episodes -------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def episode_create(request: HttpRequest, slug: str, series_slug: str) -> HttpResponse:
    membership = membership_or_404(request.user, slug)
    series = series_or_404(membership.studio, series_slug)
    next_number = (series.episodes.order_by("-number").values_list("number", flat=True)
                   .first() or 0) + 1
    form = EpisodeForm(request.POST or None, series=series, initial={"number": next_number})
    if request.method == "POST" and form.is_valid():
        try:
            episode = services.create_episode(series, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Episode %(ref)s created.") % {"ref": episode.ref})
            return redirect("creators:episode", slug=slug, ref=episode.ref)
    return render(request, "creators/episode_form.html", {
        "studio": membership.studio, "membership": membership, "series": series, "form": form,
    })


@login_required
def episode_detail(request: HttpRequest, slug: str, ref: str) -> HttpResponse:
    membership = membership_or_404(request.user, slug)
    episode = episode_or_404(membership.studio, ref)
    return render(request, "creators/episode_detail.html", {
        "studio": membership.studio, "membership": membership, "episode": episode,
        "series": episode.series, "probe": probe_summary(episode),
        "missing": services.missing_text(episode),
        "editable": episode.status in services.EDITABLE_STATUSES,
    })


@login_required
@require_http_methods(["GET", "POST"])
def episode_edit(request: HttpRequest, slug: str, ref: str) -> HttpResponse:
    membership = membership_or_404(request.user, slug)
    episode = episode_or_404(membership.studio, ref)
    form = EpisodeForm(request.POST or None, instance=episode, series=episode.series)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_episode(episode, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("Episode saved."))
            return redirect("creators:episode", slug=slug, ref=ref)
    return render(request, "creators/episode_form.html", {
        "studio": membership.studio, "membership": membership, "series": episode.series,
        "form": form, "episode": episode,
    })


@login_required
@require_POST
def episode_delete(request: HttpRequest, slug: str, ref: str) -> HttpResponse:
    membership = membership_or_404(request.user, slug)
    episode = episode_or_404(membership.studio, ref)
    series_slug = episode.series.slug
    try:
        services.delete_episode(episode)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("creators:episode", slug=slug, ref=ref)
    messages.success(request, _("Episode deleted."))
    return redirect("creators:series", slug=slug, series_slug=series_slug)


@login_required
@require_POST
def episode_submit(request: HttpRequest, slug: str, ref: str) -> HttpResponse:
    membership = membership_or_404(request.user, slug)
    episode = episode_or_404(membership.studio, ref)
    try:
        services.submit_for_review(episode)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except services.TransitionError:
        messages.error(request, _("This episode cannot be submitted in its current state."))
    else:
        messages.success(request, _("Episode submitted for review."))
    return redirect("creators:episode", slug=slug, ref=ref)


@login_required
@require_GET
def episode_probe(request: HttpRequest, slug: str, ref: str) -> JsonResponse:
    membership = membership_or_404(request.user, slug)
    return JsonResponse(probe_summary(episode_or_404(membership.studio, ref)))


MEDIA_KINDS = {"video", "poster", "preview", "cover"}


@login_required
@require_GET
def episode_media(request: HttpRequest, slug: str, ref: str, kind: str) -> FileResponse:
    """Episode files are served to the studio's members only (never a guessable URL)."""
    membership = membership_or_404(request.user, slug)
    episode = episode_or_404(membership.studio, ref)
    field = getattr(episode, kind) if kind in MEDIA_KINDS else None
    if not field:
        raise Http404
    content_type = mimetypes.guess_type(field.name)[0] or "application/octet-stream"
    try:
        return FileResponse(field.open("rb"), content_type=content_type)
    except FileNotFoundError:
        raise Http404


# --- Resumable upload (JSON) ----------------------------------------------------------


def upload_error_response(error: services.UploadError) -> JsonResponse:
    body = {"error": str(error)}
    if error.offset is not None:
        body["offset"] = error.offset
    return JsonResponse(body, status=error.status)


def _upload_json(upload: Upload, **extra) -> dict:
    return {"id": str(upload.pk), "offset": upload.offset, "size": upload.size,
            "status": upload.status, "reason": upload.reason, "kind": upload.kind, **extra}


def _upload_request(body: bytes) -> tuple[str, str, int]:
    """The kind, filename and size a client announces; a ValueError says what is wrong."""
    try:
        data = json.loads(body or b"{}")
    except (ValueError, RecursionError):
        raise ValueError(_("Malformed request."))
    if not isinstance(data, dict):
        raise ValueError(_("The request must be a JSON object."))
    kind, filename, size = data.get("kind", ""), data.get("filename", ""), data.get("size")
    if not isinstance(kind, str):
        raise ValueError(_("Unknown upload kind."))
    if not isinstance(filename, str):
        raise ValueError(_("The filename must be text."))
    # Not bool (an int to Python), nor a float, which may be 2.5, NaN or 1e400 (infinite).
    if type(size) is not int or size < 0:
        raise ValueError(_("The size must be the file's length in bytes, a whole number."))
    return kind, filename, size


def signed_in_json(view):
    """login_required for the upload's JSON endpoints: a 401 in JSON instead of a redirect
    to the login page, which fetch follows to a 200 an uploader could read as success."""
    import functools

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return JsonResponse({"error": _("Your session has ended: log in again in another "
                                            "tab, then choose the file again to go on where "
                                            "it stopped.")}, status=401)
        return view(request, *args, **kwargs)
    return wrapped


@signed_in_json
@require_POST
def upload_create(request: HttpRequest, slug: str, ref: str) -> JsonResponse:
    membership = membership_or_404(request.user, slug)
    episode = episode_or_404(membership.studio, ref)
    try:
        kind, filename, size = _upload_request(request.body)
    except ValueError as error:
        return JsonResponse({"error": str(error)}, status=400)
    try:
        upload = services.start_upload(request.user, episode, kind, filename, size)
    except services.UploadError as error:
        return upload_error_response(error)
    from django.conf import settings

    return JsonResponse(_upload_json(upload, chunk_max=settings.UPLOAD_CHUNK_MAX_BYTES),
                        status=201)


def _upload_id(upload_id: str) -> uuid.UUID:
    try:
        return uuid.UUID(upload_id)
    except ValueError:
        raise Http404


@signed_in_json
@require_http_methods(["GET", "PUT"])
def upload_detail(request: HttpRequest, slug: str, upload_id: str) -> JsonResponse:
    membership = membership_or_404(request.user, slug)
    upload = upload_or_404(membership.studio, _upload_id(upload_id))
    if request.method == "GET":
        return JsonResponse(_upload_json(upload))
    try:
        offset = int(request.GET.get("offset", ""))
        length = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        return JsonResponse({"error": _("The offset parameter is required.")}, status=400)
    try:
        new_offset = services.receive_chunk(upload, offset, request, length)
    except services.UploadError as error:
        return upload_error_response(error)
    return JsonResponse({"id": str(upload.pk), "offset": new_offset, "size": upload.size})


@signed_in_json
@require_POST
def upload_finalize(request: HttpRequest, slug: str, upload_id: str) -> JsonResponse:
    membership = membership_or_404(request.user, slug)
    upload = upload_or_404(membership.studio, _upload_id(upload_id))
    try:
        episode = services.finalize_upload(upload)
    except services.UploadError as error:
        return upload_error_response(error)
    return JsonResponse({"id": str(upload.pk), "status": Upload.Status.DONE,
                         "episode": probe_summary(episode)})
