"""WebSocket for a studio's live notifications; only the studio's members may listen.

Membership is checked on connect and again whenever it ends: every socket also joins its
user's group, and a membership deleted, or a user deactivated or deleted, sends
`access.revoked` there (creators.notify.revoke_sockets), which closes the sockets of that
studio (or all of the user's) with 4403, so a removed member hears nothing more.

A session's end closes its sockets too: every socket joins its session's group, and a
logout sends `access.revoked` there. A password change closes all of the user's sockets
with RECHECK: a page whose session is still valid reconnects, and one holding a session
the change ended is refused when it tries (Channels checks the session's auth hash)."""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header

from creators.queries import is_member

REFUSED = 4403  # the pages do not reconnect after this code
RECHECK = 4001  # the pages reconnect, and the connect checks the session again


def studio_group(studio_id: int) -> str:
    return f"studio-{studio_id}"


def user_group(user_id: int) -> str:
    return f"user-{user_id}"


def session_group(session_key: str) -> str:
    return f"session-{session_key}"


def scope_language(scope) -> str:
    """The page's language, as LocaleMiddleware chose it for the page: the language cookie,
    else Accept-Language, else the site's default."""
    candidates = [scope.get("cookies", {}).get(settings.LANGUAGE_COOKIE_NAME)]
    accept = dict(scope.get("headers", ())).get(b"accept-language", b"").decode("latin-1")
    candidates += [code for code, _q in parse_accept_lang_header(accept) if code != "*"]
    for code in filter(None, candidates):
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


def localised(payload: dict, language: str) -> dict:
    """A payload's `message_i18n` ([msgid, params], from creators.notify.message_for) as
    `message` in the listener's language: one event, shown to each page in its own."""
    if "message_i18n" not in payload:
        return payload
    payload = dict(payload)
    msgid, params = payload.pop("message_i18n")
    with translation.override(language):
        payload["message"] = translation.gettext(msgid) % params
    return payload


class StudioAccessMixin:
    """For a consumer that streams one studio's events: `join(studio_id, *groups)` after
    the membership check, and the close on `access.revoked`."""

    studio_id: int | None = None
    revoked = False

    async def join(self, studio_id: int, *groups: str) -> None:
        self.studio_id = studio_id
        self.language = scope_language(self.scope)
        self.groups_joined = [*groups, user_group(self.scope["user"].pk)]
        session_key = getattr(self.scope.get("session"), "session_key", None)
        if session_key:
            self.groups_joined.append(session_group(session_key))
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)

    async def leave(self) -> None:
        for group in getattr(self, "groups_joined", ()):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def access_revoked(self, event):
        if event.get("studio_id") in (None, self.studio_id):
            # Leave the groups now: the server reports the disconnect only later, and what
            # reaches the groups meanwhile must not be forwarded.
            self.revoked = True
            await self.leave()
            await self.close(code=RECHECK if event.get("recheck") else REFUSED)

    async def forward(self, event):
        if not self.revoked:
            await self.send_json(localised(event["payload"], self.language))


class StudioConsumer(StudioAccessMixin, AsyncJsonWebsocketConsumer):
    async def connect(self):
        user = self.scope.get("user")
        studio_id = int(self.scope["url_route"]["kwargs"]["studio_id"])
        if user is None or not await database_sync_to_async(is_member)(user, studio_id):
            await self.close(code=REFUSED)
            return
        await self.join(studio_id, studio_group(studio_id))
        await self.accept()

    async def disconnect(self, code):
        await self.leave()

    studio_event = StudioAccessMixin.forward
