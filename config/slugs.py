"""URL slugs people can read: a Chinese title becomes its pinyin (都市至尊 → du-shi-zhi-zun)
instead of the bare fallback every all-Chinese title used to share; Latin letters and
digits stay as typed, anything else is dropped."""

import functools
import re
import secrets

from django.core.signals import setting_changed
from django.db import models
from django.utils.text import slugify

_CONVERTER = re.compile(r"^<(?:(\w+):)?\w+>$")


def _routes() -> list[list[str]]:
    from django.urls import URLResolver, get_resolver

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                yield prefix + str(pattern.pattern)

    return [route.strip("/").split("/") for route in walk(get_resolver().url_patterns)]


@functools.cache
def reserved_slugs() -> frozenset[str]:
    """Words a slug may not be, read from the URLs: a literal segment where another route
    of the same shape takes a slug. A series slugged "new" would otherwise open the
    New-series form, a studio slugged "holder" the rights holder's earnings."""
    routes = _routes()
    reserved = set()
    for with_slug in routes:
        for i, part in enumerate(with_slug):
            match = _CONVERTER.match(part)
            if not match or match[1] != "slug":
                continue
            for other in routes:
                if len(other) != len(with_slug) or _CONVERTER.match(other[i]):
                    continue
                if all(a == b or _CONVERTER.match(a) or _CONVERTER.match(b)
                       for j, (a, b) in enumerate(zip(with_slug, other, strict=True))
                       if j != i):
                    reserved.add(other[i])
    return frozenset(reserved)


def readable_slug(text: str, fallback: str, max_length: int = 60) -> str:
    """The slug of text, at most max_length characters, or fallback when nothing readable
    is left (a title of punctuation, or of a script pinyin does not cover)."""
    from pypinyin import lazy_pinyin  # its dictionary is large: load it on first use

    # One syllable per Han character, separated so that xi-an and xian stay apart; what is
    # not Han comes back as typed and slugify lowers it.
    spelled = " ".join(lazy_pinyin(text or ""))
    return slugify(spelled, allow_unicode=False)[:max_length].strip("-") or fallback


def _urls_changed(setting, **kwargs):
    if setting == "ROOT_URLCONF":  # a test that swaps the URLs reads their words afresh
        reserved_slugs.cache_clear()


setting_changed.connect(_urls_changed, dispatch_uid="config.slugs.reserved")


def unique_slug(model: type[models.Model], text: str, fallback: str,
                max_length: int = 60) -> str:
    """readable_slug, with a random suffix when another row already has it (a counter would
    tell outsiders how many series or studios share a name) or when it is a word the URLs
    use in its place (reserved_slugs)."""
    root = readable_slug(text, fallback, max_length - 7)
    slug = root
    while slug in reserved_slugs() or model.objects.filter(slug=slug).exists():
        slug = f"{root}-{secrets.token_hex(3)}"
    return slug
