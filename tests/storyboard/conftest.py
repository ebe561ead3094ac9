"""Storyboard fixtures: a series with an episode and a funded studio; the tiny models
(built once per session, shared with the generation tests); and `run_queued`, which runs
queued generation jobs through the worker's own code path (claim, render, label, finish)
in this process, for tests that need real outputs but not a worker process."""

import itertools
from pathlib import Path

import pytest
from django.urls import reverse

from creators import services as creators
from creators.models import Category
from generation import credits
from generation import services as generation
from generation import tasks as generation_tasks
from generation.models import Job
from storyboard import services
from tests.conftest import logged_in
from tests.generation.conftest import build_models_once

_deliveries = itertools.count()


def url(name, episode, *args):
    """A storyboard page or action of the episode."""
    return reverse(f"storyboard:{name}", args=[episode.series.studio.slug, episode.ref, *args])


@pytest.fixture
def media_root(settings, tmp_path):
    """A private media folder, so a test sees exactly the files it stored."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def owner_client(client, owner):
    """The owner's client, reading the site in English."""
    return logged_in(client, owner, "en")


@pytest.fixture
def tiny_models():
    return build_models_once()


@pytest.fixture
def series(studio):
    return creators.create_series(studio, title="月下竹林", category=Category.PREMIUM_2D)


@pytest.fixture
def episode(series):
    return creators.create_episode(series, 1, "第一集")


@pytest.fixture
def board(episode):
    credits.grant(episode.series.studio, 5000, note="test")
    return services.storyboard_for(episode)


def run_queued() -> list[Job]:
    """Claims and runs every queued job, fairest first, as a gpu worker would."""
    done = []
    while True:
        job = generation.claim_for_delivery(f"test-delivery-{next(_deliveries)}", "pytest")
        if job is None:
            return done
        generation_tasks.execute(job)
        job.refresh_from_db()
        done.append(job)
