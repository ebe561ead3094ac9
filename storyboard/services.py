"""Use cases of the storyboard studio, one transactional function each: characters, shots,
keyframes (single, nine-grid, one-sentence edit), animation and assembly."""

import logging
import secrets
import tempfile
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from creators.models import Episode, Series, Studio, User
from generation import services as generation
from generation.models import Job
from storyboard import conf, queries
from storyboard.models import (
    REFERENCE_STRENGTH_MIN,
    Assembly,
    Camera,
    Character,
    ReferenceImage,
    Shot,
    Storyboard,
)

log = logging.getLogger(__name__)

KEYFRAME_MODEL = "tiny-keyframe"
MOTION_MODEL = "tiny-motion"
EDIT_MODEL = "tiny-keyframe-edit"  # image-to-image from the same tiny components
EDIT_STRENGTH = 0.6
# Keyframes of a shot whose character has a reference picture: image-to-image from it.
REFERENCE_MODEL = "tiny-keyframe-edit"
GRID_SIZE = 9
# Camera variants a nine-grid cycles through (different seeds as well).
GRID_CAMERAS = [Camera.CLOSE_UP, Camera.MEDIUM, Camera.WIDE, Camera.OVER_SHOULDER,
                Camera.LOW_ANGLE, Camera.TOP_DOWN, Camera.MEDIUM, Camera.CLOSE_UP, Camera.WIDE]
CAMERA_WORDS = {
    Camera.CLOSE_UP: "close-up", Camera.MEDIUM: "medium shot", Camera.WIDE: "wide shot",
    Camera.OVER_SHOULDER: "over-the-shoulder shot", Camera.LOW_ANGLE: "low angle",
    Camera.TOP_DOWN: "top-down view",
}


