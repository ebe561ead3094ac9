"""Storyboard pages and services: shots added, reordered, duplicated and deleted through
the views; keyframes (single, nine-grid, one-sentence edit) queued through the engine;
nothing of another studio usable or visible."""

from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.urls import reverse
from PIL import Image

from creators import services as creators
from creators.models import Category
from generation import pipelines
from generation import services as generation
from generation.models import Job
from storyboard import services
from storyboard.models import Character, Shot
from tests.storyboard.conftest import run_queued, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


def post_shot(client, episode, prompt, **extra):
    data = {"new-prompt": prompt, "new-camera": "medium", "new-dialogue": "",
            "new-duration": "3", **extra}
    return client.post(url("shot_add", episode), data)


def test_it_adds_reorders_duplicates_and_deletes_shots(owner_client, board):
    episode = board.episode
    for prompt in ("开场", "对峙", "结尾"):
        assert post_shot(owner_client, episode, prompt).status_code == 302
    shots = list(board.shots.order_by("order"))
    assert [s.prompt for s in shots] == ["开场", "对峙", "结尾"]

    owner_client.post(url("shot_move", episode, shots[2].pk), {"direction": "up"})
    assert list(board.shots.values_list("prompt", flat=True)) == ["开场", "结尾", "对峙"]
    owner_client.post(url("shot_duplicate", episode, shots[0].pk))
    assert list(board.shots.values_list("prompt", flat=True)) == ["开场", "开场", "结尾", "对峙"]
    owner_client.post(url("shot_delete", episode, shots[0].pk))
    assert list(board.shots.values_list("prompt", flat=True)) == ["开场", "结尾", "对峙"]
    assert list(board.shots.values_list("order", flat=True)) == [1, 2, 3]

    page = owner_client.get(url("board", episode)).content.decode()
    assert page.count('data-testid="hook"') == 1  # only the first shot is the hook
    assert page.index('data-testid="hook"') < page.index("结尾")


def test_it_hides_other_studios_storyboards(client, outsider, board):
    services.add_shot(board, prompt="秘密")
    shot = board.shots.get()
    episode = board.episode
    client.force_login(outsider)
    assert client.get(url("board", episode)).status_code == 404
    assert client.get(url("state", episode)).status_code == 404
    for name in ("shot_add", "audio", "assemble", "submit"):
        assert client.post(url(name, episode)).status_code == 404, name
    for name in ("shot_update", "shot_move", "shot_duplicate", "shot_delete", "shot_keyframe",
                 "shot_pick", "shot_edit", "shot_animate"):
        assert client.post(url(name, episode, shot.pk)).status_code == 404, name
    chars = reverse("storyboard:characters", args=["dawn", episode.series.slug])
    assert client.get(chars).status_code == 404
    assert client.post(chars, {"name": "闯入者"}).status_code == 404
    assert board.shots.count() == 1 and not Job.objects.exists()
    assert "秘密" not in client.get(reverse("storyboard:index")).content.decode()


def test_a_shot_cannot_use_another_studios_character(owner_client, board, other_studio):
    theirs = creators.create_series(other_studio, title="别人的剧", category=Category.STANDARD)
    stranger = services.create_character(theirs, "外人", "红衣")
    mine = services.create_character(board.episode.series, "林月", "白衣少女")
    with pytest.raises(services.StoryboardError):
        services.add_shot(board, prompt="x", characters=[stranger])
    shot = services.add_shot(board, prompt="x", characters=[mine])
    with pytest.raises(services.StoryboardError):
        services.update_shot(shot, "x", "wide", "", Decimal("2"), [mine, stranger])
    # Through the page: the foreign id is not a valid choice and nothing changes.
    owner_client.post(url("shot_update", board.episode, shot.pk), {
        f"s{shot.pk}-prompt": "y", f"s{shot.pk}-camera": "wide", f"s{shot.pk}-duration": "2",
        f"s{shot.pk}-characters": [stranger.pk]})
    shot.refresh_from_db()
    assert shot.prompt == "x" and list(shot.characters.all()) == [mine]
    assert "白衣少女" in services.keyframe_prompt(shot)
    assert Character.objects.filter(series=board.episode.series).count() == 1


