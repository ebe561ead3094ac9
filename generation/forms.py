"""Forms of the generation pages: a keyframe, a shot, a staff credit grant."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from generation import queries, registry
from generation.models import Job


def _model_choices(kind: str):
    return [(spec.key, gettext(spec.label) if spec.label else spec.key)
            for spec in registry.of_kind(kind)]


class ErrorSummaryForm(forms.Form):
    """A form whose refusal is summed up above it, one line per field error."""

    def field_error_lines(self) -> list[str]:
        return [gettext("%(field)s: %(error)s")
                % {"field": self.fields[name].label or name, "error": error}
                for name, errors in self.errors.items() if name in self.fields
                for error in errors]


class KeyframeForm(ErrorSummaryForm):
    model = forms.ChoiceField(label=_("Model"))
    prompt = forms.CharField(label=_("Prompt"), max_length=500, widget=forms.Textarea(
        attrs={"rows": 2}))
    negative_prompt = forms.CharField(label=_("Negative prompt"), max_length=500,
                                      required=False)
    steps = forms.IntegerField(label=_("Steps"), min_value=1, max_value=100, required=False)
    seed = forms.IntegerField(label=_("Seed"), min_value=0, max_value=2**31 - 1,
                              required=False, help_text=_("Empty: a random seed."))
    episode = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model"].choices = _model_choices(registry.KEYFRAME)
        # An empty box runs the model's own number of steps: say what that number is.
        defaults = [spec.defaults["steps"] for spec in registry.of_kind(registry.KEYFRAME)
                    if spec.defaults.get("steps")]
        if defaults:
            self.fields["steps"].widget.attrs["placeholder"] = str(defaults[0])
            self.fields["steps"].help_text = gettext("Empty: the model's default (%(steps)s).") % {
                "steps": " / ".join(str(n) for n in dict.fromkeys(defaults))}

    def params(self) -> dict:
        data = self.cleaned_data
        return {k: data[k] for k in ("prompt", "negative_prompt", "steps", "seed")
                if data.get(k) not in (None, "")}


class KeyframeChoiceField(forms.ChoiceField):
    """A finished keyframe of the form's studio, by job id. The page lists a few of them
    (the newest, or those found by prompt); any of them is accepted, and nothing else, with
    the refusal a choice outside the list gets."""

    studio = None

    def valid_value(self, value) -> bool:
        return str(value) in queries.finished_keyframes(self.studio, [value])


def _keyframe_label(job: Job) -> str:
    return f"{job.params.get('prompt', '')[:30]} · {str(job.pk)[:8]}"


class ShotForm(ErrorSummaryForm):
    model = forms.ChoiceField(label=_("Model"))
    prompt = forms.CharField(label=_("Prompt"), max_length=500)
    first_job = KeyframeChoiceField(label=_("First frame"))
    last_job = KeyframeChoiceField(label=_("Last frame"), required=False)
    frames = forms.TypedChoiceField(label=_("Frames"), coerce=int,
                                    choices=[(n, n) for n in (5, 9, 13, 17)], initial=9)
    seed = forms.IntegerField(label=_("Seed"), min_value=0, max_value=2**31 - 1,
                              required=False)

    def __init__(self, *args, studio=None, keyframe_search: str = "", keyframe_page: int = 1,
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model"].choices = _model_choices(registry.MOTION)
        # The keyframes on offer: one page of the newest (or of those found by prompt).
        self.keyframes = queries.keyframes_of(studio, keyframe_search, keyframe_page)
        keyframes = list(self.keyframes.items)
        if self.is_bound:
            # A refused form comes back with the keyframes it chose still chosen, even
            # when they are not on the page the lists were made from.
            listed = {str(j.pk) for j in keyframes}
            chosen = [self.data.get(self.add_prefix(name)) for name in ("first_job", "last_job")]
            keyframes = [j for j in queries.finished_keyframes(studio, chosen).values()
                         if str(j.pk) not in listed] + keyframes
        choices = [(str(j.pk), _keyframe_label(j)) for j in keyframes]
        for name in ("first_job", "last_job"):
            self.fields[name].studio = studio
        self.fields["first_job"].choices = choices
        self.fields["last_job"].choices = [("", _("(none)"))] + choices
        # Whether a shot can be made at all: a search that finds nothing still has some.
        self.has_keyframes = bool(choices) or queries.has_finished_keyframes(studio)

    def params(self) -> dict:
        data = self.cleaned_data
        return {k: data[k] for k in ("prompt", "first_job", "last_job", "frames", "seed")
                if data.get(k) not in (None, "")}


class GrantForm(forms.Form):
    studio = forms.SlugField(label=_("Studio slug"))
    amount = forms.IntegerField(label=_("Credits"), min_value=1, max_value=1_000_000)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