class StoryboardError(Exception):
    """A step the creator asked for cannot be done; the message says why, and `field`
    names the form field at fault when there is one."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


# A stored upload is named by us, with the suffix of what its content was found to be: the
# name the user gave (voice.html) never reaches the media folder, nor the served type.
AUDIO_SUFFIXES = {"wav": ".wav", "mp3": ".mp3", "aac": ".aac", "ogg": ".ogg",
                  "flac": ".flac", "mov,mp4,m4a,3gp,3g2,mj2": ".m4a",
                  "matroska,webm": ".webm"}


@contextmanager
def _on_disk(upload):
    """A path to the upload's bytes, for checks that read a file (Pillow, PyAV), under a
    name that says nothing: FFmpeg's probe weighs a file's suffix, and a big upload's
    temporary file keeps the suffix the user gave it (a page named voice.mp3 could pass
    as MP3)."""
    with tempfile.TemporaryDirectory(prefix="manju-check-") as folder:
        path = Path(folder) / "upload"
        if hasattr(upload, "temporary_file_path"):
            path.symlink_to(upload.temporary_file_path())
        else:
            upload.seek(0)
            with path.open("wb") as copy:
                for chunk in upload.chunks():
                    copy.write(chunk)
        yield path


def _stored_as(upload, stem: str, suffix: str) -> File:
    upload.seek(0)
    return File(upload, name=f"{stem}-{secrets.token_hex(6)}{suffix}")


# --- Characters -------------------------------------------------------------------------


def _checked_image(upload) -> File:
    """The reference picture, checked by its content, under a name of ours; nothing is
    stored when it is refused."""
    from creators import conf as creators_conf
    from creators.media import IMAGE_SUFFIXES, MediaRefused, check_image

    if upload.size > creators_conf.COVER_MAX_BYTES:
        raise StoryboardError(_("The picture is %(size)s; the most allowed is %(max)s.")
                              % {"size": filesizeformat(upload.size),
                                 "max": filesizeformat(creators_conf.COVER_MAX_BYTES)},
                              field="reference")
    with _on_disk(upload) as path:
        try:
            image_format = check_image(path)
        except MediaRefused as refused:
            raise StoryboardError(str(refused), field="reference") from None
    return _stored_as(upload, "reference", IMAGE_SUFFIXES[image_format])


def create_character(series: Series, name: str, description: str = "",
                     references=()) -> Character:
    """The character with its reference pictures, or nothing at all: every picture is
    checked before the character is saved."""
    _check_character_room(series)
    references = list(references)
    _check_reference_room(len(references))
    pictures = [_checked_image(upload) for upload in references]
    name = name.strip()
    taken = _name_taken(name)
    if Character.objects.filter(series=series, name=name).exists():
        raise taken
    try:
        with transaction.atomic():
            # Two characters saved at the same moment cannot both take the last place.
            Series.objects.select_for_update().get(pk=series.pk)
            _check_character_room(series)
            character = Character.objects.create(series=series, name=name,
                                                 description=description.strip())
            for picture in pictures:
                ReferenceImage.objects.create(character=character, image=picture)
    except IntegrityError:  # the same name saved at the same moment
        raise taken from None
    return character


def _name_taken(name: str) -> StoryboardError:
    return StoryboardError(_("This series already has a character named %(name)s.")
                           % {"name": name}, field="name")


def _check_character_room(series: Series) -> None:
    """A series holds at most conf.CHARACTERS_MAX characters."""
    if Character.objects.filter(series=series).count() >= conf.CHARACTERS_MAX:
        raise StoryboardError(
            _("This series already has %(max)s characters, the most a series may have; "
              "a shot can reuse one of them instead.") % {"max": conf.CHARACTERS_MAX})


def _check_reference_room(count: int) -> None:
    """A character holds at most conf.REFERENCES_MAX reference pictures."""
    if count > conf.REFERENCES_MAX:
        raise StoryboardError(
            _("A character has at most %(max)s reference pictures; remove one before "
              "adding another.") % {"max": conf.REFERENCES_MAX}, field="reference")


def add_reference(character: Character, upload) -> ReferenceImage:
    """One more picture of the character, checked by its content, within the cap."""
    picture = _checked_image(upload)
    with transaction.atomic():
        Character.objects.select_for_update().get(pk=character.pk)
        _check_reference_room(character.references.count() + 1)
        return ReferenceImage.objects.create(character=character, image=picture)


def update_character(character: Character, name: str, description: str = "",
                     add=(), remove=()) -> Character:
    """A new name, description and set of reference pictures (`add` uploads, `remove`
    pictures of this character), all or nothing, with creation's checks. Nothing made
    before changes: a keyframe job keeps the prompt and the picture (path and hash) it was
    made from, and an assembly its own snapshot of those, so a series' character may change
    while one of its episodes is with review. A removed picture's file stays while a job
    names it."""
    pictures = [_checked_image(upload) for upload in add]
    name = name.strip()
    taken = _name_taken(name)
    if Character.objects.filter(series_id=character.series_id, name=name).exclude(
            pk=character.pk).exists():
        raise taken
    try:
        with transaction.atomic():
            locked = _locked_character(character)
            gone = list(locked.references.filter(pk__in=[r.pk for r in remove]))
            _check_reference_room(locked.references.count() - len(gone) + len(pictures))
            locked.name, locked.description = name, description.strip()
            locked.save(update_fields=["name", "description"])
            files = [reference.image.name for reference in gone]
            ReferenceImage.objects.filter(pk__in=[r.pk for r in gone]).delete()
            for picture in pictures:
                ReferenceImage.objects.create(character=locked, image=picture)
            studio_id = locked.series.studio_id
            transaction.on_commit(lambda: _discard_unused(studio_id, files))
    except IntegrityError:  # the same name saved at the same moment
        raise taken from None
    return locked


def delete_character(character: Character) -> int:
    """The character and its pictures; its shots stay, no longer naming it (their text,
    keyframes and clips are theirs). Returns how many shots named it."""
    with transaction.atomic():
        locked = _locked_character(character)
        shots = locked.shots.count()
        files = list(locked.references.values_list("image", flat=True))
        studio_id = locked.series.studio_id
        locked.delete()  # the shots' links to it go with it
        transaction.on_commit(lambda: _discard_unused(studio_id, files))
    return shots


def _locked_character(character: Character) -> Character:
    locked = Character.objects.select_for_update().filter(pk=character.pk).first()
    if locked is None:
        raise StoryboardError(_("This character was deleted meanwhile."))
    return locked


def _discard_unused(studio_id: int, names: list[str]) -> None:
    """Deletes the files of removed reference pictures that no job was made from: a job's
    parameters and provenance (and so an assembly's snapshot) record its picture's path
    and hash, and a queued job or a re-run reads that file."""
    jobs = Job.objects.filter(studio_id=studio_id)
    for name in names:
        if not name or jobs.filter(params__reference_image=name).exists():
            continue
        if ReferenceImage.objects.filter(image=name).exists():
            continue
        try:
            ReferenceImage._meta.get_field("image").storage.delete(name)
        except OSError:  # a file already gone is gone
            log.warning("could not delete reference picture %s", name)


# --- Storyboard and shots ---------------------------------------------------------------


def storyboard_for(episode: Episode) -> Storyboard:
    board, _ = Storyboard.objects.get_or_create(episode=episode)
    return board


def _studio_of(board: Storyboard) -> Studio:
    return board.episode.series.studio


def check_editable(board: Storyboard) -> None:
    """What review saw stays as it was: once the episode is submitted (or published) its
    storyboard takes no change, whatever page a request came from. Reads the stored
    status, not the one the caller loaded."""
    from creators.services import is_open

    if not is_open(board.episode_id):
        raise StoryboardError(_("This episode is with review or published; its storyboard "
                                "can no longer change."))


def _check_characters(board: Storyboard, characters) -> list[Character]:
    """Only the episode's own series' characters may appear in its shots."""
    characters = list(characters)
    series_id = board.episode.series_id
    for character in characters:
        if character.series_id != series_id:
            raise StoryboardError(_("A shot can only use characters of its own series."))
    return characters


def _check_shot_room(board: Storyboard) -> None:
    """A storyboard holds at most conf.SHOTS_MAX shots; called with the storyboard locked."""
    if board.shots.count() >= conf.SHOTS_MAX:
        raise StoryboardError(
            _("This storyboard already has %(max)s shots, the most a storyboard may have; "
              "delete a shot before adding another.") % {"max": conf.SHOTS_MAX})


def add_shot(board: Storyboard, prompt: str = "", camera: str = Camera.MEDIUM,
             dialogue: str = "", duration=Decimal("3"), characters=(),
             reference_strength=None) -> Shot:
    check_editable(board)
    characters = _check_characters(board, characters)
    extra = {}
    if reference_strength is not None:
        extra["reference_strength"] = check_reference_strength(reference_strength)
    with transaction.atomic():
        Storyboard.objects.select_for_update().get(pk=board.pk)
        _check_shot_room(board)
        last = board.shots.aggregate(m=Max("order"))["m"] or 0
        shot = Shot.objects.create(storyboard=board, order=last + 1, prompt=prompt,
                                   camera=camera, dialogue=dialogue, duration=duration,
                                   **extra)
        shot.characters.set(characters)
    return shot


def check_reference_strength(value) -> Decimal:
    try:
        strength = Decimal(str(value))
    except (ArithmeticError, ValueError):
        strength = Decimal("NaN")
    if not (Decimal(REFERENCE_STRENGTH_MIN) <= strength <= 1):
        raise StoryboardError(_("The reference strength must lie between %(low)s and 1.")
                              % {"low": REFERENCE_STRENGTH_MIN})
    return strength.quantize(Decimal("0.01"))


def update_shot(shot: Shot, prompt: str, camera: str, dialogue: str, duration,
                characters=(), use_last_frame: bool | None = None,
                reference_strength=None) -> Shot:
    """The shot's text and settings; `use_last_frame` None keeps it as it is (the shot's
    form does not carry it: the animate form does), and the last shot never ends on a
    next shot's keyframe, having none."""
    check_editable(shot.storyboard)
    characters = _check_characters(shot.storyboard, characters)
    if reference_strength is not None:
        shot.reference_strength = check_reference_strength(reference_strength)
    with transaction.atomic():
        shot.prompt, shot.camera, shot.dialogue = prompt, camera, dialogue
        shot.duration = duration
        if use_last_frame is not None:
            shot.use_last_frame = bool(use_last_frame) and next_shot(shot) is not None
        shot.save(update_fields=["prompt", "camera", "dialogue", "duration", "use_last_frame",
                                 "reference_strength"])
        shot.characters.set(characters)
    return shot


