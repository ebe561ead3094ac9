"""The storyboard read in Chinese: a failed clip's badge and a refused shot's banner are in
words, not a state code or a field name with asterisks."""

import pytest

from generation.models import Job
from storyboard import services
from tests.conftest import logged_in
from tests.storyboard.conftest import url

pytestmark = pytest.mark.django_db


@pytest.fixture
def zh_client(client, owner):
    return logged_in(client, owner, "zh-hans")


def test_a_failed_clip_shows_its_state_in_chinese(zh_client, board, owner):
    shot = services.add_shot(board, "对峙", "medium", "", 3, [], None)
    shot.clip_job = Job.objects.create(
        studio=board.episode.series.studio, created_by=owner, kind=Job.Kind.MOTION,
        model_key="tiny-motion", price=1, state=Job.State.FAILED, error="显存不足")
    shot.save(update_fields=["clip_job"])

    page = zh_client.get(url("board", board.episode)).content.decode()

    assert '<span class="badge bad">失败</span>' in page
    assert ">failed<" not in page


def test_a_refused_shot_names_the_field_by_its_label(zh_client, board):
    response = zh_client.post(url("shot_add", board.episode),
                              {"new-prompt": "开场", "new-camera": "medium",
                               "new-dialogue": "", "new-duration": "90"})

    assert response.status_code == 400
    page = response.content.decode()
    assert "请检查镜头。时长（秒）：确保该值小于或等于60。" in page
    assert "* duration" not in page
