"""Template tags for the generation panel included in other apps' pages."""

from django import template

from generation import queries
from generation.forms import KeyframeForm

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
