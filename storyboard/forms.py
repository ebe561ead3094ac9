"""Forms of the storyboard pages."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from generation.forms import ErrorSummaryForm
from storyboard.models import (
    REFERENCE_STRENGTH_DEFAULT,
    REFERENCE_STRENGTH_MIN,
    Camera,
    Character,
    ReferenceImage,
)

# What a shot's text may hold: a prompt and a description go into every keyframe prompt of
# the shot, a dialogue becomes its subtitle lines.
PROMPT_MAX_CHARS = 1000
DIALOGUE_MAX_CHARS = 1000
DESCRIPTION_MAX_CHARS = 500
# A one-sentence edit is added to the prompt of the keyframe it re-renders.
EDIT_MAX_CHARS = 200


class ShotForm(ErrorSummaryForm):
    prompt = forms.CharField(label=_("Prompt"), required=False, max_length=PROMPT_MAX_CHARS,
                             widget=forms.Textarea(attrs={"rows": 2}))
    camera = forms.ChoiceField(label=_("Camera"), choices=Camera.choices, initial=Camera.MEDIUM)
    dialogue = forms.CharField(label=_("Dialogue / subtitles (one line each)"), required=False,
                               max_length=DIALOGUE_MAX_CHARS, widget=forms.Textarea(attrs={"rows": 2}))
    duration = forms.DecimalField(label=_("Duration (s)"), min_value=Decimal("0.5"),
                                  max_value=Decimal("60"), decimal_places=2,
                                  initial=Decimal("3"))
    characters = forms.ModelMultipleChoiceField(label=_("Characters"), required=False,
                                                queryset=Character.objects.none())
    reference_strength = forms.DecimalField(
        label=_("Reference strength"), min_value=Decimal(REFERENCE_STRENGTH_MIN),
        max_value=Decimal("1"), decimal_places=2, required=False,
        initial=Decimal(REFERENCE_STRENGTH_DEFAULT),
        help_text=_("How far the keyframe may move away from the character's reference "
                    "picture: 0.05 keeps it, 1.00 ignores it."))

    def __init__(self, *args, series=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Another series' (or studio's) character is simply not a valid choice.
        self.fields["characters"].queryset = Character.objects.filter(series=series)


class CharacterForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    description = forms.CharField(label=_("Description"), required=False,
                                  max_length=DESCRIPTION_MAX_CHARS, widget=forms.Textarea(attrs={"rows": 2}))
    reference = forms.ImageField(label=_("Reference image"), required=False)


class CharacterEditForm(CharacterForm):
    """The character's name, description and pictures: one picture more, and any of its
    own to remove."""
    remove = forms.ModelMultipleChoiceField(
        label=_("Remove"), required=False, queryset=ReferenceImage.objects.none(),
        widget=forms.CheckboxSelectMultiple)

    field_order = ["name", "description", "remove", "reference"]

    def __init__(self, *args, character: Character, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reference"].label = _("Add a reference picture")
        self.fields["remove"].queryset = character.references.order_by("created_at", "pk")

    def removed_ids(self) -> set[str]:
        """The pictures ticked for removal, as the page sends them back."""
        return {str(value) for value in (self["remove"].value() or [])}


class EditForm(forms.Form):
    instruction = forms.CharField(
        label=_("Change in one sentence"), max_length=EDIT_MAX_CHARS,
        error_messages={"required": _("Say in one sentence what should change.")})


class AudioForm(forms.Form):
    audio = forms.FileField(label=_("Voice or music track"),
                            help_text=_("WAV, MP3, AAC, M4A, OGG, FLAC or WebM audio, at most "
                                        "50 MB and 300 s."),
                            error_messages={"required": _("Choose an audio file.")},
                            widget=forms.ClearableFileInput(attrs={"accept": "audio/*"}))