def _renumber(board: Storyboard, ordered_ids: list[int]) -> None:
    # The unique (storyboard, order) constraint is deferred: swaps inside one transaction.
    for n, shot_id in enumerate(ordered_ids, start=1):
        Shot.objects.filter(pk=shot_id, storyboard=board).update(order=n)


def reorder_shots(board: Storyboard, ordered_ids: list[int]) -> None:
    check_editable(board)
    with transaction.atomic():
        Storyboard.objects.select_for_update().get(pk=board.pk)
        current = set(board.shots.values_list("id", flat=True))
        if set(ordered_ids) != current or len(ordered_ids) != len(current):
            raise StoryboardError(_("The new order must name every shot once."))
        _renumber(board, ordered_ids)


def move_shot(shot: Shot, delta: int) -> None:
    check_editable(shot.storyboard)
    with transaction.atomic():
        board = Storyboard.objects.select_for_update().get(pk=shot.storyboard_id)
        ids = list(board.shots.values_list("id", flat=True))
        index = ids.index(shot.pk)
        target = max(0, min(len(ids) - 1, index + delta))
        ids.insert(target, ids.pop(index))
        _renumber(board, ids)


def duplicate_shot(shot: Shot) -> Shot:
    check_editable(shot.storyboard)
    with transaction.atomic():
        board = Storyboard.objects.select_for_update().get(pk=shot.storyboard_id)
        _check_shot_room(board)
        adopt_sole_candidate(shot)  # the copy starts from the same keyframe
        board.shots.filter(order__gt=shot.order).update(order=F("order") + 1)
        copy = Shot.objects.create(
            storyboard=board, order=shot.order + 1, prompt=shot.prompt, camera=shot.camera,
            dialogue=shot.dialogue, duration=shot.duration, keyframe_job=shot.keyframe_job,
            keyframe_index=shot.keyframe_index, use_last_frame=shot.use_last_frame,
            reference_strength=shot.reference_strength,
        )
        copy.characters.set(shot.characters.all())
    return copy


