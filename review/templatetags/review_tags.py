"""Template tags of the review app, for pages other apps own."""

from django import template

from review import queries

register = template.Library()


@register.simple_tag
def episode_review(episode) -> dict:
    """The decisions a creator sees on the episode page."""
    return queries.decisions_for_creator(episode)


@register.filter
def hours(delta) -> str:
    total = int(delta.total_seconds())
    if total < 3600:
        return f"{total // 60} min"
    if total < 86400:
        return f"{total // 3600} h"
    return f"{total // 86400} d {total % 86400 // 3600} h"
