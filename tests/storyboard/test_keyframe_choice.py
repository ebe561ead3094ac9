"""Which keyframe a shot has: a shot whose candidates hold one finished picture has that
picture as its keyframe (nothing to choose between), a refused assembly names the shots
still missing one and what to do on each; the "end on the next shot's keyframe" option
appears once per shot, never on the last one, and the server ignores it there."""

import re
from decimal import Decimal

import pytest
from django.utils import translation

from storyboard import services
from storyboard.models import Assembly, Shot
from tests.conftest import logged_in
from tests.storyboard.conftest import run_queued, url

# A private media folder for each test (tests/storyboard/conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

CHEAP_CLIP = {"steps": 2, "frames": 5}


def shots_with_single_keyframes(board, durations=("10", "10", "10")) -> list[Shot]:
    """Shots each with one finished single keyframe, none of them picked."""
    shots = [services.add_shot(board, prompt=f"镜头{n}", duration=Decimal(d))
             for n, d in enumerate(durations, start=1)]
    for n, shot in enumerate(shots):
        services.generate_keyframe(shot, None, seed=10 + n, steps=2)
    run_queued()
    for shot in shots:
        shot.refresh_from_db()
    return shots


def sections(page: str) -> list[str]:
    """The page's shot sections, in order."""
    return page.split('data-testid="shot"')[1:]


# --- A single finished candidate counts as chosen ---------------------------------------


def test_a_shots_only_keyframe_is_its_keyframe_for_the_assembly(board, owner, tiny_models):
    shots = shots_with_single_keyframes(board)
    assert all(shot.keyframe_job_id is None for shot in shots)  # nobody clicked

    assembly = services.start_assembly(board, owner, dispatch=False)

    assert assembly.state == Assembly.State.QUEUED
    for shot, entry in zip(shots, assembly.snapshot["shots"], strict=True):
        assert entry["keyframe"]["job"] == shot.grid_jobs[0]
        shot.refresh_from_db()
        # Stored as the pick, so a later keyframe job cannot change what was assembled.
        assert str(shot.keyframe_job_id) == shot.grid_jobs[0]


def test_a_shots_only_keyframe_animates_and_ends_the_previous_shot(board, owner, tiny_models):
    first, second, _third = shots_with_single_keyframes(board)

    clip = services.animate_shot(first, owner, use_last_frame=True, **CHEAP_CLIP)

    assert clip.params["first_job"] == first.grid_jobs[0]
    assert clip.params["last_job"] == second.grid_jobs[0]
    first.refresh_from_db()
    second.refresh_from_db()
    assert str(first.keyframe_job_id) == first.grid_jobs[0]
    assert str(second.keyframe_job_id) == second.grid_jobs[0]


def test_the_page_shows_the_only_candidate_as_chosen_and_writes_nothing(
        owner_client, board, tiny_models):
    (shot,) = shots_with_single_keyframes(board, durations=("30",))

    page = owner_client.get(url("board", board.episode)).content.decode()

    assert shot.keyframe_job_id is None
    section = sections(page)[0]
    assert 'data-testid="chosen-keyframe"' in section
    assert 'data-testid="sole-keyframe"' in section
    assert 'class="pick picked"' in section
    assert 'data-testid="animate"' in section  # it can be animated without a click
    shot.refresh_from_db()
    assert shot.keyframe_job_id is None  # looking is not choosing


def test_the_creators_pick_stands_when_a_single_keyframe_comes_later(
        board, owner, tiny_models):
    shot = services.add_shot(board, prompt="竹林", duration=Decimal("30"))
    services.generate_grid(shot, None, seed=1, steps=2)
    run_queued()
    shot.refresh_from_db()
    grid = shot.grid_jobs[0]
    services.pick_keyframe(shot, grid, 4)
    services.generate_keyframe(shot, None, seed=9, steps=2)  # one new candidate
    run_queued()

    entry = services.start_assembly(board, owner, dispatch=False).snapshot["shots"][0]

    assert (entry["keyframe"]["job"], entry["keyframe"]["index"]) == (grid, 4)


def test_a_refused_assembly_names_each_shot_and_what_to_do(owner_client, board, tiny_models):
    shots = [services.add_shot(board, prompt=f"镜头{n}", duration=Decimal("10"))
             for n in range(1, 6)]
    services.generate_grid(shots[0], None, seed=1, steps=2)  # nine candidates, no pick
    services.generate_grid(shots[2], None, seed=20, steps=2)
    services.generate_keyframe(shots[3], None, seed=3, steps=2)  # one: counts as picked
    run_queued()  # shots 2 and 5 have no keyframe at all

    response = owner_client.post(url("assemble", board.episode), follow=True)

    page = response.content.decode()
    assert "Pick a keyframe for shots 1, 3: click one candidate on each." in page
    assert ("Shots 2, 5 have no keyframe yet: press Keyframe or Nine-grid on each, then "
            "pick the picture you want.") in page
    assert not Assembly.objects.exists()
    # A refused assembly stores nothing, not even the only candidate as a pick.
    assert not Shot.objects.filter(keyframe_job__isnull=False).exists()