def delete_shot(shot: Shot) -> None:
    check_editable(shot.storyboard)
    with transaction.atomic():
        board = Storyboard.objects.select_for_update().get(pk=shot.storyboard_id)
        shot.delete()
        _renumber(board, list(board.shots.values_list("id", flat=True)))


# --- Keyframes --------------------------------------------------------------------------


def keyframe_prompt(shot: Shot, camera: str | None = None) -> str:
    """The shot's prompt with its camera and its characters' descriptions."""
    parts = [shot.prompt.strip(), CAMERA_WORDS.get(camera or shot.camera, "")]
    for character in _characters(shot):
        parts.append(f"{character.name}: {character.description}".strip(": "))
    return ", ".join(p for p in parts if p)


def _characters(shot: Shot) -> list[Character]:
    """The shot's characters, only ever its own series' (whatever the M2M was given)."""
    return list(shot.characters.filter(series_id=shot.storyboard.episode.series_id)
                .order_by("name", "pk"))


def character_reference(shot: Shot) -> dict | None:
    """The first reference picture of the shot's first character that has one: what
    conditions its keyframes (path and sha256 as the provenance will record them)."""
    import hashlib

    for character in _characters(shot):
        reference = character.references.order_by("created_at", "pk").first()
        if reference is None:
            continue
        with reference.image.open("rb") as handle:
            digest = hashlib.sha256(handle.read()).hexdigest()
        return {"path": reference.image.name, "sha256": digest, "character": character.pk,
                "character_name": character.name, "reference": reference.pk}
    return None


def _submit(shot: Shot, user: User | None, model_key: str, params: dict,
            reference: dict | None = None) -> Job:
    board = shot.storyboard
    try:
        return generation.submit_job(_studio_of(board), user, model_key, params,
                                     episode=board.episode, reference_image=reference)
    except generation.InsufficientCredits:
        raise StoryboardError(_("Not enough credits for this job.")) from None
    except generation.JobError as error:
        raise StoryboardError(str(error)) from None


def _submit_keyframes(shot: Shot, user: User | None, params: dict) -> Job:
    """A keyframe job for the shot: text-to-image, or image-to-image from the first
    character reference at the shot's reference strength when one of its characters has
    a reference picture. The candidates replace the ones the page offers."""
    check_editable(shot.storyboard)
    reference = character_reference(shot)
    model_key = KEYFRAME_MODEL
    if reference is not None:
        import math

        from generation import registry

        model_key = REFERENCE_MODEL
        strength = float(shot.reference_strength)
        # Image-to-image runs steps × strength of them: at least one must run.
        steps = int(params.get("steps") or registry.get(model_key).defaults.get("steps", 1))
        params = {**params, "strength": strength,
                  "steps": max(steps, math.ceil(1 / strength))}
    job = _submit(shot, user, model_key, params, reference)
    Shot.objects.filter(pk=shot.pk).update(grid_jobs=[str(job.pk)])
    shot.grid_jobs = [str(job.pk)]
    return job


def generate_keyframe(shot: Shot, user: User | None, seed: int | None = None,
                      **params) -> Job:
    """One keyframe; `params` may set the model's parameters (steps, size, guidance)."""
    return _submit_keyframes(shot, user, {**params, "prompt": keyframe_prompt(shot),
                                          "seed": seed})


