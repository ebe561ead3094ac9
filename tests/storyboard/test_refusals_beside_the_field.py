"""A refused one-sentence edit or track upload says its own reason beside its field, on the
storyboard page sent again: the edit keeps the instruction that was typed, the upload says
whether the file was missing, empty, too big, not audio or too long."""

import html
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from creators.models import Episode
from generation.models import Job, Wallet
from storyboard import conf, services
from tests.conftest import logged_in
from tests.storyboard.conftest import run_queued, url
from tests.storyboard.test_assembly import tone_wav

# A private media folder for each test (tests/storyboard/conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


def errors(page: str, testid: str) -> list[str]:
    return [html.unescape(e) for e in
            re.findall(rf'data-testid="{testid}"[^>]*>([^<]*)<', page)]


def instruction_box(page: str) -> str:
    """The value of the (only) one-sentence edit box."""
    (box,) = re.findall(r'<input[^>]*data-testid="edit-instruction"[^>]*>', page)
    value = re.search(r'value="([^"]*)"', box)
    return html.unescape(value.group(1)) if value else ""


# --- The one-sentence edit --------------------------------------------------------------


@pytest.fixture
def picked_shot(board, tiny_models):
    shot = services.add_shot(board, prompt="竹林")
    services.generate_keyframe(shot, None, seed=7, steps=2)
    run_queued()
    shot.refresh_from_db()
    services.pick_keyframe(shot, shot.grid_jobs[0])
    shot.refresh_from_db()
    return shot


def test_a_too_long_instruction_comes_back_in_its_box_with_the_limit(
        owner_client, board, picked_shot):
    jobs = Job.objects.count()
    instruction = "把天空改成黄昏，" * 40  # 320 characters: over the 200 the box takes

    response = owner_client.post(url("shot_edit", board.episode, picked_shot.pk),
                                 {"instruction": instruction})

    assert response.status_code == 400
    page = response.content.decode()
    assert instruction_box(page) == instruction
    (error,) = errors(page, "edit-error")
    assert "at most 200 characters" in error and "320" in error
    assert "Say in one sentence what should change." not in page
    assert Job.objects.count() == jobs


def test_a_blank_instruction_is_asked_for_beside_the_box(owner_client, board, picked_shot):
    response = owner_client.post(url("shot_edit", board.episode, picked_shot.pk),
                                 {"instruction": "   "})

    assert response.status_code == 400
    assert errors(response.content.decode(), "edit-error") == [
        "Say in one sentence what should change."]


def test_an_edit_refused_for_credits_keeps_the_instruction(owner_client, board, picked_shot):
    Wallet.objects.filter(studio=board.episode.series.studio).update(balance=0)

    response = owner_client.post(url("shot_edit", board.episode, picked_shot.pk),
                                 {"instruction": "改成夜晚，下着雨"})

    assert response.status_code == 400
    page = response.content.decode()
    assert instruction_box(page) == "改成夜晚，下着雨"
    assert "Not enough credits for this job." in errors(page, "shot-error")
    # Unsaved for the page's script, which then leaves the reload to the user.
    assert re.search(r'<form [^>]*/edit/#shot-\d+"[^>]* data-unsaved', page)


def test_the_limit_reads_in_chinese(client, owner, board, picked_shot):
    response = logged_in(client, owner, "zh-hans").post(
        url("shot_edit", board.episode, picked_shot.pk), {"instruction": "改" * 201})

    (error,) = errors(response.content.decode(), "edit-error")
    assert "200" in error and "201" in error and "characters" not in error


# --- The track --------------------------------------------------------------------------


def upload(owner_client, board, data):
    return owner_client.post(url("audio", board.episode), data)


@pytest.mark.parametrize(("data", "reason"), [
    ({}, "Choose an audio file."),
    ({"audio": SimpleUploadedFile("voice.wav", b"")}, "The submitted file is empty."),
    ({"audio": SimpleUploadedFile("voice.wav", b"<html>not a sound</html>" * 50)},
     "This file is not audio we can read."),
])
def test_a_refused_track_says_why_beside_the_field(owner_client, board, data, reason):
    response = upload(owner_client, board, data)

    assert response.status_code == 400
    page = response.content.decode()
    assert errors(page, "audio-error") == [reason]
    assert "#assemble" in re.search(r'action="([^"]*/audio/[^"]*)"', page).group(1)
    board.refresh_from_db()
    assert not board.audio


def test_a_track_over_the_size_limit_says_the_limit_beside_the_field(
        owner_client, board, monkeypatch):
    track = tone_wav()
    monkeypatch.setattr(conf, "AUDIO_MAX_BYTES", len(track) - 1, raising=False)

    response = upload(owner_client, board, {"audio": SimpleUploadedFile("voice.wav", track)})

    assert response.status_code == 400
    (error,) = errors(response.content.decode(), "audio-error")
    assert error.startswith("The track is ") and "the most allowed is" in error


def test_a_track_longer_than_an_episode_says_so_beside_the_field(
        owner_client, board, monkeypatch):
    monkeypatch.setattr(conf, "AUDIO_MAX_SECONDS", 2, raising=False)

    response = upload(owner_client, board,
                      {"audio": SimpleUploadedFile("voice.wav", tone_wav(3.0))})

    assert response.status_code == 400
    assert errors(response.content.decode(), "audio-error") == [
        "The track is 3 s long; an episode takes at most 2 s."]


def test_a_good_track_still_goes_back_to_the_assembly(owner_client, board):
    response = upload(owner_client, board, {"audio": SimpleUploadedFile("voice.wav",
                                                                        tone_wav())})

    assert response.status_code == 302 and response["Location"].endswith("#assemble")
    board.refresh_from_db()
    assert board.audio.name.endswith(".wav")


# --- A locked episode -------------------------------------------------------------------


def test_a_submitted_episode_says_it_is_locked_whatever_was_sent(owner_client, board):
    shot = services.add_shot(board, prompt="竹林")
    Episode.objects.filter(pk=board.episode_id).update(status=Episode.Status.SUBMITTED)
    # Neither form is on a locked page, so neither could show its field's reason.
    for response in (
            owner_client.post(url("shot_edit", board.episode, shot.pk), {"instruction": ""},
                              follow=True),
            owner_client.post(url("audio", board.episode), {}, follow=True)):
        page = response.content.decode()
        assert "its storyboard can no longer change" in page
        assert 'data-testid="edit-error"' not in page and 'data-testid="audio-error"' not in page
