"""URL slugs people can read: a Chinese title becomes its pinyin (都市至尊 → du-shi-zhi-zun)
instead of the bare fallback every all-Chinese title used to share; Latin letters and
digits stay as typed, anything else is dropped."""

import secrets

from django.db import models
from django.utils.text import slugify


def readable_slug(text: str, fallback: str, max_length: int = 60) -> str:
    """The slug of text, at most max_length characters, or fallback when nothing readable
    is left (a title of punctuation, or of a script pinyin does not cover)."""
    from pypinyin import lazy_pinyin  # its dictionary is large: load it on first use

    # One syllable per Han character, separated so that xi-an and xian stay apart; what is
    # not Han comes back as typed and slugify lowers it.
    spelled = " ".join(lazy_pinyin(text or ""))
    return slugify(spelled, allow_unicode=False)[:max_length].strip("-") or fallback


def unique_slug(model: type[models.Model], text: str, fallback: str,
                max_length: int = 60) -> str:
    """readable_slug, with a random suffix when another row already has it: a counter would
    tell outsiders how many series or studios share a name."""
    root = readable_slug(text, fallback, max_length - 7)
    slug = root
    while model.objects.filter(slug=slug).exists():
        slug = f"{root}-{secrets.token_hex(3)}"
    return slug