def generate_grid(shot: Shot, user: User | None, seed: int | None = None,
                  **params) -> Job:
    """九宫格: ONE job making nine candidates in one batched pipeline call, candidate k
    with seed `seed + k` and the k-th camera variant; priced as nine images."""
    import secrets

    base = int(seed) if seed is not None else secrets.randbelow(2**31 - GRID_SIZE)
    prompts = [keyframe_prompt(shot, GRID_CAMERAS[k]) for k in range(GRID_SIZE)]
    return _submit_keyframes(shot, user, {**params, "prompt": prompts[0], "prompts": prompts,
                                          "seed": base, "num_images": GRID_SIZE})


def _own_keyframe(shot: Shot, job_id, index=0) -> tuple[Job, int]:
    found = generation.keyframe_output(_studio_of(shot.storyboard), job_id, index)
    if found is None:
        raise StoryboardError(_("Choose a finished keyframe of this studio."))
    return found


def adopt_sole_candidate(shot: Shot) -> Shot:
    """A shot without a pick whose candidates hold exactly one finished picture counts
    that picture as picked (queries.sole_candidate: there is nothing to choose). The
    steps that use a keyframe (edit, animate, duplicate, assemble) store it as the pick,
    so a later keyframe job cannot silently change what they were made from."""
    sole = queries.sole_candidate(shot)
    if sole is not None:
        job, index = sole
        # An explicit pick made meanwhile wins.
        Shot.objects.filter(pk=shot.pk, keyframe_job__isnull=True).update(
            keyframe_job=job, keyframe_index=index)
        shot.refresh_from_db(fields=["keyframe_job", "keyframe_index"])
    return shot


def pick_keyframe(shot: Shot, job_id, index=0) -> Shot:
    """The creator's choice among a job's candidates (a nine-grid has nine)."""
    check_editable(shot.storyboard)
    job, index = _own_keyframe(shot, job_id, index)
    Shot.objects.filter(pk=shot.pk).update(keyframe_job=job, keyframe_index=index,
                                           clip_job=None)
    shot.refresh_from_db()
    return shot


def edit_keyframe(shot: Shot, user: User | None, instruction: str,
                  strength: float = EDIT_STRENGTH) -> Job:
    """一句话改图: the chosen keyframe re-rendered from itself (image-to-image at
    `strength`) with the instruction added to its prompt and its seed kept."""
    check_editable(shot.storyboard)
    from generation.pipelines import candidate_params

    adopt_sole_candidate(shot)
    if shot.keyframe_job_id is None:
        raise StoryboardError(_("Pick a keyframe before editing it."))
    if not instruction.strip():
        raise StoryboardError(_("Say in one sentence what should change."))
    source, index = _own_keyframe(shot, shot.keyframe_job_id, shot.keyframe_index)
    chosen = candidate_params(source.params, index)
    params = {k: v for k, v in chosen.items()
              if k in ("steps", "guidance", "seed", "negative_prompt")}
    params.update(prompt=f"{chosen.get('prompt', '')}, {instruction.strip()}",
                  init_job=str(source.pk), init_index=index, strength=strength,
                  edit_of=str(source.pk), edit_of_index=index,
                  instruction=instruction.strip())
    job = _submit(shot, user, EDIT_MODEL, params)
    Shot.objects.filter(pk=shot.pk).update(grid_jobs=[str(job.pk)])
    return job


def next_shot(shot: Shot) -> Shot | None:
    return shot.storyboard.shots.filter(order__gt=shot.order).order_by("order").first()


def remember_last_frame(shot: Shot, wanted: bool) -> None:
    """Keeps the creator's 'end on the next shot's keyframe' choice (always off on the last
    shot), so a refused Animate shows the box as it was ticked. A storyboard review holds
    keeps what it had."""
    from creators.services import is_open

    if is_open(shot.storyboard.episode_id):
        Shot.objects.filter(pk=shot.pk).update(
            use_last_frame=bool(wanted) and next_shot(shot) is not None)


