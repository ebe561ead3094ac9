"""Forms of the IP library: search, IP editing, applications and counters."""

import datetime
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from library.models import IP
from library.services import NEGATIVE_MG, parse_tags
from library.territories import TERRITORIES, codes, normalise

TERRITORY_HELP = _("Worldwide covers every territory: tick it alone.")


class TerritoriesField(forms.MultipleChoiceField):
    """Where a license runs, ticked from the known territories and stored as codes
    ("CN, HK"). A typed list ("CN, HK" in one value, as a script or an old form posts it)
    is read the same way, and the library's own check gives the refusal: an unknown code
    by name, none at all, or WW beside another."""

    def __init__(self, **kwargs):
        # site.js reads data-sole: ticking Worldwide clears the others, and the reverse.
        kwargs.setdefault("widget", forms.CheckboxSelectMultiple(attrs={"data-sole": "WW"}))
        kwargs.setdefault("label", _("Territories"))
        kwargs.setdefault("help_text", TERRITORY_HELP)
        super().__init__(choices=list(TERRITORIES.items()), **kwargs)

    def prepare_value(self, value):
        return self.to_python(value)

    def to_python(self, value) -> list[str]:
        if not value:
            return []
        if isinstance(value, str):
            value = [value]
        return codes(",".join(str(v) for v in value))

    def validate(self, value) -> None:
        """normalise() below says what is wrong better than "not one of the choices"."""

    def clean(self, value) -> str:
        return normalise(", ".join(self.to_python(value)))


TOO_LONG_TO_SEARCH = {"max_length": _(
    "Not searched: at most %(limit_value)d characters (this has %(show_value)d).")}


class SearchForm(forms.Form):
    """The library's search box. Each field filters on its own: a refused field is left
    out with its reason shown beside it, and never takes the valid ones with it."""

    title = forms.CharField(label=_("Title"), required=False, max_length=100,
                            error_messages=TOO_LONG_TO_SEARCH)
    author = forms.CharField(label=_("Author"), required=False, max_length=100,
                             error_messages=TOO_LONG_TO_SEARCH)
    tag = forms.CharField(label=_("Tag"), required=False, max_length=40,
                          error_messages=TOO_LONG_TO_SEARCH)
    kind = forms.ChoiceField(label=_("Kind"), required=False,
                             choices=[("", _("Any kind"))] + list(IP.Kind.choices),
                             error_messages={"invalid_choice": _(
                                 "Not searched: choose a kind from the list.")})
    exclusive = forms.BooleanField(label=_("Available for exclusive"), required=False)
    page = forms.IntegerField(required=False, min_value=1, max_value=100000)

    def filters(self) -> dict:
        """The arguments of queries.search_ips from the fields that passed. A page number
        that is not one (a hand-edited or stale link) reads as the first page."""
        data = {}
        if self.is_bound:
            self.is_valid()  # cleans every field; cleaned_data keeps the ones that passed
            data = self.cleaned_data
        return {
            "title": data.get("title", ""), "author": data.get("author", ""),
            "tag": data.get("tag", ""), "kind": data.get("kind", ""),
            "exclusive_available": bool(data.get("exclusive")),
            "page": data.get("page") or 1,
        }


class IPForm(forms.ModelForm):
    tags = forms.CharField(label=_("Tags"), required=False, max_length=400,
                           help_text=_("Separated by commas, e.g. 玄幻, 系统"))
    territories = TerritoriesField(initial=IP._meta.get_field("territories").default)

    class Meta:
        model = IP
        fields = ("title", "original_author", "kind", "synopsis", "cover", "exclusive_allowed",
                  "licensor_share", "minimum_guarantee", "term_months", "territories")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["tags"].initial = ", ".join(t.name for t in self.instance.tags.all())
        self.fields["minimum_guarantee"].widget.attrs["min"] = "0"

    def clean_minimum_guarantee(self):
        value = self.cleaned_data.get("minimum_guarantee")
        if value is not None and value < 0:
            raise forms.ValidationError(NEGATIVE_MG, code="mg")
        return value

    def clean_cover(self):
        from creators.forms import checked_image

        return checked_image(self.cleaned_data.get("cover"))

    def clean_tags(self) -> list[str]:
        return parse_tags(self.cleaned_data.get("tags", ""))


class TermsForm(forms.Form):
    exclusive = forms.BooleanField(label=_("Exclusive"), required=False)
    starts_on = forms.DateField(label=_("Starts on"),
                                widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("Ends on"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    licensor_share = forms.DecimalField(label=_("Licensor share (0–1)"), min_value=Decimal("0"),
                                        max_value=Decimal("1"), max_digits=5, decimal_places=4)
    minimum_guarantee = forms.DecimalField(label=_("Minimum guarantee (CNY)"),
                                           min_value=Decimal("0"), max_digits=14,
                                           decimal_places=2)
    territories = TerritoriesField(initial="CN")
    note = forms.CharField(label=_("Note"), required=False, max_length=1000,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            raise forms.ValidationError(_("The term must end on or after its start."))
        return data

    @classmethod
    def offered_by(cls, ip: IP, **kwargs) -> "TermsForm":
        start = timezone.localdate()
        end = _add_months(start, ip.term_months) - datetime.timedelta(days=1)
        return cls(initial={"exclusive": ip.exclusive_allowed, "starts_on": start,
                            "ends_on": end, "licensor_share": ip.licensor_share,
                            "minimum_guarantee": ip.minimum_guarantee,
                            "territories": ip.territories}, **kwargs)

    def terms(self) -> dict:
        return {k: self.cleaned_data[k] for k in ("exclusive", "starts_on", "ends_on",
                                                  "licensor_share", "minimum_guarantee",
                                                  "territories")}


class ApplyForm(TermsForm):
    studio = forms.ChoiceField(label=_("Studio"))
    field_order = ["studio"]

    def __init__(self, *args, studios, **kwargs):
        super().__init__(*args, **kwargs)
        self.studios = {str(s.pk): s for s in studios}
        self.fields["studio"].choices = [(str(s.pk), s.name) for s in studios]

    def clean_studio(self):
        return self.studios[self.cleaned_data["studio"]]

    @classmethod
    def offered_by(cls, ip: IP, **kwargs) -> "ApplyForm":
        base = TermsForm.offered_by(ip)
        return cls(initial=base.initial, **kwargs)


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=1000,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        # Its own ids: the counter-offer form on the same page has a note field too.
        kwargs.setdefault("auto_id", "id_decision_%s")
        super().__init__(*args, **kwargs)


def _add_months(day: datetime.date, months: int) -> datetime.date:
    import calendar

    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month,
                       day=min(day.day, calendar.monthrange(year, month)[1]))
