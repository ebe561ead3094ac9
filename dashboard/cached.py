"""The chart endpoint's cached path, and the versions that make its entries stale.

A cached request reads five keys in one round trip, the one that reads the session's user
(dashboard.auth.fetch_along): the user's studios (slug → studio id), the user's
generation, the figures version, the studio's version, and the chart entry. An entry counts
only if it was written under the versions read now:

- the user's generation changes whenever one of the user's memberships is saved or
  deleted, or a studio they belong to is renamed, so a removed member is refused on the
  next request;
- the figures version changes whenever settlement or the ledger writes (a run, a
  transaction: payouts included), for every studio at once;
- a studio's version changes when its series or episode durations change (the
  per-minute chart), for that studio only.

Versions are random tokens, not counters: a key evicted and made again never repeats an
old value. Each change bumps now and again after its transaction commits, so a request
that read the database before the commit cannot leave its answer under the new version.
"""

import json
import uuid

from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

FIGURES = "dashboard:v:figures"
MAP_TTL = 600
CHART_TTL = 3600


def studios_key(user_id) -> str:
    return f"dashboard:studios:{user_id}"


def user_gen_key(user_id) -> str:
    return f"dashboard:v:user:{user_id}"


def studio_key(slug: str) -> str:
    return f"dashboard:v:studio:{slug}"


def chart_key(slug: str, days: int) -> str:
    return f"dashboard:charts:{slug}:{days}"


def _token() -> str:
    return uuid.uuid4().hex[:16]


def bump(*keys: str) -> None:
    """A new version for each key, now and once more after the commit."""
    if not keys:
        return

    def write():
        cache.set_many({key: _token() for key in keys}, None)

    write()
    transaction.on_commit(write, robust=True)


def _version(key: str, found: dict) -> str:
    if key in found:
        return found[key]
    cache.add(key, _token(), None)
    return cache.get(key)


def _memberships(user_id) -> dict:
    from creators.models import Membership

    return dict(Membership.objects.filter(user_id=user_id)
                .values_list("studio__slug", "studio_id"))


def chart_keys(user_id, slug: str, days: int) -> list[str]:
    return [studios_key(user_id), user_gen_key(user_id), FIGURES, studio_key(slug),
            chart_key(slug, days)]


def chart_json(user, slug: str, days: int, compute, along: dict | None = None) -> bytes | None:
    """The chart JSON of a studio the user is a member of, as bytes ready to send; None
    when the user is not a member. `compute(studio)` builds the figures on a miss.
    `along`: what dashboard.auth.fetch_along read with the user, if it was this user's."""
    keys = chart_keys(user.pk, slug, days)
    skey, gkey, _, vkey, ckey = keys
    if along and along.get("user_id") == user.pk and along["keys"] == set(keys):
        found = along["values"]
    else:
        found = cache.get_many(keys)
    gen = _version(gkey, found)
    mapped = found.get(skey)
    if mapped is None or mapped[0] != gen:
        mapped = (gen, _memberships(user.pk))
        cache.set(skey, mapped, MAP_TTL)
    studio_id = mapped[1].get(slug)
    if studio_id is None:
        return None
    versions = (_version(FIGURES, found), _version(vkey, found), studio_id)
    hit = found.get(ckey)
    if hit is not None and hit[0] == versions:
        return hit[1]
    from creators.models import Studio

    studio = Studio.objects.filter(pk=studio_id).first()
    if studio is None:
        return None
    body = json.dumps(compute(studio, days), cls=DjangoJSONEncoder).encode()
    cache.set(ckey, (versions, body), CHART_TTL)
    return body
