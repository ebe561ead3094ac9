"""Storyboard pages: thin views over storyboard.services and storyboard.queries. A POST
answers with a redirect back to the storyboard (htmx-free, so a reload is always the
truth), except a refused shot, edit or track form: the page comes again with what was
typed and why it was refused. The page's script follows running jobs live."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from creators.queries import studios_of
from storyboard import conf, queries, services
from storyboard.forms import AudioForm, CharacterEditForm, CharacterForm, EditForm, ShotForm


def _back(slug: str, ref: str, anchor: str = "") -> HttpResponse:
    response = redirect("storyboard:board", slug=slug, ref=ref)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


def board_action(view):
    """A POST on one storyboard: resolves it for the member (404 otherwise), turns a
    StoryboardError into a message, and goes back to the page (to the anchor the view
    returns). A view that returns a response has it sent as it is."""

    @login_required
    @require_POST
    @wraps(view)
    def wrapped(request, slug: str, ref: str, **kwargs):
        membership, board = queries.board_or_404(request.user, slug, ref)
        if "shot_id" in kwargs:
            kwargs["shot"] = queries.shot_or_404(board, kwargs.pop("shot_id"))
        try:
            anchor = view(request, membership, board, **kwargs) or ""
        except services.StoryboardError as error:
            # A refusal on a shot goes back to that shot, where the page repeats it
            # (the message also heads the page, which is then out of view).
            shot = kwargs.get("shot")
            tag = f"shot-{shot.pk}" if shot is not None else ""
            messages.error(request, str(error), extra_tags=tag)
            anchor = tag
        if isinstance(anchor, HttpResponse):
            return anchor
        return _back(slug, ref, anchor)

    return wrapped


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    page = queries.boards_of(studios_of(request.user), request.GET.get("page"))
    return render(request, "storyboard/index.html", {"episodes": page, "page": page})


def _board_page(request: HttpRequest, membership, board, new_shot: ShotForm | None = None,
                shot_form: ShotForm | None = None, edit: tuple | None = None,
                audio_form: AudioForm | None = None, status: int = 200) -> HttpResponse:
    """The storyboard page; `new_shot`, `shot_form` (one shot's), `edit` (a shot and its
    one-sentence edit form) or `audio_form` is a refused form shown with what was typed
    and its errors."""
    from creators.services import EDITABLE_STATUSES, missing_text

    episode = board.episode
    series = episode.series
    page = queries.board_page(board)
    editable = episode.status in EDITABLE_STATUSES
    for row in page["rows"]:
        if not editable:  # a locked storyboard reads as text: no form to fill
            continue
        shot = row["shot"]
        row["edit_form"] = edit[1] if edit is not None and edit[0].pk == shot.pk else EditForm()
        if shot_form is not None and shot_form.prefix == f"s{shot.pk}":
            row["form"] = shot_form
            continue
        row["form"] = ShotForm(series=series, prefix=f"s{shot.pk}", initial={
            "prompt": shot.prompt, "camera": shot.camera, "dialogue": shot.dialogue,
            "duration": shot.duration, "characters": row["character_ids"],
            "reference_strength": shot.reference_strength})
    return render(request, "storyboard/board.html", {
        "studio": membership.studio, "membership": membership, "episode": episode,
        "series": series, "board": board, **page,
        "new_shot": new_shot or ShotForm(series=series, prefix="new"),
        "audio_form": audio_form if audio_form is not None else AudioForm(),
        "characters": queries.characters_of(series),
        "editable": editable,
        "missing": missing_text(episode),
    }, status=status)


@login_required
@require_GET
def board(request: HttpRequest, slug: str, ref: str) -> HttpResponse:
    membership, board = queries.board_or_404(request.user, slug, ref, create=False)
    return _board_page(request, membership, board)


@login_required
@require_GET
def board_state(request: HttpRequest, slug: str, ref: str) -> JsonResponse:
    """What is running, for the page's script after a reload or a lost socket."""
    _membership, board = queries.board_or_404(request.user, slug, ref, create=False)
    page = queries.board_page(board)
    assembly = page["assembly"]
    return JsonResponse({
        "running": page["running"],
        "assembly": assembly and {"id": assembly.pk, "state": assembly.state,
                                  "progress": assembly.progress, "error": assembly.error},
        "episode": {"status": board.episode.status, "probe": board.episode.probe_state},
    })


def _refused_shot(request, membership, board, form: ShotForm, **forms) -> HttpResponse:
    # Each field's own words, by its label, as the fields below show them too.
    reasons = form.field_error_lines() + list(form.non_field_errors())
    messages.error(request, _("Check the shot. %(errors)s") % {"errors": " ".join(reasons)})
    return _board_page(request, membership, board, status=400, **forms)


@board_action
def shot_add(request, membership, board):
    form = ShotForm(request.POST, series=board.episode.series, prefix="new")
    if form.is_valid():
        data = form.cleaned_data
        try:
            shot = services.add_shot(board, data["prompt"], data["camera"], data["dialogue"],
                                     data["duration"], data["characters"],
                                     data["reference_strength"])
        except services.StoryboardError as error:
            form.add_error(error.field, str(error))
        else:
            return f"shot-{shot.pk}"
    return _refused_shot(request, membership, board, form, new_shot=form)


@board_action
def shot_update(request, membership, board, shot):
    form = ShotForm(request.POST, series=board.episode.series, prefix=f"s{shot.pk}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.update_shot(shot, data["prompt"], data["camera"], data["dialogue"],
                                 data["duration"], data["characters"],
                                 reference_strength=data["reference_strength"])
        except services.StoryboardError as error:
            form.add_error(error.field, str(error))
        else:
            return f"shot-{shot.pk}"
    return _refused_shot(request, membership, board, form, shot_form=form)


