"""Forms of the review pages: queue filters and the three decisions."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from creators.models import Category, Episode, Grade
from review.models import Decision
from review.queries import FLAG_LABELS


class QueueFilterForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), required=False,
                                 choices=[("", _("All"))] + list(Category.choices))
    studio = forms.IntegerField(label=_("Studio"), required=False, min_value=1)
    series = forms.IntegerField(label=_("Series"), required=False, min_value=1)
    source = forms.ChoiceField(label=_("Source"), required=False,
                               choices=[("", _("All")),
                                        (Episode.Source.GENERATED, _("Generated")),
                                        (Episode.Source.UPLOADED, _("Uploaded"))])
    flag = forms.ChoiceField(label=_("Flags"), required=False,
                             choices=[("", _("All")), ("any", _("Any flag"))]
                             + list(FLAG_LABELS.items()))
    page = forms.IntegerField(required=False, min_value=1, max_value=10**6,
                              widget=forms.HiddenInput)


class ApproveForm(forms.Form):
    # No grade is preselected: S sets the largest minimum guarantee, and a reviewer who
    # clicks Approve without choosing must be asked, not default to it.
    grade = forms.ChoiceField(label=_("Grade"),
                              choices=[("", _("Choose a grade"))] + list(Grade.choices))
    category = forms.ChoiceField(label=_("Category (confirm or correct)"),
                                 choices=Category.choices)
    publish_on = forms.DateField(label=_("Publish on"),
                                 widget=forms.DateInput(attrs={"type": "date"},
                                                        format="%Y-%m-%d"))
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(
        attrs={"rows": 2}))

    def clean_publish_on(self):
        day = self.cleaned_data["publish_on"]
        if day < timezone.localdate():
            raise forms.ValidationError(_("The publish date cannot be in the past."))
        return day


class RejectForm(forms.Form):
    reasons = forms.MultipleChoiceField(label=_("Reasons"), choices=Decision.Reason.choices,
                                        widget=forms.CheckboxSelectMultiple)
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}))


class ChangesForm(forms.Form):
    reasons = forms.MultipleChoiceField(label=_("Reasons"), required=False,
                                        choices=Decision.Reason.choices,
                                        widget=forms.CheckboxSelectMultiple)
    note = forms.CharField(label=_("What should change"),
                           widget=forms.Textarea(attrs={"rows": 2}))
