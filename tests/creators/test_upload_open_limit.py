"""A studio receives a bounded number of uploads at once: each may announce 2 GiB, and an
unbounded count of open ones would let one studio reserve the disk."""

import datetime

import pytest
from django.utils import timezone

from creators import conf
from creators.models import Upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def two_at_once(monkeypatch):
    monkeypatch.setattr(conf, "UPLOAD_MAX_OPEN", 2, raising=False)


def test_the_third_open_upload_is_refused_with_its_reason(uploading, episode):
    first = uploading.create(episode, "video", 10)
    second = uploading.create(episode, "cover", 10)
    third = uploading.create(episode, "video", 10)

    assert (first.status_code, second.status_code) == (201, 201)
    assert third.status_code == 429
    assert "2 uploads in progress" in third.json()["error"]
    assert Upload.objects.filter(studio=episode.series.studio).count() == 2


def test_finished_and_abandoned_uploads_do_not_count(uploading, episode):
    done = uploading.create(episode, "video", 10).json()["id"]
    stale = uploading.create(episode, "video", 10).json()["id"]
    Upload.objects.filter(pk=done).update(status=Upload.Status.DONE)
    long_ago = timezone.now() - datetime.timedelta(seconds=conf.UPLOAD_ABANDONED_AFTER_S + 60)
    Upload.objects.filter(pk=stale).update(updated_at=long_ago)

    assert uploading.create(episode, "video", 10).status_code == 201
    assert uploading.create(episode, "video", 10).status_code == 201
    assert uploading.create(episode, "video", 10).status_code == 429


def test_a_limit_of_one_names_the_one_upload_in_the_singular(uploading, episode, monkeypatch):
    monkeypatch.setattr(conf, "UPLOAD_MAX_OPEN", 1, raising=False)
    assert uploading.create(episode, "video", 10).status_code == 201
    refused = uploading.create(episode, "video", 10)
    assert refused.status_code == 429
    assert "already has 1 upload in progress; finish it before" in refused.json()["error"]
