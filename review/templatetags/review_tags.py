"""Template tags of the review app, for pages other apps own."""

from django import template
from django.utils.translation import gettext as _

from review import checks, queries

register = template.Library()


@register.simple_tag
def episode_review(episode) -> dict:
    """The decisions a creator sees on the episode page."""
    return queries.decisions_for_creator(episode)


@register.filter
def hours(delta) -> str:
    total = int(delta.total_seconds())
    if total < 3600:
        return _("%(n)s min") % {"n": total // 60}
    if total < 86400:
        return _("%(n)s h") % {"n": total // 3600}
    return _("%(d)s d %(h)s h") % {"d": total // 86400, "h": total % 86400 // 3600}


@register.filter
def flag_label(code: str) -> str:
    """A check's code (a queue flag) in the reviewer's words; an unknown code as it is."""
    return str(queries.FLAG_LABELS.get(code, code))


@register.filter
def reason_labels(codes) -> str:
    """A decision's reasons (stored as codes) in the reader's words, listed as the reader's
    language lists them: "版权、质量", "Copyright, Quality"."""
    from creators.services import human_list
    from review.models import Decision

    labels = dict(Decision.Reason.choices)
    return human_list(labels.get(code, code) for code in codes or ())


@register.filter
def check_message(entry: dict) -> str:
    """An automatic check's message in the reader's language (checks.message_text)."""
    return checks.message_text(entry)
