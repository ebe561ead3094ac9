"""Files under /media/ are served only to those who may see them."""

from pathlib import Path

import pytest
from django.conf import settings

from creators.models import Episode, Series
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def put(relative: str, data: bytes = b"\x89PNG fake") -> str:
    target = Path(settings.MEDIA_ROOT) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return f"{settings.MEDIA_URL}{relative}"


def test_a_jobs_output_is_for_its_studio_only(client, studio, owner, member, outsider):
    url = put(f"generation/{studio.id}/8c1f/keyframe.png")
    for user, status in ((owner, 200), (member, 200), (outsider, 404)):
        client.force_login(user)
        assert client.get(url).status_code == status, user
    client.logout()
    assert client.get(url).status_code == 404


def test_episode_files_are_for_the_studio_and_reviewers(client, studio, owner, outsider):
    series = Series.objects.create(studio=studio, slug="s1", title="S", category="standard")
    episode = Episode.objects.create(series=series, number=1, title="E", ref="EP-T-1")
    url = put("episodes/videos/ep-t-1.mp4", b"video")
    episode.video.name = "episodes/videos/ep-t-1.mp4"
    episode.save(update_fields=["video"])
    client.force_login(owner)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"video"
    client.force_login(make_user("rev", is_reviewer=True, is_creator=False))
    assert client.get(url).status_code == 200
    client.force_login(outsider)
    assert client.get(url).status_code == 404


def test_unknown_files_and_traversal_are_not_served(client, owner):
    client.force_login(owner)
    assert client.get(put("elsewhere/secret.txt")).status_code == 404
    assert client.get(f"{settings.MEDIA_URL}studios/avatars/../../etc/passwd").status_code == 404


def test_avatars_are_public(client):
    assert client.get(put("studios/avatars/a.png")).status_code == 200
