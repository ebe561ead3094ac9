"""Forms for accounts, studios, series and episodes."""

import tempfile
import uuid
from pathlib import Path

from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import MinValueValidator
from django.utils.translation import gettext_lazy as _

from creators import conf, media
from creators.models import Episode, Membership, Series, Studio, User


class SignUpForm(UserCreationForm):
    email = forms.EmailField(label=_("Email"), required=True, error_messages={
        "invalid": _("Enter an email address such as name@example.com."),
        "required": _("Enter your email address; password resets are sent to it."),
    })
    studio_name = forms.CharField(
        label=_("Studio name"),
        max_length=120,
        required=False,
        help_text=_("Leave empty to name it after you; you can rename it later."),
    )

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")

    def __init__(self, *args, joining: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if joining:  # on the way to a studio's invitation: no studio of their own is made
            del self.fields["studio_name"]

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("An account with this email already exists."))
        return email


def checked_image(upload):
    """A newly uploaded image, checked by its content with Pillow (pixel limit included),
    renamed by what it is."""
    if not isinstance(upload, UploadedFile):
        return upload
    if upload.size > conf.COVER_MAX_BYTES:
        raise forms.ValidationError(_("The image is too large."))
    with tempfile.NamedTemporaryFile() as tmp:
        for chunk in upload.chunks():
            tmp.write(chunk)
        tmp.flush()
        try:
            image_format = media.check_image(Path(tmp.name))
        except media.MediaRefused as refused:
            raise forms.ValidationError(str(refused))
    upload.seek(0)
    # Stored under a name of ours with its real format's suffix, never the one sent: a
    # PNG sent as cover.html is kept as a .png (and so served as a picture).
    upload.name = f"{uuid.uuid4().hex[:12]}{media.IMAGE_SUFFIXES[image_format]}"
    return upload


class StudioProfileForm(forms.ModelForm):
    class Meta:
        model = Studio
        fields = ("name", "bio", "avatar")

    def clean_avatar(self):
        return checked_image(self.cleaned_data.get("avatar"))


class PayoutForm(forms.Form):
    payout_details = forms.CharField(
        label=_("Payout details"), widget=forms.Textarea(attrs={"rows": 4}), required=False,
        max_length=2000,
        help_text=_("Bank account or payee details; only owners see them."),
    )


class NewStudioForm(forms.Form):
    name = forms.CharField(label=_("Studio name"), max_length=120, error_messages={
        "max_length": _("A studio name has at most %(limit_value)d characters (this one has "
                        "%(show_value)d).")})


class InviteForm(forms.Form):
    who = forms.CharField(label=_("Username or email"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices,
                             initial=Membership.Role.MEMBER)


class SeriesForm(forms.ModelForm):
    class Meta:
        model = Series
        fields = ("title", "synopsis", "cover", "category", "exclusive", "license")

    def __init__(self, *args, studio: Studio, **kwargs):
        super().__init__(*args, **kwargs)
        from library.models import License

        self.studio = studio
        self.fields["license"].queryset = License.objects.filter(studio=studio).select_related(
            "ip"
        )
        self.fields["license"].empty_label = _("Original (no license)")
        self.fields["license"].label = _("Based on")

    def clean_cover(self):
        return checked_image(self.cleaned_data.get("cover"))

    def clean_license(self):
        from django.core.exceptions import ValidationError
        from django.utils import timezone

        from library.services import assert_license_usable

        license = self.cleaned_data.get("license")
        changed = license is not None and (
            self.instance.pk is None or license.pk != self.instance.license_id
        )
        if changed:
            try:
                assert_license_usable(self.studio, license, timezone.localdate())
            except ValidationError as error:
                raise forms.ValidationError(error.messages)
        return license


class EpisodeForm(forms.ModelForm):
    class Meta:
        model = Episode
        fields = ("number", "title", "hook_line")

    def __init__(self, *args, series: Series, **kwargs):
        super().__init__(*args, **kwargs)
        self.series = series
        self.fields["number"].min_value = 1  # episodes count from 1
        self.fields["number"].validators.append(MinValueValidator(1))
        self.fields["number"].widget.attrs["min"] = 1

    def clean_number(self):
        number = self.cleaned_data["number"]
        clash = Episode.objects.filter(series=self.series, number=number)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(_("This series already has an episode %(n)s.")
                                        % {"n": number})
        return number
