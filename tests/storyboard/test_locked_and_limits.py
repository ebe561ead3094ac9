"""The server keeps a submitted episode's storyboard as review saw it, and bounds what a
storyboard takes: the track's content (whatever its name), size and length, a reference
picture's size, a shot's text, and an episode's length before anything is encoded."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from creators import conf as creators_conf
from creators.models import Episode
from generation.models import Job
from storyboard import conf, services
from storyboard.models import Assembly, Character, Shot
from tests.conftest import logged_in
from tests.storyboard.conftest import run_queued, url
from tests.storyboard.test_assembly import tone_wav
from tests.storyboard.test_refused_input import png

# A private media folder for each test (tests/storyboard/conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


def shot_form(shot, **fields):
    data = {"prompt": shot.prompt, "camera": shot.camera, "dialogue": shot.dialogue,
            "duration": str(shot.duration), **fields}
    return {f"s{shot.pk}-{k}": v for k, v in data.items()}


def storyboard_state(board):
    board.refresh_from_db()
    shots = list(Shot.objects.filter(storyboard=board).order_by("order")
                 .values_list("pk", "order", "prompt", "keyframe_job", "clip_job", "grid_jobs"))
    return shots, board.audio.name, Job.objects.count(), Assembly.objects.count()


# --- Locked once submitted --------------------------------------------------------------


def test_a_submitted_episodes_storyboard_takes_no_post(owner_client, board, tiny_models):
    first = services.add_shot(board, prompt="第一个镜头", duration=Decimal("15"))
    second = services.add_shot(board, prompt="第二个镜头", duration=Decimal("15"))
    for shot in (first, second):
        services.generate_keyframe(shot, None, seed=3, steps=2)
    run_queued()
    for shot in (first, second):
        shot.refresh_from_db()
        services.pick_keyframe(shot, shot.grid_jobs[0])
    keyframe = str(first.keyframe_job_id)
    Episode.objects.filter(pk=board.episode_id).update(status=Episode.Status.SUBMITTED)
    before = storyboard_state(board)
    episode = board.episode

    posts = [
        ("shot_add", (), {"new-prompt": "新镜头", "new-camera": "wide", "new-duration": "3"}),
        ("shot_update", (first.pk,), shot_form(first, prompt="改过的提示词")),
        ("shot_move", (second.pk,), {"direction": "up"}),
        ("shot_duplicate", (first.pk,), {}),
        ("shot_delete", (second.pk,), {}),
        ("shot_keyframe", (first.pk,), {}),
        ("shot_keyframe", (first.pk,), {"mode": "grid"}),
        ("shot_pick", (second.pk,), {"job": keyframe, "index": "0"}),
        ("shot_edit", (first.pk,), {"instruction": "把天空改成黄昏"}),
        ("shot_animate", (first.pk,), {}),
        ("audio", (), {"audio": SimpleUploadedFile("voice.wav", tone_wav(), "audio/wav")}),
        ("assemble", (), {}),
    ]
    for name, args, data in posts:
        response = owner_client.post(url(name, episode, *args), data, follow=True)
        page = response.content.decode()
        assert "its storyboard can no longer change" in page, name
        assert storyboard_state(board) == before, name


def test_the_services_refuse_a_submitted_episode_whatever_the_caller_loaded(board):
    shot = services.add_shot(board, prompt="镜头")
    board.episode.status = Episode.Status.DRAFT  # what the caller read a moment ago
    Episode.objects.filter(pk=board.episode_id).update(status=Episode.Status.PUBLISHED)

    for attempt in (lambda: services.add_shot(board, prompt="又一个"),
                    lambda: services.update_shot(shot, "改", "wide", "", Decimal("3")),
                    lambda: services.reorder_shots(board, [shot.pk]),
                    lambda: services.delete_shot(shot)):
        with pytest.raises(services.StoryboardError, match="can no longer change"):
            attempt()
    assert list(Shot.objects.values_list("prompt", flat=True)) == ["镜头"]


def test_a_returned_episode_can_be_changed_again(owner_client, board):
    Episode.objects.filter(pk=board.episode_id).update(
        status=Episode.Status.CHANGES_REQUESTED)
    owner_client.post(url("shot_add", board.episode),
                      {"new-prompt": "按审核意见补的镜头", "new-camera": "wide",
                       "new-duration": "3"})
    assert list(Shot.objects.values_list("prompt", flat=True)) == ["按审核意见补的镜头"]


# --- The track --------------------------------------------------------------------------


def test_a_big_page_named_mp3_is_not_taken_for_audio(owner_client, board, settings):
    # Over Django's in-memory limit, so the upload lands in a temporary file that keeps
    # the name's suffix; FFmpeg's probe weighs that suffix.
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    page = (b"<html><body>" + b"<p>not a sound</p>" * 200_000 + b"</body></html>")
    response = owner_client.post(url("audio", board.episode),
                                 {"audio": SimpleUploadedFile("voice.mp3", page,
                                                              "audio/mpeg")}, follow=True)

    assert "not audio we can read" in response.content.decode()
    board.refresh_from_db()
    assert not board.audio
    assert not (Path(settings.MEDIA_ROOT) / "storyboard/audio").exists()


def test_a_big_real_track_is_still_taken_from_a_temporary_file(owner_client, board, settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    owner_client.post(url("audio", board.episode),
                      {"audio": SimpleUploadedFile("voice.mp3", tone_wav(), "audio/mpeg")})
    board.refresh_from_db()
    assert board.audio.name.endswith(".wav")  # what it is, not what it was called


def test_a_track_over_the_size_limit_is_refused_before_it_is_read(
        owner_client, board, monkeypatch):
    track = tone_wav()
    monkeypatch.setattr(conf, "AUDIO_MAX_BYTES", len(track) - 1, raising=False)
    response = owner_client.post(url("audio", board.episode),
                                 {"audio": SimpleUploadedFile("voice.wav", track)}, follow=True)

    assert "the most allowed is" in response.content.decode()
    board.refresh_from_db()
    assert not board.audio


def test_a_track_longer_than_an_episode_is_refused(owner_client, board, monkeypatch):
    monkeypatch.setattr(conf, "AUDIO_MAX_SECONDS", 2, raising=False)
    response = owner_client.post(url("audio", board.episode),
                                 {"audio": SimpleUploadedFile("voice.wav", tone_wav(3.0))},
                                 follow=True)

    assert "The track is 3 s long; an episode takes at most 2 s." in response.content.decode()
    board.refresh_from_db()
    assert not board.audio


# --- A reference picture ----------------------------------------------------------------


def test_a_reference_picture_over_the_cover_limit_leaves_no_character(
        owner_client, series, monkeypatch):
    picture = png((640, 960))
    monkeypatch.setattr(creators_conf, "COVER_MAX_BYTES", len(picture) - 1)
    response = owner_client.post(
        reverse("storyboard:characters", args=[series.studio.slug, series.slug]),
        {"name": "林月", "description": "白衣少女",
         "reference": SimpleUploadedFile("lin.png", picture, "image/png")})

    assert response.status_code == 400
    assert "the most allowed is" in response.content.decode()
    assert not Character.objects.exists()


# --- A shot's text ----------------------------------------------------------------------


@pytest.mark.parametrize("field", ["prompt", "dialogue"])
def test_a_shot_text_over_its_limit_comes_back_refused(owner_client, board, field):
    text = "竹" * 1001
    response = owner_client.post(url("shot_add", board.episode), {
        "new-prompt": "p", "new-camera": "wide", "new-duration": "3", f"new-{field}": text})

    assert response.status_code == 400
    assert "at most 1000 characters" in response.content.decode()
    assert not Shot.objects.exists()


def test_a_shot_text_at_its_limit_is_kept(owner_client, board):
    owner_client.post(url("shot_add", board.episode), {
        "new-prompt": "竹" * 1000, "new-camera": "wide", "new-duration": "3",
        "new-dialogue": "台" * 1000})
    assert Shot.objects.get().prompt == "竹" * 1000


# --- An episode's length ----------------------------------------------------------------


@pytest.mark.parametrize("durations, words", [
    (["2"], "The shots last 2 s together"),
    (["60"] * 5 + ["0.5"], "The shots last 300.5 s together"),
])
def test_an_episode_the_upload_checks_would_refuse_is_not_encoded(
        owner_client, board, tiny_models, durations, words):
    for n, seconds in enumerate(durations):
        shot = services.add_shot(board, prompt=f"镜头{n}", duration=Decimal(seconds))
        services.generate_keyframe(shot, None, seed=n, steps=2)
    run_queued()
    for shot in Shot.objects.filter(storyboard=board):
        services.pick_keyframe(shot, shot.grid_jobs[0])

    response = owner_client.post(url("assemble", board.episode), follow=True)

    assert words in response.content.decode()
    assert "an episode lasts 30 to 300 s" in response.content.decode()
    assert not Assembly.objects.exists()


def test_an_episode_of_exactly_the_limits_is_assembled(board, owner, tiny_models):
    for n, seconds in enumerate(["10", "10", "10"]):
        shot = services.add_shot(board, prompt=f"镜头{n}", duration=Decimal(seconds))
        services.generate_keyframe(shot, None, seed=n, steps=2)
    run_queued()
    for shot in Shot.objects.filter(storyboard=board):
        services.pick_keyframe(shot, shot.grid_jobs[0])
    assert services.start_assembly(board, owner, dispatch=False).state == Assembly.State.QUEUED




# --- How many shots and characters ------------------------------------------------------


def test_the_caps_default_to_200_shots_and_50_characters():
    assert (conf.SHOTS_MAX, conf.CHARACTERS_MAX) == (200, 50)


def test_a_shot_over_the_cap_comes_back_with_what_was_typed(owner_client, board, monkeypatch):
    monkeypatch.setattr(conf, "SHOTS_MAX", 2)
    for n in (1, 2):
        services.add_shot(board, prompt=f"镜头{n}")

    response = owner_client.post(url("shot_add", board.episode), {
        "new-prompt": "第三个镜头 TYPED-7731", "new-camera": "wide", "new-duration": "4",
        "new-dialogue": "没保存的台词"})

    assert response.status_code == 400
    page = response.content.decode()
    assert ("This storyboard already has 2 shots, the most a storyboard may have; delete "
            "a shot before adding another.") in page
    assert "第三个镜头 TYPED-7731" in page and "没保存的台词" in page
    assert Shot.objects.filter(storyboard=board).count() == 2


def test_a_duplicate_over_the_cap_is_refused(owner_client, board, monkeypatch):
    monkeypatch.setattr(conf, "SHOTS_MAX", 2)
    first = services.add_shot(board, prompt="镜头1")
    services.add_shot(board, prompt="镜头2")

    response = owner_client.post(url("shot_duplicate", board.episode, first.pk), follow=True)

    assert "the most a storyboard may have" in response.content.decode()
    assert Shot.objects.filter(storyboard=board).count() == 2
    with translation.override("en"), pytest.raises(services.StoryboardError,
                                                    match="already has 2 shots"):
        services.add_shot(board, prompt="镜头3")


def test_a_shot_under_the_cap_is_added(owner_client, board, monkeypatch):
    monkeypatch.setattr(conf, "SHOTS_MAX", 2)
    services.add_shot(board, prompt="镜头1")
    owner_client.post(url("shot_add", board.episode),
                      {"new-prompt": "镜头2", "new-camera": "wide", "new-duration": "3"})
    assert Shot.objects.filter(storyboard=board).count() == 2


def test_a_character_over_the_cap_comes_back_with_what_was_typed(
        owner_client, series, monkeypatch):
    monkeypatch.setattr(conf, "CHARACTERS_MAX", 1)
    services.create_character(series, "林月", "白衣少女")

    response = owner_client.post(
        reverse("storyboard:characters", args=[series.studio.slug, series.slug]),
        {"name": "师父 TYPED-8842", "description": "白须老者，青色道袍"})

    assert response.status_code == 400
    page = response.content.decode()
    assert ("This series already has 1 characters, the most a series may have; a shot can "
            "reuse one of them instead.") in page
    assert "师父 TYPED-8842" in page and "白须老者，青色道袍" in page
    assert list(Character.objects.values_list("name", flat=True)) == ["林月"]


def test_the_cap_reads_in_chinese(client, owner, board, monkeypatch):
    monkeypatch.setattr(conf, "SHOTS_MAX", 1)
    services.add_shot(board, prompt="镜头1")
    response = logged_in(client, owner, "zh-hans").post(
        url("shot_add", board.episode),
        {"new-prompt": "镜头2", "new-camera": "wide", "new-duration": "3"})
    assert "这个分镜已有 1 个镜头，已达上限；请先删除一个镜头再添加。" in response.content.decode()
