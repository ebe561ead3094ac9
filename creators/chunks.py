"""The ASGI endpoint that receives upload chunks: a chunk's body goes from the server's
messages straight into the part file at the upload's offset.

Django's handler reads a whole request body into a temporary file before any view runs;
for a chunk that is a second copy of every byte, and it cost most of an upload's time
(bench/upload.py). config/asgi.py sends HTTP here first; only a PUT to the chunk URL
(`creators:upload`) stays. A chunk is admitted by Django's own security, session,
authentication and CSRF code, then the studio membership and the upload's lock and offset
(services.open_chunk); a request it does not admit goes on to Django untouched, so an
anonymous, foreign or forged request meets exactly the response it met before.
"""

import io
import uuid

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth import get_user
from django.contrib.sessions.middleware import SessionMiddleware
from django.core import signals
from django.core.exceptions import DisallowedHost
from django.core.handlers.asgi import ASGIRequest, get_script_prefix
from django.http import Http404, HttpResponse, JsonResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.csrf import CsrfViewMiddleware
from django.middleware.security import SecurityMiddleware
from django.urls import Resolver404, resolve
from django.utils import translation

from creators import services, views
from creators.models import Upload
from creators.queries import membership_or_404, upload_or_404


def _no_view(request):  # the middleware below is only asked its opinion, never to go on
    raise AssertionError("unreachable")


class Chunk:
    """One chunk PUT: admitted (or not) and finished in worker threads, its body written
    in between by the event loop (page-cache writes; the disk wait is in commit)."""

    def __init__(self, scope: dict, kwargs: dict):
        self.scope, self.kwargs = scope, kwargs
        self.request: ASGIRequest | None = None
        self.upload: Upload | None = None
        self.language = "en"
        self.offset = 0
        self.fd: int | None = None
        self.room = 0  # bytes this chunk may hold

    def admit(self) -> HttpResponse | None:
        """Takes the upload's lock when the chunk may be written (returns None with
        self.fd set); returns a refusal to send; or returns None with no fd when the
        request is not ours to judge, and Django should serve it."""
        request = self.request = ASGIRequest(self.scope, io.BytesIO())
        try:
            request.get_host()
        except DisallowedHost:
            return self.finish(None)
        security, session, csrf = (SecurityMiddleware(_no_view), SessionMiddleware(_no_view),
                                   CsrfViewMiddleware(_no_view))
        if security.process_request(request) is not None:
            return self.finish(None)
        session.process_request(request)
        request.user = get_user(request)
        if not request.user.is_authenticated:
            return self.finish(None)
        csrf.process_request(request)
        if csrf.process_view(request, views.upload_detail, (), self.kwargs) is not None:
            return self.finish(None)
        try:
            self.offset = int(request.GET["offset"])
            length = request.META.get("CONTENT_LENGTH")
            length = int(length) if length else None
            membership = membership_or_404(request.user, self.kwargs["slug"])
            self.upload = upload_or_404(membership.studio, uuid.UUID(self.kwargs["upload_id"]))
        except (KeyError, ValueError, Http404):
            return self.finish(None)
        self.language = translation.get_language_from_request(request)
        try:
            with translation.override(self.language):
                self.fd = services.open_chunk(self.upload, self.offset, length)
        except services.UploadError as error:
            return self.finish(views.upload_error_response(error))
        self.room = min(settings.UPLOAD_CHUNK_MAX_BYTES, self.upload.size - self.offset)
        return None

    def write(self, body: bytes, written: int) -> None:
        if written + len(body) > self.room:
            with translation.override(self.language):
                services.check_chunk_growth(self.upload, self.offset, written + len(body))
        services.write_at(self.fd, body, self.offset + written)

    def commit(self, written: int) -> HttpResponse:
        fd, self.fd = self.fd, None
        try:
            with translation.override(self.language):
                offset = services.commit_chunk(self.upload, fd, self.offset, written)
        except services.UploadError as error:
            return self.finish(views.upload_error_response(error))
        return self.finish(JsonResponse({"id": str(self.upload.pk), "offset": offset,
                                         "size": self.upload.size}))

    def abandon(self, error: services.UploadError | None = None) -> HttpResponse | None:
        if self.fd is not None:
            fd, self.fd = self.fd, None
            services.abandon_chunk(fd, self.offset)
        return self.finish(views.upload_error_response(error) if error else None)

    def finish(self, response: HttpResponse | None) -> HttpResponse | None:
        """The response with the headers Django's middleware would give it."""
        if response is not None:
            for middleware in (SessionMiddleware, SecurityMiddleware, XFrameOptionsMiddleware):
                response = middleware(_no_view).process_response(self.request, response)
            response.headers.setdefault("Content-Language", self.language)
            response.headers.setdefault("Cache-Control", "no-store")
        return response


def _as_a_request(step, *args):
    """Django's bracket around a request, around one step of a chunk: its database
    connection is checked before and kept or closed after, as the settings say."""
    signals.request_started.send(sender=ChunkEndpoint)
    try:
        return step(*args)
    finally:
        signals.request_finished.send(sender=ChunkEndpoint)


async def _in_a_thread(step, *args):
    # Not thread-sensitive: steps of many chunks run side by side in the loop's pool (and
    # keep its threads' database connections), and the lock may wait for another writer of
    # the same upload without holding up anyone else.
    return await sync_to_async(_as_a_request, thread_sensitive=False)(step, *args)


async def _send(response: HttpResponse, send) -> None:
    headers = [(name.encode("latin1"), value.encode("latin1"))
               for name, value in response.items()]
    headers += [(b"Set-Cookie", cookie.output(header="").strip().encode("latin1"))
                for cookie in response.cookies.values()]
    await send({"type": "http.response.start", "status": response.status_code,
                "headers": headers})
    await send({"type": "http.response.body", "body": response.content})


class ChunkEndpoint:
    """ASGI middleware: PUTs of upload chunks are received here, the rest goes to `app`."""

    def __init__(self, app):
        self.app = app

    def chunk_route(self, scope: dict) -> dict | None:
        if scope["type"] != "http" or scope["method"] != "PUT":
            return None
        script_name = get_script_prefix(scope)
        path = scope["path"].removeprefix(script_name) if script_name else scope["path"]
        try:
            match = resolve(path)
        except Resolver404:
            return None
        return match.kwargs if match.func is views.upload_detail else None

    async def __call__(self, scope, receive, send):
        kwargs = self.chunk_route(scope)
        if kwargs is None:
            return await self.app(scope, receive, send)
        chunk = Chunk(scope, kwargs)
        refusal = await _in_a_thread(chunk.admit)
        if refusal is None and chunk.fd is None:
            return await self.app(scope, receive, send)
        response = refusal or await self.receive_body(chunk, receive)
        if response is not None:
            await _send(response, send)

    async def receive_body(self, chunk: Chunk, receive) -> HttpResponse | None:
        written = 0
        try:
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    await _in_a_thread(chunk.abandon)
                    return None
                body = message.get("body", b"")
                if body:
                    # Writes to the page cache, not the disk (commit's fdatasync waits
                    # for the disk, in the request's thread): cheap enough for the loop.
                    chunk.write(body, written)
                    written += len(body)
                if not message.get("more_body", False):
                    break
        except services.UploadError as error:
            return await _in_a_thread(chunk.abandon, error)
        except BaseException:
            if chunk.fd is not None:
                await _in_a_thread(chunk.abandon)
            raise
        return await _in_a_thread(chunk.commit, written)
