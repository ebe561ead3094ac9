"""The logged-in user from the cache instead of a query on every request.

`CachedUserBackend` is Django's ModelBackend whose `get_user` (called once per request by
the session's user lookup) reads the cache first. The entry holds the user's fields
without the password hash: the instance comes back as if loaded with `defer("password")`,
so a `save()` never writes a stale or empty password, and anything that needs the hash
(checking or changing a password) loads it from the database. What Django needs the hash
for on every request, the session's HMAC of it, is kept in the entry, computed with the
secrets in force; the key names a fingerprint of those secrets, so rotating SECRET_KEY or
its fallbacks (or the user's columns, by a migration) misses the cache rather than
trusting an old entry.

Every save or delete of a user drops the entry (now and after the commit, see
dashboard.signals), so a password change or a deactivation takes effect on the next
request. Writes that bypass signals (QuerySet.update) are caught by the entry's TTL.
"""

import hashlib
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import PermissionDenied

TTL = 600
_along: ContextVar = ContextVar("dashboard_auth_along", default=None)


def _fingerprint() -> str:
    """Of the secrets the session HMACs were made with, and of the user's fields (an entry
    written before a migration must not lend its values to other columns)."""
    fields = [f.attname for f in get_user_model()._meta.concrete_fields]
    material = "\0".join([settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS, *fields])
    return hashlib.sha256(material.encode()).hexdigest()[:16]


def user_key(user_id) -> str:
    return f"auth:user:{_fingerprint()}:{user_id}"


class _SessionHashes:
    """Stands in for `_get_session_auth_hash` while the password is not loaded; once it
    is (read from the database, or set by set_password) the real computation runs."""

    def __init__(self, user, current: str, fallbacks: list[str]):
        self.user, self.current, self.fallbacks = user, current, fallbacks

    def __call__(self, secret=None):
        if "password" not in self.user.__dict__:
            if secret is None:
                return self.current
            if secret in settings.SECRET_KEY_FALLBACKS:
                index = list(settings.SECRET_KEY_FALLBACKS).index(secret)
                if index < len(self.fallbacks):
                    return self.fallbacks[index]
        return type(self.user)._get_session_auth_hash(self.user, secret)


def _entry(user) -> dict:
    fields = {f.attname: getattr(user, f.attname) for f in user._meta.concrete_fields
              if f.attname != "password"}
    return {"fields": fields, "hash": user.get_session_auth_hash(),
            "fallbacks": list(user.get_session_auth_fallback_hash())}


def _user(entry: dict):
    User = get_user_model()
    fields = entry["fields"]
    names = [f.attname for f in User._meta.concrete_fields if f.attname in fields]
    user = User.from_db("default", names, [fields[n] for n in names])
    user._get_session_auth_hash = _SessionHashes(user, entry["hash"], entry["fallbacks"])
    return user


class CachedUserBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None and password is not None:
            # ModelBackend, listed after this one for older sessions, would only hash the
            # same wrong password a second time: a refusal here is final.
            raise PermissionDenied
        return user

    def get_user(self, user_id):
        key = user_key(user_id)
        along = _along.get()
        if along is None:
            entry = cache.get(key)
        else:
            keys_for, found = along
            extra = list(keys_for(user_id))
            got = cache.get_many([key, *extra])
            entry = got.pop(key, None)
            found.update(user_id=user_id, keys=set(extra), values=got)
        if entry is not None:
            user = _user(entry)
            return user if self.user_can_authenticate(user) else None
        user = super().get_user(user_id)
        if user is not None:
            cache.set(key, _entry(user), TTL)
        return user


def forget_user(user_id) -> None:
    cache.delete(user_key(user_id))


@contextmanager
def fetch_along(keys_for):
    """While active, the cache read of the session's user also reads `keys_for(user_id)`,
    in the same round trip; yields a dict that then holds `user_id` (as the session named
    it), `keys` (those asked) and `values` (those found). Empty if no user was read."""
    found: dict = {}
    token = _along.set((keys_for, found))
    try:
        yield found
    finally:
        _along.reset(token)