def animate_shot(shot: Shot, user: User | None, use_last_frame: bool | None = None,
                 **params) -> Job:
    """Image-to-video from the chosen keyframe; with use_last_frame, ends on the next
    shot's chosen keyframe (continuity). The last shot has no next shot: there the option
    is ignored (and stored off)."""
    check_editable(shot.storyboard)
    if use_last_frame is None:
        use_last_frame = shot.use_last_frame
    adopt_sole_candidate(shot)
    if shot.keyframe_job_id is None:
        raise StoryboardError(_("Pick a keyframe for shot %(n)s before animating it.")
                              % {"n": shot.order})
    first, index = _own_keyframe(shot, shot.keyframe_job_id, shot.keyframe_index)
    params = {**params, "prompt": keyframe_prompt(shot), "first_job": str(first.pk),
              "first_index": index}
    following = next_shot(shot) if use_last_frame else None
    use_last_frame = following is not None
    if following is not None:
        adopt_sole_candidate(following)
        if following.keyframe_job_id is None:
            raise StoryboardError(
                _("Pick a keyframe for shot %(n)s first: this shot ends on it.")
                % {"n": following.order})
        last, last_index = _own_keyframe(shot, following.keyframe_job_id,
                                         following.keyframe_index)
        params["last_job"], params["last_index"] = str(last.pk), last_index
    job = _submit(shot, user, MOTION_MODEL, params)
    Shot.objects.filter(pk=shot.pk).update(clip_job=job, use_last_frame=use_last_frame)
    shot.refresh_from_db()
    return job


# --- Assembly ---------------------------------------------------------------------------


def _job_entry(job: Job | None, index: int = 0) -> dict | None:
    """The job's output `index` (the picked candidate) with its own provenance."""
    from generation.pipelines import candidate_params, candidate_provenance

    if job is None or job.state != Job.State.SUCCEEDED or not job.outputs:
        return None
    index = index if index < len(job.outputs) else 0
    prov = candidate_provenance(job.provenance or {}, index)
    entry = {"job": str(job.pk), "path": job.outputs[index]["path"],
             "model_key": job.model_key, "weights_sha256": prov.get("weights_sha256", ""),
             "seed": candidate_params(job.params, index).get("seed"), "provenance": prov}
    if len(job.outputs) > 1:
        entry["index"] = index
    return entry


def snapshot(board: Storyboard) -> dict:
    """Everything the assembly needs, frozen: later edits of the storyboard cannot reach
    an assembly already asked for."""
    shots = []
    to_pick, to_make = [], []  # shots with candidates but no pick; shots with none
    for shot in board.shots.select_related("keyframe_job", "clip_job").order_by("order"):
        offered = queries.offered_jobs(shot)
        job, index = shot.keyframe_job, shot.keyframe_index
        sole = queries.sole_candidate(shot, offered)
        if sole is not None:
            job, index = sole
        keyframe = _job_entry(job, index)
        if keyframe is None:
            (to_pick if queries.finished_candidates(offered) else to_make).append(shot.order)
            continue
        clip = _job_entry(shot.clip_job)
        shots.append({"shot": shot.pk, "order": shot.order, "duration": str(shot.duration),
                      "lines": shot.lines(), "camera": shot.camera, "prompt": shot.prompt,
                      "keyframe": keyframe, "clip": clip})
    if to_pick or to_make:
        raise StoryboardError(_missing_keyframes(to_pick, to_make))
    if not shots:
        raise StoryboardError(_("The storyboard has no shots."))
    return {"episode": board.episode.ref, "width": board.width, "height": board.height,
            "fps": board.fps, "audio": board.audio.name if board.audio else "",
            "shots": shots}


def _missing_keyframes(to_pick: list[int], to_make: list[int]) -> str:
    """Which shots keep the episode from being assembled, and what to do on each."""
    def numbers(orders):
        return pgettext("list separator", ", ").join(str(n) for n in orders)

    reasons = []
    if to_pick:
        reasons.append(ngettext(
            "Pick a keyframe for shot %(shots)s: click one of its candidates.",
            "Pick a keyframe for shots %(shots)s: click one candidate on each.",
            len(to_pick)) % {"shots": numbers(to_pick)})
    if to_make:
        reasons.append(ngettext(
            "Shot %(shots)s has no keyframe yet: press Keyframe or Nine-grid on it, then "
            "pick the picture you want.",
            "Shots %(shots)s have no keyframe yet: press Keyframe or Nine-grid on each, "
            "then pick the picture you want.",
            len(to_make)) % {"shots": numbers(to_make)})
    return " ".join(reasons)


def _check_length(frozen: dict) -> None:
    """An episode the upload checks would refuse is refused before a frame is encoded."""
    from creators import conf as creators_conf

    seconds = sum(Decimal(shot["duration"]) for shot in frozen["shots"])
    low, high = creators_conf.VIDEO_MIN_SECONDS, creators_conf.VIDEO_MAX_SECONDS
    if not low <= seconds <= high:
        raise StoryboardError(
            _("The shots last %(seconds)s s together; an episode lasts %(low)s to %(high)s s.")
            % {"seconds": f"{seconds.normalize():f}", "low": low, "high": high})


