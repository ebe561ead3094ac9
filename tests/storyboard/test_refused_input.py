"""What the storyboard pages do with input they refuse or check by content: a track is
stored under a name of ours whatever the user called it, a refused shot form comes back
with what was typed, a refused reference picture leaves no character behind."""

import io
import re
import struct
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from storyboard import services
from storyboard.models import Character, ReferenceImage, Shot
from tests.storyboard.conftest import url

# A private media folder for each test (tests/storyboard/conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

SCRIPT = b"<html><body><script>alert(document.cookie)</script></body></html>"
PROMPT = "雨夜的竹林，少女回头，镜头缓慢推进 UNIQUE-PROMPT-7731"


def wav_with(payload: bytes, seconds=1, rate=8000) -> bytes:
    """A valid 8-bit mono PCM WAV whose samples begin with `payload`."""
    samples = payload + b"\x80" * (seconds * rate - len(payload))
    fmt = struct.pack("<HHIIHH", 1, 1, rate, rate, 1, 8)
    body = (b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data"
            + struct.pack("<I", len(samples)) + samples)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def png(size=(64, 96), mode="RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size).save(buffer, "PNG")
    return buffer.getvalue()


# --- The audio track --------------------------------------------------------------------


def test_a_track_named_html_is_stored_under_our_name_and_served_as_audio(
        client, owner, member, board, media_root):
    client.force_login(member)  # any member may upload the track
    client.post(url("audio", board.episode),
                {"audio": SimpleUploadedFile("voice.html", wav_with(SCRIPT), "text/html")})
    board.refresh_from_db()

    assert board.audio.name.startswith(f"storyboard/audio/{board.episode.ref}-")
    assert board.audio.name.endswith(".wav") and "voice" not in board.audio.name
    assert [p.name for p in (media_root / "storyboard/audio").iterdir()] == [
        Path(board.audio.name).name]
    client.force_login(owner)  # another member opens it
    response = client.get(board.audio.url)
    assert response.status_code == 200
    assert response["Content-Type"] == "audio/wav"
    assert response["X-Content-Type-Options"] == "nosniff"


# --- The shot forms ---------------------------------------------------------------------


def test_a_new_shot_with_a_too_long_duration_comes_back_with_the_prompt(owner_client, board):
    response = owner_client.post(url("shot_add", board.episode), {
        "new-prompt": PROMPT, "new-camera": "wide", "new-dialogue": "台词一",
        "new-duration": "61"})

    assert response.status_code == 400
    page = response.content.decode()
    assert PROMPT in page and "台词一" in page
    assert "less than or equal to 60" in page
    assert not Shot.objects.exists()


def test_a_shot_update_with_a_too_long_duration_comes_back_with_the_edit(owner_client, board):
    shot = services.add_shot(board, prompt="旧的提示词")
    response = owner_client.post(url("shot_update", board.episode, shot.pk), {
        f"s{shot.pk}-prompt": PROMPT, f"s{shot.pk}-camera": "wide",
        f"s{shot.pk}-dialogue": "台词二", f"s{shot.pk}-duration": "61"})

    assert response.status_code == 400
    page = response.content.decode()
    assert PROMPT in page and "台词二" in page
    assert "less than or equal to 60" in page
    shot.refresh_from_db()
    assert shot.prompt == "旧的提示词"
    # The page's other forms still post where they did.
    assert url("shot_add", board.episode) in page


# --- Characters -------------------------------------------------------------------------


def characters_url(series):
    return reverse("storyboard:characters", args=[series.studio.slug, series.slug])


def test_a_refused_reference_picture_leaves_no_character_behind(owner_client, series,
                                                                media_root):
    bomb = png((7000, 7000), mode="1")  # 49 MP: over IMAGE_MAX_PIXELS (40 MP)
    response = owner_client.post(characters_url(series), {
        "name": "林小雨", "description": "黑发，红围巾",
        "reference": SimpleUploadedFile("ref.png", bomb, "image/png")})

    assert response.status_code == 400
    page = response.content.decode()
    assert "more than we accept" in page
    assert "林小雨" in page and "黑发，红围巾" in page  # what was typed is kept
    assert not Character.objects.exists() and not ReferenceImage.objects.exists()
    assert not list(media_root.rglob("*.*"))

    # Sent again with a picture that passes: one character, with it.
    response = owner_client.post(characters_url(series), {
        "name": "林小雨", "description": "黑发，红围巾",
        "reference": SimpleUploadedFile("ref.png", png(), "image/png")})
    assert response.status_code == 302
    reference = Character.objects.get().references.get()
    assert re.fullmatch(r"storyboard/references/reference-[0-9a-f]{12}\.png",
                        reference.image.name)


def test_a_picture_is_stored_with_the_suffix_of_its_content(series):
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32)).save(buffer, "JPEG")
    character = services.create_character(
        series, "阿竹", references=[SimpleUploadedFile("a.png", buffer.getvalue())])
    assert character.references.get().image.name.endswith(".jpg")


def test_a_second_character_of_the_same_name_is_refused_with_a_reason(owner_client, series):
    services.create_character(series, "林小雨", "黑发")
    response = owner_client.post(characters_url(series), {"name": "林小雨",
                                                          "description": "红围巾"})

    assert response.status_code == 400
    assert "already has a character named" in response.content.decode()
    assert Character.objects.get().description == "黑发"
    owner_client.cookies["django_language"] = "zh-hans"
    response = owner_client.post(characters_url(series), {"name": "林小雨"})
    assert "本系列已有名为“林小雨”的角色。" in response.content.decode()
