"""Reads about studios for views: which studios a user may act for."""

from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404
from django.utils.translation import gettext as _

from creators.models import Episode, Membership, Studio, User


def studios_of(user: User) -> QuerySet[Studio]:
    """The user's studios in the order they joined them: the one they started with first,
    not the oldest studio that happens to count them as a member."""
    if not user.is_authenticated:
        return Studio.objects.none()
    joined = Membership.objects.filter(user=user, studio=OuterRef("pk")).values("created_at")
    return Studio.objects.filter(memberships__user=user).order_by(Subquery(joined[:1]), "id")


CHOSEN_STUDIO = "studio"  # session key: the studio whose pages the user last opened


STUDIO_PAGES = ("creators", "generation", "storyboard", "dashboard")


def current_studio(request) -> Studio | None:
    """The studio the menu's links act for: the one whose pages the user opened last, while
    they are still a member of it, else the first they joined."""
    studios = studios_of(request.user)
    session = getattr(request, "session", None)
    match = getattr(request, "resolver_match", None)
    opened = (match.kwargs.get("slug")
              if match is not None and match.namespace in STUDIO_PAGES else None)
    for slug in (opened, session.get(CHOSEN_STUDIO) if session is not None else None):
        if not slug:
            continue
        studio = studios.filter(slug=slug).first()
        if studio is not None:
            if session is not None and slug == opened:
                choose_studio(request, studio)
            return studio
    return studios.first()


INVITATION_LINK = "/accounts/invitations/join/"


def invitation_behind(next_url: str):
    """The emailed invitation a ?next address leads to answer (a login or sign-up page
    reached from the link), if it is still open; else None."""
    if not next_url or not next_url.startswith(INVITATION_LINK):
        return None
    from creators.services import invitation_by_token

    return invitation_by_token(next_url[len(INVITATION_LINK):].strip("/"))


def choose_studio(request, studio: Studio) -> None:
    if request.session.get(CHOSEN_STUDIO) != studio.slug:
        request.session[CHOSEN_STUDIO] = studio.slug


def invitations_for(user: User):
    """Invitations waiting for this user's answer, newest first."""
    from django.utils import timezone

    from creators.models import Invitation

    if not user.is_authenticated:
        return Invitation.objects.none()
    return (Invitation.objects.filter(user=user, status=Invitation.Status.PENDING,
                                      expires_at__gt=timezone.now())
            .select_related("studio", "invited_by").order_by("-created_at"))


def invitations_sent(studio: Studio):
    """The studio's invitations still open (expired ones show as expired until replaced)."""
    from creators.models import Invitation

    return (Invitation.objects.filter(studio=studio, status=Invitation.Status.PENDING)
            .select_related("invited_by").order_by("-created_at"))


def membership_or_404(user: User, studio_slug: str) -> Membership:
    """The user's membership in that studio; outsiders get 404, never a hint it exists."""
    if not user.is_authenticated:
        raise Http404
    try:
        return Membership.objects.select_related("studio").get(
            studio__slug=studio_slug, user=user
        )
    except Membership.DoesNotExist:
        raise Http404


def is_member(user: User, studio_id: int) -> bool:
    return (
        user.is_authenticated
        and Membership.objects.filter(studio_id=studio_id, user=user).exists()
    )


def owner_membership_or_403(user: User, studio_slug: str) -> Membership:
    """Outsiders get 404; members who are not owners get 403."""
    from django.core.exceptions import PermissionDenied

    membership = membership_or_404(user, studio_slug)
    if membership.role != Membership.Role.OWNER:
        raise PermissionDenied
    return membership


def series_of(studio: Studio):
    from django.db.models import Count

    from creators.models import Series

    return (
        Series.objects.filter(studio=studio)
        .select_related("license__ip")
        .annotate(episode_count=Count("episodes"))
        .order_by("title")
    )


def series_or_404(studio: Studio, series_slug: str):
    from django.shortcuts import get_object_or_404

    from creators.models import Series

    return get_object_or_404(Series.objects.select_related("license__ip"), studio=studio,
                             slug=series_slug)


def episode_or_404(studio: Studio, ref: str):
    from django.shortcuts import get_object_or_404

    from creators.models import Episode

    return get_object_or_404(
        Episode.objects.select_related("series__studio"), series__studio=studio, ref=ref
    )


def upload_or_404(studio: Studio, upload_id):
    from django.shortcuts import get_object_or_404

    from creators.models import Upload

    return get_object_or_404(Upload.objects.select_related("episode"), studio=studio,
                             pk=upload_id)


def probe_summary(episode) -> dict:
    """What the episode page shows about the stored video, as JSON for its script."""
    from django.urls import reverse

    from creators.services import missing_text

    slug = episode.series.studio.slug

    def media_url(kind: str) -> str:
        field = getattr(episode, kind)
        if not field:
            return ""
        return reverse("creators:episode_media", args=[slug, episode.ref, kind]) + (
            f"?v={field.name.rsplit('/', 1)[-1]}"
        )

    return {
        "ref": episode.ref,
        "state": episode.probe_state,
        "progress": episode.probe_progress,
        "error": episode.probe_error,
        "duration": str(episode.duration_seconds or ""),
        "duration_text": _("%(s)s s") % {"s": _plain(episode.duration_seconds, 1)}
        if episode.duration_seconds else "",
        "width": episode.width,
        "height": episode.height,
        "fps": str(episode.fps or ""),
        "fps_text": _("%(n)s fps") % {"n": _plain(episode.fps, 3)} if episode.fps else "",
        "codec": episode.video_codec,
        "video": media_url("video"),
        "poster": media_url("poster"),
        "preview": media_url("preview"),
        "cover": media_url("cover"),
        "status": episode.status,
        "missing": missing_text(episode),
    }


def _plain(value, places: int) -> str:
    """A measured figure as people write it: 90.000 → 90, 61.50 → 61.5, 23.9760 → 23.976."""
    text = f"{value:.{places}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


# Episodes that earn, or are on their way to earning, under the series' license: once in
# review they may be published, and a published (or since taken down) one has revenue.
EARNING_STATUSES = (Episode.Status.SUBMITTED, Episode.Status.IN_REVIEW, Episode.Status.APPROVED,
                    Episode.Status.PUBLISHED, Episode.Status.TAKEN_DOWN)


def license_locked(series) -> bool:
    """Whether the series' license (or its being original) is fixed: its revenue lines
    are settled with the license the series has then, so once any line exists or any
    episode is submitted or published, changing it would move royalties already earned."""
    from django.db.models import Q

    return Episode.objects.filter(
        Q(status__in=EARNING_STATUSES) | Q(published_on__isnull=False)
        | Q(revenue_lines__isnull=False),
        series_id=series.pk,
    ).exists()