@board_action
def shot_move(request, membership, board, shot):
    services.move_shot(shot, -1 if request.POST.get("direction") == "up" else 1)
    return f"shot-{shot.pk}"


@board_action
def shot_duplicate(request, membership, board, shot):
    return f"shot-{services.duplicate_shot(shot).pk}"


@board_action
def shot_delete(request, membership, board, shot):
    services.delete_shot(shot)


@board_action
def shot_keyframe(request, membership, board, shot):
    if request.POST.get("mode") == "grid":
        services.generate_grid(shot, request.user, **conf.KEYFRAME_PARAMS)
    else:
        services.generate_keyframe(shot, request.user, **conf.KEYFRAME_PARAMS)
    return f"shot-{shot.pk}"


@board_action
def shot_pick(request, membership, board, shot):
    services.pick_keyframe(shot, request.POST.get("job", ""), request.POST.get("index", 0))
    return f"shot-{shot.pk}"


@board_action
def shot_edit(request, membership, board, shot):
    services.check_editable(board)  # a locked page shows no box to bring the text back in
    form = EditForm(request.POST)
    if form.is_valid():
        try:
            services.edit_keyframe(shot, request.user, form.cleaned_data["instruction"])
        except services.StoryboardError as error:
            # Said where the shot's other refusals are; the box keeps what was typed.
            messages.error(request, str(error), extra_tags=f"shot-{shot.pk}")
        else:
            return f"shot-{shot.pk}"
    return _board_page(request, membership, board, edit=(shot, form), status=400)


@board_action
def shot_animate(request, membership, board, shot):
    wanted = request.POST.get("last_frame") == "1"
    try:
        services.animate_shot(shot, request.user, use_last_frame=wanted, **conf.MOTION_PARAMS)
    except services.StoryboardError:
        services.remember_last_frame(shot, wanted)  # the tick survives the refusal
        raise
    return f"shot-{shot.pk}"


@board_action
def audio_upload(request, membership, board):
    services.check_editable(board)  # a locked page shows no upload field to say why beside
    form = AudioForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.set_audio(board, form.cleaned_data["audio"])
        except services.StoryboardError as error:
            if error.field is None:
                raise  # not about the file: said atop the page
            form.add_error(error.field, str(error))
        else:
            return "assemble"
    return _board_page(request, membership, board, audio_form=form, status=400)


@board_action
def assemble(request, membership, board):
    services.start_assembly(board, request.user)
    messages.success(request, _("Assembly queued."))
    return "assemble"


@board_action
def submit(request, membership, board):
    services.submit_episode(board.episode)
    messages.success(request, _("Submitted for review."))
    return "assemble"


@login_required
def characters(request: HttpRequest, slug: str, series_slug: str) -> HttpResponse:
    membership, series = queries.character_series_or_404(request.user, slug, series_slug)
    form = CharacterForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.create_character(series, data["name"], data["description"],
                                      [data["reference"]] if data.get("reference") else [])
        except services.StoryboardError as error:
            form.add_error(error.field, str(error))
        else:
            messages.success(request, _("Character saved."))
            return redirect("storyboard:characters", slug=slug, series_slug=series_slug)
    return render(request, "storyboard/characters.html", {
        "studio": membership.studio, "membership": membership, "series": series,
        "characters": queries.characters_of(series), "form": form,
        "episodes": series.episodes.all(),
    }, status=400 if form.errors else 200)


def _to_characters(slug: str, series_slug: str) -> HttpResponse:
    return redirect("storyboard:characters", slug=slug, series_slug=series_slug)


@login_required
@require_http_methods(["GET", "POST"])
def character_edit(request: HttpRequest, slug: str, series_slug: str,
                   character_id: int) -> HttpResponse:
    membership, series, character = queries.character_or_404(request.user, slug, series_slug,
                                                             character_id)
    form = CharacterEditForm(request.POST or None, request.FILES or None, character=character,
                             initial={"name": character.name,
                                      "description": character.description})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_character(
                character, data["name"], data["description"],
                add=[data["reference"]] if data.get("reference") else [],
                remove=data["remove"])
        except services.StoryboardError as error:
            form.add_error(error.field, str(error))
        else:
            messages.success(request, _("Character saved."))
            return _to_characters(slug, series_slug)
    return render(request, "storyboard/character_edit.html", {
        "studio": membership.studio, "membership": membership, "series": series,
        "character": character, "form": form, "removing": form.removed_ids(),
        "pictures": form.fields["remove"].queryset,
        "shot_count": character.shots.count(),
    }, status=400 if form.errors else 200)


@login_required
@require_POST
def character_delete(request: HttpRequest, slug: str, series_slug: str,
                     character_id: int) -> HttpResponse:
    _membership, _series, character = queries.character_or_404(request.user, slug,
                                                               series_slug, character_id)
    name = character.name
    try:
        shots = services.delete_character(character)
    except services.StoryboardError as error:
        messages.error(request, str(error))
    else:
        if shots:
            messages.success(request, ngettext(
                "Character %(name)s deleted; %(n)s shot no longer names it.",
                "Character %(name)s deleted; %(n)s shots no longer name it.",
                shots) % {"name": name, "n": shots})
        else:
            messages.success(request, _("Character %(name)s deleted.") % {"name": name})
    return _to_characters(slug, series_slug)