def start_assembly(board: Storyboard, user: User | None, dispatch: bool = True) -> Assembly:
    check_editable(board)
    with transaction.atomic():
        Storyboard.objects.select_for_update().get(pk=board.pk)
        if board.assemblies.filter(state__in=[Assembly.State.QUEUED,
                                              Assembly.State.RUNNING]).exists():
            raise StoryboardError(_("An assembly of this episode is already running."))
        # A shot's only candidate is its keyframe; stored as picked with the assembly (a
        # refused assembly rolls it back with everything else).
        for shot in board.shots.all():
            adopt_sole_candidate(shot)
        frozen = snapshot(board)
        _check_length(frozen)
        assembly = Assembly.objects.create(storyboard=board, created_by=user,
                                           snapshot=frozen)
        if dispatch:
            from storyboard.tasks import assemble

            transaction.on_commit(lambda: assemble.delay(assembly.pk))
    return assembly


def _notify(assembly: Assembly, **payload) -> None:
    from creators.notify import notify_studio

    studio_id = assembly.storyboard.episode.series.studio_id
    try:
        notify_studio(studio_id, {"type": "storyboard.assembly", "assembly": assembly.pk,
                                  "episode": assembly.storyboard.episode_id, **payload})
    except Exception:  # a lost Redis must not fail the assembly
        pass


def run_assembly(assembly_id: int) -> Assembly:
    """The cpu task's work: encode the snapshot, then the file becomes the episode's video
    and goes through the upload's checks and probe."""
    from pathlib import Path

    from django.conf import settings

    from creators import media
    from creators import services as creators
    from storyboard import assemble

    claimed = Assembly.objects.filter(pk=assembly_id, state=Assembly.State.QUEUED).update(
        state=Assembly.State.RUNNING
    )
    assembly = Assembly.objects.select_related("storyboard__episode__series").get(
        pk=assembly_id)
    if not claimed:
        return assembly
    episode = assembly.storyboard.episode
    relative = f"episodes/videos/{episode.ref}-assembly-{assembly.pk}.mp4"
    path = Path(settings.MEDIA_ROOT) / relative

    def progress(pct: int) -> None:
        Assembly.objects.filter(pk=assembly.pk).update(progress=pct)
        _notify(assembly, state="running", progress=pct)

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        assemble.encode_episode(assembly.snapshot, path, produce_id=f"assembly-{assembly.pk}",
                                on_progress=progress)
        media.check_video(path)
    except Exception as error:  # noqa: BLE001 — any failure fails this assembly
        path.unlink(missing_ok=True)
        if isinstance(error, (media.MediaRefused, StoryboardError)):
            message = str(error)
        else:  # the details (paths, hosts) are for the log, never for the studio's pages
            log.exception("assembly %s of %s failed", assembly.pk, episode.ref)
            message = _("The assembly failed on our side (assembly %(n)s); press Assemble "
                        "to try again.") % {"n": assembly.pk}
        Assembly.objects.filter(pk=assembly.pk).update(
            state=Assembly.State.FAILED, error=message[:2000], finished_at=timezone.now())
        _notify(assembly, state="failed", error=message)
        assembly.refresh_from_db()
        return assembly
    cover = assembly.snapshot["shots"][0]["keyframe"]["path"]
    with transaction.atomic():
        locked = Episode.objects.select_for_update().get(pk=episode.pk)
        if locked.status not in creators.EDITABLE_STATUSES:
            # Submitted while this assembly waited: review has the video it was sent, and
            # a later one never takes its place (submitting reads under this same lock).
            path.unlink(missing_ok=True)
            message = _("The episode was submitted before this assembly finished; it keeps "
                        "the video review was sent.")
            Assembly.objects.filter(pk=assembly.pk).update(
                state=Assembly.State.FAILED, error=message, finished_at=timezone.now())
            _notify(assembly, state="failed", error=message)
            assembly.refresh_from_db()
            return assembly
        locked.video.name = relative
        locked.source = Episode.Source.GENERATED
        if not locked.cover:
            locked.cover.name = cover
        locked.probe_state, locked.probe_progress, locked.probe_error = (
            Episode.Probe.PENDING, 0, "")
        locked.save(update_fields=["video", "source", "cover", "probe_state",
                                   "probe_progress", "probe_error", "updated_at"])
        Assembly.objects.filter(pk=assembly.pk).update(
            state=Assembly.State.SUCCEEDED, output=relative, progress=100,
            finished_at=timezone.now())
    from creators.tasks import _report

    creators.probe_episode_video(episode.pk, report=_report)
    assembly.refresh_from_db()
    _notify(assembly, state="succeeded", progress=100,
            video=settings.MEDIA_URL + relative)
    return assembly


