"""Forms of the finance pages."""

import json

from django import forms
from django.utils.translation import gettext_lazy as _

from revenue.services import parse_policy_json

# What a platform code looks like, said in our words: Django's stock slug message asks for
# a valid “slug” (in Chinese a valid “字段”, "field"), words no finance user can act on.
PLATFORM_CODE = _("Enter the platform's code: letters, digits, hyphens (-) or underscores "
                  "(_), with no spaces, such as hongguo or douyin-manju.")


class UploadForm(forms.Form):
    platform = forms.SlugField(label=_("Platform"), max_length=40,
                               error_messages={"invalid": PLATFORM_CODE})
    file = forms.FileField(label=_("Revenue CSV"))


class SettleForm(forms.Form):
    period = forms.RegexField(
        label=_("Period (YYYY-MM)"), regex=r"^[1-9][0-9]{3}-(0[1-9]|1[0-2])$",
        error_messages={"invalid": _("Enter the period as YYYY-MM, such as 2026-02.")})


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