def test_the_refusal_reads_in_chinese(client, owner, board, tiny_models):
    zh = logged_in(client, owner, "zh-hans")
    first = services.add_shot(board, prompt="开场", duration=Decimal("15"))
    services.add_shot(board, prompt="结尾", duration=Decimal("15"))
    services.generate_grid(first, None, seed=1, steps=2)
    run_queued()

    page = zh.post(url("assemble", board.episode), follow=True).content.decode()

    assert "请为镜头 1 选定关键帧：点击一张候选图即可。" in page
    assert "镜头 2 还没有关键帧：请点击“关键帧”或“九宫格”生成，再选定想要的图。" in page


def test_animating_a_shot_without_a_pick_names_it(board, owner, tiny_models):
    first = services.add_shot(board, prompt="开场", duration=Decimal("15"))
    second = services.add_shot(board, prompt="结尾", duration=Decimal("15"))
    services.generate_grid(first, None, seed=1, steps=2)
    services.generate_grid(second, None, seed=2, steps=2)
    run_queued()
    first.refresh_from_db()
    services.pick_keyframe(first, first.grid_jobs[0], 2)

    with translation.override("en"):
        with pytest.raises(services.StoryboardError,
                           match="Pick a keyframe for shot 2 first: this shot ends on it."):
            services.animate_shot(first, owner, use_last_frame=True, **CHEAP_CLIP)
        with pytest.raises(services.StoryboardError,
                           match="Pick a keyframe for shot 2 before animating it."):
            services.animate_shot(second, owner, **CHEAP_CLIP)


# --- "End on the next shot's keyframe" --------------------------------------------------


def test_the_end_on_next_option_shows_once_per_shot_and_not_on_the_last(
        owner_client, board, tiny_models):
    for shot in shots_with_single_keyframes(board):
        services.pick_keyframe(shot, shot.grid_jobs[0])  # every shot can be animated

    page = owner_client.get(url("board", board.episode)).content.decode()

    counted = [len(re.findall(r'type="checkbox"', section)) for section in sections(page)]
    assert counted == [1, 1, 0]
    assert [section.count('data-testid="last-frame"') for section in sections(page)] == [1, 1, 0]
    assert "use_last_frame" not in page  # the shot form no longer carries a second one


def test_the_server_ignores_end_on_next_for_the_last_shot(owner_client, board, tiny_models):
    first, last = shots_with_single_keyframes(board, durations=("15", "15"))
    Shot.objects.filter(pk=last.pk).update(use_last_frame=True)  # e.g. a shot was deleted

    response = owner_client.post(url("shot_animate", board.episode, last.pk),
                                 {"last_frame": "1"}, follow=True)

    assert response.status_code == 200
    last.refresh_from_db()
    assert last.clip_job is not None and "last_job" not in last.clip_job.params
    assert last.use_last_frame is False
    # Saving the last shot with the option set stores it off as well.
    services.update_shot(last, "结尾", "wide", "", Decimal("15"), use_last_frame=True)
    last.refresh_from_db()
    assert last.use_last_frame is False
    services.update_shot(first, "开场", "wide", "", Decimal("15"), use_last_frame=True)
    first.refresh_from_db()
    assert first.use_last_frame is True


def test_saving_a_shots_form_keeps_its_end_on_next_option(owner_client, board):
    first = services.add_shot(board, prompt="开场")
    services.add_shot(board, prompt="结尾")
    Shot.objects.filter(pk=first.pk).update(use_last_frame=True)

    owner_client.post(url("shot_update", board.episode, first.pk), {
        f"s{first.pk}-prompt": "开场，改过", f"s{first.pk}-camera": "wide",
        f"s{first.pk}-dialogue": "", f"s{first.pk}-duration": "3"})

    first.refresh_from_db()
    assert first.prompt == "开场，改过" and first.use_last_frame is True


def test_a_refused_animate_returns_to_the_shot_with_its_reason_and_its_tick(
        owner_client, board, tiny_models):
    first = services.add_shot(board, prompt="开场", duration=Decimal("15"))
    services.add_shot(board, prompt="结尾", duration=Decimal("15"))  # no keyframe yet
    services.generate_keyframe(first, None, seed=1, steps=2)
    run_queued()

    response = owner_client.post(url("shot_animate", board.episode, first.pk),
                                 {"last_frame": "1"})

    assert response["Location"].endswith(f"#shot-{first.pk}")  # back where the click was
    page = owner_client.get(response["Location"]).content.decode()
    mine = sections(page)[0]
    assert 'data-testid="shot-error"' in mine
    assert "Pick a keyframe for shot 2 first: this shot ends on it." in mine
    assert 'data-testid="last-frame" checked' in mine  # the tick is as it was
    assert 'data-testid="shot-error"' not in sections(page)[1]
    first.refresh_from_db()
    assert first.clip_job is None and first.use_last_frame is True
