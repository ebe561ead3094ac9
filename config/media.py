"""Serves uploaded and generated files under MEDIA_URL, each checked against its owner.

A file belongs to a studio (its jobs, episodes, series, characters, storyboards) and only
that studio's members see it; reviewers and staff also see episode files. Studio avatars
and IP covers are public pictures. Anything else is not served at all.
"""

import mimetypes
import re
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import FileResponse, Http404, HttpRequest
from django.utils._os import safe_join
from django.views.decorators.http import require_GET

from creators.queries import is_member

PUBLIC_PREFIXES = ("studios/avatars/", "ip/covers/")


def _studio_of(path: str) -> int | None:
    """The id of the studio owning a media path, or None when no owner is known."""
    from creators.models import Episode, Series

    match = re.match(r"generation/(\d+)/", path)
    if match:
        return int(match.group(1))
    if path.startswith("episodes/"):
        from django.db.models import Q

        episode = (Episode.objects.filter(Q(video=path) | Q(cover=path) | Q(poster=path)
                                          | Q(preview=path))
                   .values_list("series__studio_id", flat=True).first())
        return episode
    if path.startswith("series/covers/"):
        return Series.objects.filter(cover=path).values_list("studio_id", flat=True).first()
    if path.startswith("storyboard/"):
        from storyboard.models import ReferenceImage, Storyboard

        owner = (ReferenceImage.objects.filter(image=path)
                 .values_list("character__series__studio_id", flat=True).first())
        if owner is None:
            owner = (Storyboard.objects.filter(audio=path)
                     .values_list("episode__series__studio_id", flat=True).first())
        return owner
    return None


def may_see(user, path: str) -> bool:
    if path.startswith(PUBLIC_PREFIXES):
        return True
    if user is None or isinstance(user, AnonymousUser) or not user.is_authenticated:
        return False
    studio_id = _studio_of(path)
    if studio_id is None:
        return False
    if path.startswith("episodes/") and (user.is_staff or user.is_reviewer):
        return True
    return is_member(user, studio_id)


@require_GET
def serve(request: HttpRequest, path: str) -> FileResponse:
    path = path.lstrip("/")
    if ".." in Path(path).parts or not may_see(request.user, path):
        raise Http404
    try:
        full = safe_join(settings.MEDIA_ROOT, path)
        handle = open(full, "rb")  # noqa: SIM115 (FileResponse closes it)
    except (OSError, ValueError):
        raise Http404
    response = FileResponse(handle, content_type=mimetypes.guess_type(path)[0]
                            or "application/octet-stream")
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
