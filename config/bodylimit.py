"""A cap on the size of a request body, applied before Django reads a byte of it.

Django's ASGI handler spools a whole body to a temporary file before any view runs, so a
view's own size check (a cover's 20 MB, a track's 50 MB) comes after the disk has taken
whatever was sent. This wrapper refuses a body whose Content-Length is over the cap at
once, and stops one sent without a length (chunked) as soon as it passes the cap. Upload
chunks never reach it: creators.chunks writes them itself, each within its own limit.
"""

from django.conf import settings

PAGE = (
    "<!doctype html><meta charset=utf-8><title>413</title>"
    "<p>请求太大：最多 {size}。请换一个更小的文件。</p>"
    "<p>The request is too large: at most {size}. Please choose a smaller file.</p>"
)


class BodyLimit:
    def __init__(self, app, limit: int | None = None):
        self.app = app
        self.limit = limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self.limit if self.limit is not None else settings.REQUEST_BODY_MAX_BYTES
        length = dict(scope.get("headers") or ()).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            return await self._refuse(send, limit)
        seen = 0
        refused = False

        async def counted_receive():
            nonlocal seen, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    refused = True
                    await self._refuse(send, limit)
                    # Django reads a disconnect as an aborted request and answers nothing.
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message):
            if not refused:
                await send(message)

        return await self.app(scope, counted_receive, guarded_send)

    @staticmethod
    async def _refuse(send, limit: int) -> None:
        size = (f"{limit / 1024**2:g} MB" if limit >= 1024**2 else f"{limit / 1024:g} KB")
        body = PAGE.format(size=size).encode()
        await send({"type": "http.response.start", "status": 413, "headers": [
            (b"content-type", b"text/html; charset=utf-8"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]})
        await send({"type": "http.response.body", "body": body})