def test_a_shot_cannot_use_another_studios_keyframe(owner_client, board, other_studio,
                                                    outsider, tiny_models):
    from generation import credits

    credits.grant(other_studio, 100, note="test")
    theirs = generation.submit_job(other_studio, outsider, "tiny-keyframe",
                                   {"prompt": "别人的", "steps": 2}, dispatch=False)
    run_queued()
    assert Job.objects.get(pk=theirs.pk).state == "succeeded"
    shot = services.add_shot(board, prompt="x")
    with pytest.raises(services.StoryboardError):
        services.pick_keyframe(shot, theirs.pk)
    owner_client.post(url("shot_pick", board.episode, shot.pk), {"job": str(theirs.pk)})
    assert Shot.objects.get(pk=shot.pk).keyframe_job_id is None
    # Nor as the last frame of an animation: the next shot "picked" it by force.
    services.generate_keyframe(shot, None, seed=3, steps=2)
    run_queued()
    shot.refresh_from_db()
    services.pick_keyframe(shot, shot.grid_jobs[0])
    following = services.add_shot(board, prompt="y")
    Shot.objects.filter(pk=following.pk).update(keyframe_job=theirs)
    with pytest.raises(services.StoryboardError):
        services.animate_shot(shot, None, use_last_frame=True)


def test_a_nine_grid_queues_one_job_of_nine_candidates_priced_as_nine_images(
        owner_client, board, tiny_models):
    from generation import credits, registry

    shot = services.add_shot(board, prompt="竹林")
    before = credits.balance(board.episode.series.studio)
    owner_client.post(url("shot_keyframe", board.episode, shot.pk), {"mode": "grid"})
    shot.refresh_from_db()
    assert len(shot.grid_jobs) == 1 and Job.objects.count() == 1
    job = Job.objects.get(pk=shot.grid_jobs[0])
    assert job.params["num_images"] == 9
    seeds = job.params["seeds"]
    assert seeds == list(range(job.params["seed"], job.params["seed"] + 9))
    assert len(set(job.params["prompts"])) > 1  # camera variants
    one = registry.get("tiny-keyframe").price_for(job.params)
    assert job.price == 9 * one
    assert credits.balance(board.episode.series.studio) == before - 9 * one
    page = owner_client.get(url("board", board.episode)).content.decode()
    assert page.count('data-testid="job"') == 1  # queued: one job shown with progress
    assert 'data-count="9"' in page
    state = owner_client.get(url("state", board.episode)).json()
    assert state["running"] == [str(job.pk)]

    owner_client.post(url("shot_pick", board.episode, shot.pk), {"job": str(job.pk),
                                                                 "index": "4"})
    assert Shot.objects.get(pk=shot.pk).keyframe_job_id is None  # not finished yet


def test_a_one_sentence_edit_renders_the_keyframe_again_image_to_image(
        owner_client, board, tiny_models):
    shot = services.add_shot(board, prompt="竹林")
    services.generate_keyframe(shot, None, seed=42, steps=2)
    run_queued()
    shot.refresh_from_db()
    owner_client.post(url("shot_pick", board.episode, shot.pk), {"job": shot.grid_jobs[0]})
    owner_client.post(url("shot_edit", board.episode, shot.pk), {"instruction": "改成夜晚"})
    shot.refresh_from_db()
    edit = Job.objects.get(pk=shot.grid_jobs[0])
    assert edit.params["seed"] == 42 and edit.params["steps"] == 2
    assert edit.params["prompt"].endswith("改成夜晚")
    assert edit.params["edit_of"] == str(shot.keyframe_job_id)
    assert edit.model_key == "tiny-keyframe-edit" and edit.params["strength"] == 0.6
    assert edit.params["init_job"] == str(shot.keyframe_job_id)
    run_queued()
    edit.refresh_from_db()
    assert edit.state == "succeeded", edit.error
    assert edit.provenance["inputs"]["init_image"]["path"] == shot.keyframe_job.outputs[0]["path"]
    again = pipelines.reproduce(edit.provenance)
    assert pipelines.frames_sha256(again) == edit.provenance["output_sha256"]
    with Image.open(Path(settings.MEDIA_ROOT) / edit.outputs[0]["path"]) as image:
        edited = np.asarray(image.convert("RGB")).astype(int)
    with Image.open(Path(settings.MEDIA_ROOT) / shot.keyframe_job.outputs[0]["path"]) as image:
        original = np.asarray(image.convert("RGB")).astype(int)
    assert edited.shape == original.shape and np.abs(edited - original).mean() > 0


