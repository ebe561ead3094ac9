"""A storyboard whose episode is with review or published reads as it was sent: each shot's
text as text, its keyframe candidates as pictures, no field, button or form to change
them, and the one line that says why."""

from decimal import Decimal

import pytest

from creators.models import Episode
from generation.models import Job
from storyboard import services
from storyboard.models import Shot
from tests.storyboard.conftest import url

pytestmark = pytest.mark.django_db

LOCKED = "This episode is with review or published; its storyboard can no longer change."


def shots_part(page: str) -> str:
    """The storyboard's shots, between the page's toolbar and the assembly."""
    return page[page.index('id="storyboard"'):page.index('id="assemble"')]


@pytest.fixture
def shots(board):
    """Two shots, the first with a character and a picked candidate of a nine-grid."""
    lin = services.create_character(board.episode.series, "林月", "白衣少女")
    zhu = services.create_character(board.episode.series, "阿竹", "书童")
    first = services.add_shot(board, prompt="月光下的竹林", camera="close_up",
                              dialogue="你来了\n我等你很久了", duration=Decimal("4.5"),
                              characters=[lin, zhu], reference_strength="0.35")
    second = services.add_shot(board, prompt="回眸", camera="wide", duration=Decimal("3"))
    grid = Job.objects.create(
        studio=board.episode.series.studio, kind=Job.Kind.KEYFRAME, model_key="tiny-keyframe",
        price=9, state=Job.State.SUCCEEDED, params={"num_images": 2},
        outputs=[{"path": "generation/grid-0.png", "seed": 1},
                 {"path": "generation/grid-1.png", "seed": 2}])
    Shot.objects.filter(pk=first.pk).update(grid_jobs=[str(grid.pk)], keyframe_job=grid,
                                            keyframe_index=1)
    return first, second


@pytest.mark.parametrize("status", [Episode.Status.SUBMITTED, Episode.Status.IN_REVIEW,
                                    Episode.Status.PUBLISHED])
def test_a_locked_storyboard_shows_its_shots_as_text(owner_client, board, shots, status):
    Episode.objects.filter(pk=board.episode_id).update(status=status)

    response = owner_client.get(url("board", board.episode))

    assert response.status_code == 200
    page = response.content.decode()
    assert page.count(LOCKED) == 1
    part = shots_part(page)
    for tag in ("<form", "<input", "<textarea", "<select", "<button"):
        assert tag not in part, tag
    first = part[part.index('data-order="1"'):part.index('data-order="2"')]
    for text in ("月光下的竹林", "Close-up", "你来了", "我等你很久了", "4.5", "林月", "阿竹",
                 "0.35"):
        assert text in first, text
    assert "回眸" in part and "Wide shot" in part
    # The candidates are pictures, the picked one marked; none can be picked any more.
    assert first.count("/media/generation/grid-") >= 2
    assert first.count('data-testid="candidate-view"') == 2
    assert 'data-testid="candidate"' not in first
    assert 'class="candidate-view picked"' in first
    for testid in ("new-shot", "save-shot", "keyframe", "nine-grid", "animate", "delete",
                   "assemble"):
        assert f'data-testid="{testid}"' not in page, testid


def test_an_open_storyboard_keeps_its_fields_and_buttons(owner_client, board, shots):
    page = owner_client.get(url("board", board.episode)).content.decode()

    assert LOCKED not in page
    first, _second = shots
    assert f'name="s{first.pk}-prompt"' in page and 'data-testid="save-shot"' in page
    assert 'data-testid="candidate"' in page and 'data-testid="candidate-view"' not in page


def test_a_returned_episode_is_editable_again(owner_client, board, shots):
    Episode.objects.filter(pk=board.episode_id).update(
        status=Episode.Status.CHANGES_REQUESTED)
    page = owner_client.get(url("board", board.episode)).content.decode()
    assert LOCKED not in page and 'data-testid="save-shot"' in page


def test_the_locked_storyboard_reads_in_chinese(client, owner, board, shots):
    from tests.conftest import logged_in

    Episode.objects.filter(pk=board.episode_id).update(status=Episode.Status.PUBLISHED)
    page = logged_in(client, owner, "zh-hans").get(url("board", board.episode)).content.decode()
    assert "本集已提交审核或已发布，分镜不能再修改。" in page
    part = shots_part(page)
    assert "提示词" in part and "台词 / 字幕" in part and "林月、阿竹" in part
