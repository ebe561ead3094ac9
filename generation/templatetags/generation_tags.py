"""Template tags for the generation panel included in other apps' pages."""

from django import template

from generation import queries
from generation.forms import KeyframeForm
from generation.models import Job

register = template.Library()


@register.simple_tag
def keyframe_form():
    return KeyframeForm()


@register.simple_tag
def episode_jobs(episode, limit: int = 10):
    jobs = list(episode.generation_jobs.all()[:limit]) if episode is not None else []
    for job in jobs:
        job.output_list = queries.output_urls(job)
    return jobs


@register.simple_tag
def state_labels() -> dict[str, str]:
    """A job state's words by its code, for generation.js to write into a live badge."""
    return {code: str(label) for code, label in Job.State.choices}


@register.filter
def open_for_work(episode) -> bool:
    """Whether new jobs may be made for the episode (services refuses them otherwise)."""
    from creators.services import EDITABLE_STATUSES

    return episode.status in EDITABLE_STATUSES


@register.filter
def model_label(key: str) -> str:
    """A model's name in the reader's language, as the forms offer it; its key when the
    registry no longer knows it (a job of a model since removed)."""
    from django.utils.translation import gettext

    from generation import registry

    try:
        spec = registry.get(key)
    except KeyError:
        return key
    return gettext(spec.label) if spec.label else key