def test_an_edit_cannot_start_from_another_studios_keyframe(board, other_studio, outsider,
                                                             tiny_models):
    from generation import credits

    credits.grant(other_studio, 100, note="test")
    theirs = generation.submit_job(other_studio, outsider, "tiny-keyframe",
                                   {"prompt": "别人的", "steps": 2}, dispatch=False)
    run_queued()
    with pytest.raises(generation.JobError):
        generation.submit_job(board.episode.series.studio, None, "tiny-keyframe-edit",
                              {"init_job": str(theirs.pk)}, dispatch=False)


def test_the_demo_storyboard_loads_once():
    from creators import demo as creators_demo
    from creators.services import create_studio
    from storyboard import demo
    from tests.conftest import make_user

    create_studio(make_user("lin"), "月光动画", slug="moonlight")
    creators_demo.load()
    demo.load()
    demo.load()
    board = services.storyboard_for(
        creators.Episode.objects.get(series__studio__slug="moonlight", number=1))
    assert board.shots.count() == 3 and board.shots.get(order=1).is_hook
    assert Character.objects.filter(series=board.episode.series).count() == 2


def test_looking_at_an_episodes_storyboard_writes_nothing(owner_client, episode):
    from storyboard.models import Storyboard

    assert owner_client.get(url("board", episode)).status_code == 200
    state = owner_client.get(url("state", episode))
    assert state.status_code == 200 and state.json()["running"] == []
    assert not Storyboard.objects.filter(episode=episode).exists()

    post_shot(owner_client, episode, "第一个镜头")  # the first change makes it
    assert Storyboard.objects.get(episode=episode).shots.count() == 1
    assert "第一个镜头" in owner_client.get(url("board", episode)).content.decode()


def test_a_member_finds_the_storyboard_from_the_menu_and_the_episode(owner_client, episode,
                                                                      other_studio):
    """Nothing linked to the storyboard: the pages existed, reachable only by address."""
    owner_client.cookies["django_language"] = "zh-hans"
    board = url("board", episode)

    home = owner_client.get(reverse("creators:studio", args=[episode.series.studio.slug]))
    assert (f'<a href="{reverse("storyboard:index")}" data-nav="storyboard">分镜</a>'
            in home.content.decode())
    listing = owner_client.get(reverse("storyboard:index")).content.decode()
    assert f'href="{board}"' in listing
    page = owner_client.get(reverse("creators:episode",
                                    args=[episode.series.studio.slug, episode.ref]))
    assert f'href="{board}" data-testid="open-storyboard">打开分镜</a>' in page.content.decode()
    assert owner_client.get(board).status_code == 200


@pytest.mark.parametrize("language, shown", [("zh-hans", "中景 · 3 秒"), ("en", "Medium shot · 2.50 s")])
def test_a_shots_length_reads_in_the_readers_unit(owner_client, board, language, shown):
    """It read "3.00 s" on a Chinese page."""
    owner_client.cookies["django_language"] = language
    post_shot(owner_client, board.episode, "开场", **{"new-duration": "3" if language != "en"
                                                     else "2.5"})
    body = owner_client.get(url("board", board.episode)).content.decode()
    assert f'<span class="muted">{shown}</span>' in body
