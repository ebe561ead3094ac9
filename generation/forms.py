"""Forms of the generation pages: a keyframe, a shot, a staff credit grant."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from generation import registry
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


class ShotForm(ErrorSummaryForm):
    model = forms.ChoiceField(label=_("Model"))
    prompt = forms.CharField(label=_("Prompt"), max_length=500)
    first_job = forms.ChoiceField(label=_("First frame"))
    last_job = forms.ChoiceField(label=_("Last frame"), required=False)
    frames = forms.TypedChoiceField(label=_("Frames"), coerce=int,
                                    choices=[(n, n) for n in (5, 9, 13, 17)], initial=9)
    seed = forms.IntegerField(label=_("Seed"), min_value=0, max_value=2**31 - 1,
                              required=False)

    def __init__(self, *args, studio=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model"].choices = _model_choices(registry.MOTION)
        keyframes = Job.objects.filter(
            studio=studio, kind=Job.Kind.KEYFRAME, state=Job.State.SUCCEEDED
        ).order_by("-created_at")[:30]
        choices = [(str(j.pk), f"{j.params.get('prompt', '')[:30]} · {str(j.pk)[:8]}")
                   for j in keyframes]
        self.fields["first_job"].choices = choices
        self.fields["last_job"].choices = [("", _("(none)"))] + choices

    def params(self) -> dict:
        data = self.cleaned_data
        return {k: data[k] for k in ("prompt", "first_job", "last_job", "frames", "seed")
                if data.get(k) not in (None, "")}


class GrantForm(forms.Form):
    studio = forms.SlugField(label=_("Studio slug"))
    amount = forms.IntegerField(label=_("Credits"), min_value=1, max_value=1_000_000)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
