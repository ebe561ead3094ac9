"""Forms of the finance pages."""

import json

from django import forms
from django.utils.translation import gettext_lazy as _

from revenue.services import parse_policy_json


class UploadForm(forms.Form):
    platform = forms.SlugField(label=_("Platform"), max_length=40)
    file = forms.FileField(label=_("Revenue CSV"))


class SettleForm(forms.Form):
    period = forms.RegexField(label=_("Period (YYYY-MM)"), regex=r"^\d{4}-(0[1-9]|1[0-2])$")


class PolicyForm(forms.Form):
    """The next version: a copy of the current one (JSON) with a new name and start."""

    policy = forms.CharField(label=_("Policy (JSON, set name and valid_from)"),
                             widget=forms.Textarea(attrs={"rows": 28, "cols": 80}))

    def clean_policy(self):
        try:
            data = parse_policy_json(self.cleaned_data["policy"])
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(_("Not valid JSON: %(e)s"), params={"e": exc}) from exc
        if not isinstance(data, dict):
            raise forms.ValidationError(_("A JSON object is expected."))
        return data
