"""A series' characters can be renamed, re-described, given or relieved of reference
pictures, and deleted, with the checks creation has (a name once per series, pictures
checked by their content, a cap on pictures), only within the member's studio. A deleted
character's shots stay, without it; keyframes already made, and what a submitted
episode's assembly froze, keep what they were made with."""

import hashlib
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from creators import services as creators
from creators.models import Category, Episode
from storyboard import conf, services
from storyboard.models import Character, ReferenceImage, Shot
from tests.conftest import logged_in
from tests.storyboard.conftest import run_queued

pytestmark = pytest.mark.django_db


def picture(color=(200, 40, 40), size=(48, 64), image_format="PNG",
            name="lin.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, image_format)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def characters_url(series):
    return reverse("storyboard:characters", args=[series.studio.slug, series.slug])


def edit_url(character):
    series = character.series
    return reverse("storyboard:character_edit",
                   args=[series.studio.slug, series.slug, character.pk])


def delete_url(character):
    series = character.series
    return reverse("storyboard:character_delete",
                   args=[series.studio.slug, series.slug, character.pk])


@pytest.fixture
def lin(series):
    return services.create_character(series, "林月", "白衣少女", [picture()])


# --- Editing ----------------------------------------------------------------------------


def test_the_characters_page_links_each_character_to_its_edit_page(owner_client, lin):
    page = owner_client.get(characters_url(lin.series)).content.decode()
    assert f'href="{edit_url(lin)}"' in page
    assert f'action="{delete_url(lin)}"' in page


def test_the_edit_page_shows_the_character_and_says_what_an_edit_changes(owner_client, lin):
    response = owner_client.get(edit_url(lin))

    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="林月"' in page and "白衣少女" in page
    assert lin.references.get().image.url in page
    assert ("Keyframes already made keep the description and pictures they were made "
            "with") in page


def test_a_member_renames_and_redescribes_a_character(client, member, lin):
    client = logged_in(client, member, "en")
    response = client.post(edit_url(lin), {"name": " 林小月 ", "description": "白衣，持剑"})

    assert response.status_code == 302
    assert response["Location"] == characters_url(lin.series)
    lin.refresh_from_db()
    assert (lin.name, lin.description) == ("林小月", "白衣，持剑")
    assert lin.references.count() == 1  # its picture stays


def test_a_new_description_reaches_the_next_keyframe_prompt(board):
    lin = services.create_character(board.episode.series, "林月", "白衣少女")
    shot = services.add_shot(board, prompt="竹林", characters=[lin])
    services.update_character(lin, "林月", "黑衣刺客")
    assert "黑衣刺客" in services.keyframe_prompt(shot)
    assert "白衣少女" not in services.keyframe_prompt(shot)


def test_a_rename_to_a_name_the_series_has_is_refused_beside_the_field(owner_client, lin):
    services.create_character(lin.series, "阿竹", "书童")
    response = owner_client.post(edit_url(lin), {"name": "阿竹", "description": "改过的描述"})

    assert response.status_code == 400
    page = response.content.decode()
    assert "This series already has a character named 阿竹." in page
    assert "改过的描述" in page  # what was typed comes back
    lin.refresh_from_db()
    assert (lin.name, lin.description) == ("林月", "白衣少女")


def test_the_same_name_in_another_series_is_fine(owner_client, lin, studio):
    other = creators.create_series(studio, title="另一部剧", category=Category.STANDARD)
    services.create_character(other, "阿竹", "书童")
    assert owner_client.post(edit_url(lin), {"name": "阿竹"}).status_code == 302
    assert Character.objects.filter(name="阿竹").count() == 2


def test_a_picture_is_added_checked_by_its_content(owner_client, lin):
    response = owner_client.post(edit_url(lin), {
        "name": "林月", "description": "白衣少女",
        "reference": picture((10, 10, 200), image_format="JPEG", name="second.png")})

    assert response.status_code == 302
    names = sorted(r.image.name for r in lin.references.all())
    assert len(names) == 2 and any(n.endswith(".jpg") for n in names)  # what it is


def test_a_picture_that_is_not_one_we_take_is_refused_and_nothing_changes(owner_client, lin):
    gif = picture(image_format="GIF", name="sneaky.png")  # Pillow reads it; we do not take it
    response = owner_client.post(edit_url(lin), {"name": "林月 改", "description": "新描述",
                                                 "reference": gif})

    assert response.status_code == 400
    page = response.content.decode()
    assert "The image must be JPEG, PNG or WebP." in page
    assert "林月 改" in page and "新描述" in page
    lin.refresh_from_db()
    assert (lin.name, lin.references.count()) == ("林月", 1)


def test_a_picture_is_removed_and_its_file_goes_when_no_keyframe_used_it(
        owner_client, lin, django_capture_on_commit_callbacks):
    reference = lin.references.get()
    path = Path(reference.image.path)
    assert path.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(edit_url(lin), {"name": "林月", "description": "白衣少女",
                                                     "remove": [reference.pk]})

    assert response.status_code == 302
    assert not ReferenceImage.objects.exists()
    assert not path.exists()


def test_another_characters_picture_cannot_be_removed(owner_client, lin, series):
    zhu = services.create_character(series, "阿竹", "书童", [picture((0, 200, 0))])
    theirs = zhu.references.get()
    response = owner_client.post(edit_url(lin), {"name": "林月", "remove": [theirs.pk]})

    assert response.status_code == 400
    assert ReferenceImage.objects.filter(pk=theirs.pk).exists()


def test_the_picture_cap_defaults_to_five():
    assert conf.REFERENCES_MAX == 5


def test_pictures_over_the_cap_are_refused_with_what_was_typed(owner_client, lin,
                                                                monkeypatch):
    monkeypatch.setattr(conf, "REFERENCES_MAX", 1)
    response = owner_client.post(edit_url(lin), {
        "name": "林月", "description": "新描述 TYPED-4410", "reference": picture((0, 0, 255))})

    assert response.status_code == 400
    page = response.content.decode()
    assert ("A character has at most 1 reference pictures; remove one before adding "
            "another.") in page
    assert "新描述 TYPED-4410" in page
    assert lin.references.count() == 1
    lin.refresh_from_db()
    assert lin.description == "白衣少女"

    # Swapping one picture for another in the same save stays within the cap.
    old = lin.references.get()
    response = owner_client.post(edit_url(lin), {"name": "林月", "remove": [old.pk],
                                                 "reference": picture((0, 0, 255))})
    assert response.status_code == 302
    assert list(lin.references.values_list("pk", flat=True)) != [old.pk]
    assert lin.references.count() == 1


def test_creating_a_character_keeps_to_the_picture_cap(series, monkeypatch):
    monkeypatch.setattr(conf, "REFERENCES_MAX", 1)
    with pytest.raises(services.StoryboardError, match="at most 1 reference"):
        services.create_character(series, "林月", references=[picture(), picture()])
    lin = services.create_character(series, "林月", references=[picture()])
    with pytest.raises(services.StoryboardError, match="at most 1 reference"):
        services.add_reference(lin, picture())
    assert lin.references.count() == 1


# --- Deleting ---------------------------------------------------------------------------


def test_deleting_a_character_keeps_its_shots_without_it(owner_client, board,
                                                         django_capture_on_commit_callbacks):
    series = board.episode.series
    lin = services.create_character(series, "林月", "白衣少女", [picture()])
    zhu = services.create_character(series, "阿竹", "书童")
    first = services.add_shot(board, prompt="竹林", characters=[lin, zhu])
    second = services.add_shot(board, prompt="回眸", characters=[lin])
    path = Path(lin.references.get().image.path)

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(delete_url(lin), follow=True)

    assert response.redirect_chain[-1][0] == characters_url(series)
    assert "Character 林月 deleted; 2 shots no longer name it." in response.content.decode()
    assert not Character.objects.filter(pk=lin.pk).exists()
    assert not ReferenceImage.objects.exists() and not path.exists()
    assert list(Shot.objects.get(pk=first.pk).characters.all()) == [zhu]
    second = Shot.objects.get(pk=second.pk)
    assert second.prompt == "回眸" and not second.characters.exists()
    assert "白衣少女" not in services.keyframe_prompt(second)


def test_the_delete_button_asks_first_and_says_what_happens_to_the_shots(owner_client,
                                                                          board):
    series = board.episode.series
    lin = services.create_character(series, "林月", "白衣少女")
    services.create_character(series, "阿竹", "书童")
    services.add_shot(board, prompt="竹林", characters=[lin])
    page = owner_client.get(characters_url(series)).content.decode()

    assert ('data-confirm="Delete the character 林月 and its reference pictures? The 1 shot '
            'that uses it stays, with its text and keyframes, but no longer names it."') in page
    assert ('data-confirm="Delete the character 阿竹 and its reference pictures? No shot '
            'uses it."') in page


def test_the_confirmation_and_help_read_in_chinese(client, owner, board):
    series = board.episode.series
    lin = services.create_character(series, "林月", "白衣少女")
    services.add_shot(board, prompt="竹林", characters=[lin])
    zh = logged_in(client, owner, "zh-hans")
    page = zh.get(characters_url(series)).content.decode()
    assert ("删除角色“林月”及其参考图？使用它的 1 个镜头会保留，文字和关键帧不变，"
            "但不再关联这个角色。") in page
    page = zh.get(edit_url(lin)).content.decode()
    assert "已生成的关键帧保留生成时的描述和参考图" in page


def test_delete_takes_only_a_post(owner_client, lin):
    assert owner_client.get(delete_url(lin)).status_code == 405
    assert Character.objects.filter(pk=lin.pk).exists()


# --- Another studio ---------------------------------------------------------------------


def test_another_studios_character_is_not_found(client, outsider, lin):
    client.force_login(outsider)
    assert client.get(edit_url(lin)).status_code == 404
    assert client.post(edit_url(lin), {"name": "闯入者"}).status_code == 404
    assert client.post(delete_url(lin)).status_code == 404
    lin.refresh_from_db()
    assert lin.name == "林月"


def test_a_character_id_of_another_studio_under_ones_own_series_is_not_found(
        owner_client, series, other_studio):
    theirs = creators.create_series(other_studio, title="别人的剧", category=Category.STANDARD)
    stranger = services.create_character(theirs, "外人", "红衣")
    mine = reverse("storyboard:character_edit", args=[series.studio.slug, series.slug,
                                                      stranger.pk])
    gone = reverse("storyboard:character_delete", args=[series.studio.slug, series.slug,
                                                        stranger.pk])
    assert owner_client.get(mine).status_code == 404
    assert owner_client.post(mine, {"name": "改名"}).status_code == 404
    assert owner_client.post(gone).status_code == 404
    stranger.refresh_from_db()
    assert stranger.name == "外人"


def test_a_character_of_another_of_ones_series_is_not_found_under_this_one(
        owner_client, lin, studio):
    other = creators.create_series(studio, title="另一部剧", category=Category.STANDARD)
    wrong = reverse("storyboard:character_edit", args=[studio.slug, other.slug, lin.pk])
    assert owner_client.get(wrong).status_code == 404


# --- What was already made --------------------------------------------------------------


def test_a_submitted_episodes_snapshot_and_keyframes_stay_as_they_were(
        owner_client, board, owner, tiny_models, media_root,
        django_capture_on_commit_callbacks):
    """The series' characters may change while an episode is with review: the assembly's
    snapshot and the keyframe jobs hold copies (prompt, name, picture path and hash), not
    the character row, and the picture a keyframe was made from stays on disk."""
    series = board.episode.series
    lin = services.create_character(series, "林月", "白衣少女", [picture()])
    reference = lin.references.get()
    shots = [services.add_shot(board, prompt=f"镜头{n}", duration=Decimal("10"),
                               characters=[lin]) for n in range(3)]
    for n, shot in enumerate(shots):
        services.generate_keyframe(shot, None, seed=n, steps=2)
    run_queued()
    for shot in Shot.objects.filter(storyboard=board):
        services.pick_keyframe(shot, shot.grid_jobs[0])
    assembly = services.start_assembly(board, owner, dispatch=False)
    Episode.objects.filter(pk=board.episode_id).update(status=Episode.Status.SUBMITTED)
    keyframe = Shot.objects.get(pk=shots[0].pk).keyframe_job
    assert keyframe.params["reference_image"] == reference.image.name
    frozen, params = assembly.snapshot, keyframe.params
    picture_path = Path(reference.image.path)
    digest = hashlib.sha256(picture_path.read_bytes()).hexdigest()

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(edit_url(lin), {
            "name": "林小月", "description": "黑衣刺客", "remove": [reference.pk],
            "reference": picture((0, 0, 255))})
    assert response.status_code == 302  # a series' character is not the episode's storyboard
    assert list(ReferenceImage.objects.values_list("character", flat=True)) == [lin.pk]
    # The keyframes made from the picture still name it, so its file stays.
    assert hashlib.sha256(picture_path.read_bytes()).hexdigest() == digest
    newer = Path(ReferenceImage.objects.get().image.path)
    with django_capture_on_commit_callbacks(execute=True):
        assert owner_client.post(delete_url(lin)).status_code == 302
    assert not newer.exists()  # no job was made from this one

    assembly.refresh_from_db()
    keyframe.refresh_from_db()
    assert assembly.snapshot == frozen and keyframe.params == params
    entry = assembly.snapshot["shots"][0]["keyframe"]
    assert entry["provenance"]["params"]["reference"]["character_name"] == "林月"
    assert "白衣少女" in entry["provenance"]["params"]["prompt"]
    assert entry["provenance"]["inputs"]["reference_image"] == {
        "path": reference.image.name, "sha256": digest}
    assert picture_path.exists()
    assert Shot.objects.filter(storyboard=board).count() == 3
