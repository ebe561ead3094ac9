"""Serves uploaded and generated files under MEDIA_URL, each checked against its owner.

A file belongs to a studio (its jobs, episodes, series, characters, storyboards) and only
that studio's members see it; reviewers and staff also see episode files. Studio avatars
and IP covers are public pictures. Anything else is not served at all.

A file is sent with a type from MEDIA_TYPES, by its suffix, and never sniffed; anything
else goes as a download (application/octet-stream, attachment), so no file, whatever name
it was stored under, is ever shown as a page of the site (a track stored as voice.html
would run its script in the site's origin).

A single byte range (`Range: bytes=a-b`) is answered with 206, so a player can seek in a
long video without fetching what comes before. The file is sent in blocks, read in a
worker thread under ASGI: Django would read a sync file iterator whole into memory there.
"""

import os
import re
from pathlib import Path

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.handlers.asgi import ASGIRequest
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils._os import safe_join
from django.utils.http import content_disposition_header, http_date
from django.views.decorators.http import require_GET

from creators.queries import is_member

PUBLIC_PREFIXES = ("studios/avatars/", "ip/covers/")
# The only types a media file is served as: pictures, videos and sound, none of which a
# browser runs. No SVG (it may hold script), no HTML, no text.
MEDIA_TYPES = {
    ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".webp": "image/webp",
    ".mp4": "video/mp4", ".wav": "audio/wav", ".mp3": "audio/mpeg", ".aac": "audio/aac",
    ".m4a": "audio/mp4", ".ogg": "audio/ogg", ".flac": "audio/flac", ".webm": "audio/webm",
}
DOWNLOAD_TYPE = "application/octet-stream"
BLOCK = 512 * 1024
SINGLE_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


class Unsatisfiable(Exception):
    """The range asked for lies wholly past the end of the file."""


def _studio_of(path: str) -> int | None:
    """The id of the studio owning a media path, or None when no owner is known."""
    from creators.models import Series

    match = re.match(r"generation/(\d+)/", path)
    if match:
        return int(match.group(1))
    if path.startswith("episodes/"):
        return _episodes_holding(path).values_list("series__studio_id", flat=True).first()
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
    if path.startswith("episodes/") and user.is_staff:
        return True
    if path.startswith("episodes/") and user.is_reviewer and _ever_submitted(path):
        return True  # what review is asked to see, not a studio's unsubmitted drafts
    return is_member(user, studio_id)


def _episodes_holding(path: str):
    """The episode whose video, cover, poster or preview this file is."""
    from django.db.models import Q

    from creators.models import Episode

    return Episode.objects.filter(Q(video=path) | Q(cover=path) | Q(poster=path)
                                  | Q(preview=path))


def _ever_submitted(path: str) -> bool:
    """Whether the episode holding this file has gone to review at least once (a draft is
    the studio's own until then)."""
    from creators.models import Episode

    return _episodes_holding(path).exclude(status=Episode.Status.DRAFT).exists()


def byte_range(header: str, size: int) -> tuple[int, int] | None:
    """(first, last) byte of a single `bytes=` range within a file of `size` bytes, or None
    when the header is to be ignored and the whole file sent (malformed, or several
    ranges: RFC 9110 lets a server do so). Raises Unsatisfiable."""
    match = SINGLE_RANGE.fullmatch(header.strip())
    if not match or match.groups() == ("", ""):
        return None
    first, last = match.groups()
    if first == "":  # the last N bytes
        if int(last) == 0:
            raise Unsatisfiable
        return max(0, size - int(last)), size - 1
    if last != "" and int(last) < int(first):
        return None
    if int(first) >= size:
        raise Unsatisfiable
    return int(first), size - 1 if last == "" else min(int(last), size - 1)


def _blocks(handle, first: int, length: int):
    with handle:
        handle.seek(first)
        while length > 0:
            block = handle.read(min(BLOCK, length))
            if not block:
                return
            length -= len(block)
            yield block


async def _ablocks(handle, first: int, length: int):
    read = sync_to_async(handle.read, thread_sensitive=False)
    try:
        await sync_to_async(handle.seek, thread_sensitive=False)(first)
        while length > 0:
            block = await read(min(BLOCK, length))
            if not block:
                return
            length -= len(block)
            yield block
    finally:
        handle.close()


@require_GET
def serve(request: HttpRequest, path: str) -> HttpResponse:
    path = path.lstrip("/")
    if ".." in Path(path).parts or not may_see(request.user, path):
        raise Http404
    try:
        full = safe_join(settings.MEDIA_ROOT, path)
        handle = open(full, "rb")  # noqa: SIM115 (closed by the blocks' generator)
    except (OSError, ValueError):
        raise Http404
    stat = os.fstat(handle.fileno())
    last_modified = http_date(stat.st_mtime)
    header = request.headers.get("Range")
    if request.headers.get("If-Range", last_modified) != last_modified:
        header = None  # the file changed since the client's first part: send it whole
    try:
        span = byte_range(header, stat.st_size) if header else None
    except Unsatisfiable:
        handle.close()
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{stat.st_size}"
        response["Accept-Ranges"] = "bytes"
        return response
    first, last = span or (0, stat.st_size - 1)
    length = last - first + 1
    blocks = _ablocks if isinstance(request, ASGIRequest) else _blocks
    content_type = MEDIA_TYPES.get(Path(path).suffix.lower())
    response = StreamingHttpResponse(
        blocks(handle, first, length), status=206 if span else 200,
        content_type=content_type or DOWNLOAD_TYPE,
    )
    if span:
        response["Content-Range"] = f"bytes {first}-{last}/{stat.st_size}"
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    response["Last-Modified"] = last_modified
    response["Content-Disposition"] = content_disposition_header(content_type is None,
                                                                 Path(path).name)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
