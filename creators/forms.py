"""Forms for accounts and studios."""

from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import gettext_lazy as _

from creators.models import User


class SignUpForm(UserCreationForm):
    email = forms.EmailField(label=_("Email"), required=True)
    studio_name = forms.CharField(
        label=_("Studio name"),
        max_length=120,
        required=False,
        help_text=_("Leave empty to name it after you; you can rename it later."),
    )

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("An account with this email already exists."))
        return email