def submit_episode(episode: Episode) -> Episode:
    """The "submit for review" button: only an assembled, probed episode, and not while a
    new assembly of it is on its way."""
    if Assembly.objects.filter(storyboard__episode=episode, state__in=[
            Assembly.State.QUEUED, Assembly.State.RUNNING]).exists():
        raise StoryboardError(_("An assembly of this episode is still running: submit it "
                                "when the new video is ready, or it would go to review "
                                "without it."))
    try:
        from creators.services import submit_for_review

        return submit_for_review(episode)
    except ValidationError as error:
        raise StoryboardError(" ".join(error.messages)) from None
    except Exception as error:
        from creators.services import TransitionError

        if isinstance(error, TransitionError):
            raise StoryboardError(_("This episode was already submitted.")) from None
        raise


def _audio_suffix(path: Path) -> str:
    """The stored suffix of a track PyAV can open and decode, no longer than an episode
    may be; StoryboardError with the reason otherwise."""
    import av

    unreadable = StoryboardError(_("This file is not audio we can read."), field="audio")
    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            if not container.streams.audio:
                raise StoryboardError(_("The file has no audio stream."), field="audio")
            suffix = AUDIO_SUFFIXES.get(container.format.name)
            if suffix is None:
                raise unreadable
            stream = container.streams.audio[0]
            if stream.duration is not None and stream.time_base:
                seconds = float(stream.duration * stream.time_base)
            elif container.duration is not None:
                seconds = container.duration / av.time_base
            else:
                raise StoryboardError(_("We cannot tell how long this track is; save it as "
                                        "WAV, MP3 or AAC and try again."), field="audio")
            if seconds > conf.AUDIO_MAX_SECONDS:
                raise StoryboardError(
                    _("The track is %(seconds)s s long; an episode takes at most %(max)s s.")
                    % {"seconds": f"{seconds:.0f}", "max": conf.AUDIO_MAX_SECONDS},
                    field="audio")
            # A container that only looks like one: its first sound must decode.
            if next(container.decode(stream), None) is None:
                raise unreadable
    except (av.FFmpegError, UnicodeDecodeError, ValueError):
        raise unreadable from None
    return suffix


def _check_no_assembly_running(board: Storyboard) -> None:
    if board.assemblies.filter(state__in=[Assembly.State.QUEUED,
                                          Assembly.State.RUNNING]).exists():
        # The assembly mixes the track it was started with; that file stays until it ends.
        raise StoryboardError(_("An assembly of this episode is running with the current "
                                "track; change the track when it has finished."),
                              field="audio")


def set_audio(board: Storyboard, upload) -> Storyboard:
    """The voice/music track; refused unless PyAV finds and decodes an audio stream in a
    container it knows, no longer than an episode and no bigger than
    conf.AUDIO_MAX_BYTES, and stored under a name of ours with that container's suffix."""
    check_editable(board)
    _check_no_assembly_running(board)
    if upload.size > conf.AUDIO_MAX_BYTES:
        raise StoryboardError(_("The track is %(size)s; the most allowed is %(max)s.")
                              % {"size": filesizeformat(upload.size),
                                 "max": filesizeformat(conf.AUDIO_MAX_BYTES)}, field="audio")
    with _on_disk(upload) as path:
        suffix = _audio_suffix(path)
    track = _stored_as(upload, board.episode.ref, suffix)
    with transaction.atomic():
        # Under the lock start_assembly takes: an assembly starting meanwhile either sees
        # the new track or keeps this one from being replaced under it; and the episode
        # may have been submitted while the file was checked.
        locked = Storyboard.objects.select_for_update().get(pk=board.pk)
        check_editable(locked)
        _check_no_assembly_running(locked)
        old = locked.audio.name if locked.audio else ""
        locked.audio.save(track.name, track, save=False)
        locked.save(update_fields=["audio"])
    if old and old != locked.audio.name:
        locked.audio.storage.delete(old)
    board.audio = locked.audio
    return board
