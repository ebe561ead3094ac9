"""Forms of the review pages: queue filters and the three decisions."""

import datetime

from django import forms
from django.core.validators import MaxLengthValidator
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from creators.models import Category, Episode, Grade, Series, Studio
from review import conf
from review.models import Decision, ReviewItem
from review.queries import FLAG_LABELS

# The largest id a filter accepts (a 64-bit primary key); past it a lookup would overflow.
MAX_ID = 2**63 - 1


def _raw_id(value) -> int | None:
    """The id a filter's raw query value names, or None when it names none."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 1 <= number <= MAX_ID else None


class _StudioChoice(forms.ModelChoiceField):
    """A studio by name; the slug is added where another studio has the same name."""

    shared_names: frozenset = frozenset()

    def label_from_instance(self, obj):
        return studio_label(obj, self.shared_names)


class _SeriesSelect(forms.Select):
    """Each series option names its studio (data-studio), so the page narrows the list to
    the studio picked beside it without a round trip."""

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-studio"] = str(instance.studio_id)
        return option


class _SeriesChoice(forms.ModelChoiceField):
    """A series by title, with the name of its studio."""

    shared_names: frozenset = frozenset()

    def label_from_instance(self, obj):
        return f"{obj.title} · {studio_label(obj.studio, self.shared_names)}"


def studio_label(studio: Studio, shared_names) -> str:
    return f"{studio.name} ({studio.slug})" if studio.name in shared_names else studio.name


class QueueFilterForm(forms.Form):
    """The queue's filters. Studio and series are picked by name; the option values are
    their ids, so the queue's URLs (?studio=ID&series=ID) stay as they were. The lists
    hold the studios and series that have episodes waiting in the queue (the series of
    the chosen studio only), plus the one a URL names, so a bookmarked filter whose queue
    has emptied still reads; an id of nothing, or not a number, is an error."""

    category = forms.ChoiceField(label=_("Category"), required=False,
                                 choices=[("", _("All"))] + list(Category.choices))
    studio = _StudioChoice(label=_("Studio"), required=False, empty_label=_("All"),
                           queryset=Studio.objects.none(), error_messages={
                               "invalid_choice": _("Unknown studio: choose one from the list.")})
    series = _SeriesChoice(label=_("Series"), required=False, empty_label=_("All"),
                           widget=_SeriesSelect,
                           queryset=Series.objects.none(), error_messages={
                               "invalid_choice": _("Unknown series: choose one from the list.")})
    source = forms.ChoiceField(label=_("Source"), required=False,
                               choices=[("", _("All")),
                                        (Episode.Source.GENERATED, _("Generated")),
                                        (Episode.Source.UPLOADED, _("Uploaded"))])
    flag = forms.ChoiceField(label=_("Flags"), required=False,
                             choices=[("", _("All")), ("any", _("Any flag"))]
                             + list(FLAG_LABELS.items()))
    page = forms.IntegerField(required=False, min_value=1, max_value=10**6,
                              widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        data = self.data if self.is_bound else {}
        chosen_studio = _raw_id(data.get("studio"))
        chosen_series = _raw_id(data.get("series"))
        queued = ReviewItem.objects.filter(state=ReviewItem.State.OPEN)

        # A URL may name a studio or series whose queue has emptied, but only one that was
        # ever in the queue: any other id would read out a draft series' title.
        reviewed = ReviewItem.objects.all()
        studios = Q(pk__in=queued.values("studio_id"))
        if chosen_studio:
            studios |= Q(pk=chosen_studio, pk__in=reviewed.values("studio_id"))
        self.fields["studio"].queryset = (Studio.objects.filter(studios)
                                          .order_by("name", "slug"))

        in_queue = queued.filter(studio_id=chosen_studio) if chosen_studio else queued
        series = Q(pk__in=in_queue.values("series_id"))
        if chosen_series:
            series |= Q(pk=chosen_series, pk__in=reviewed.values("series_id"))
        self.fields["series"].queryset = (Series.objects.filter(series).select_related("studio")
                                          .order_by("title", "studio__name", "id"))

        # A listed studio whose name another studio has too reads with its slug, in both
        # lists (a series's studio is a listed one, or the studio of the chosen series).
        listed = Studio.objects.filter(studios | Q(series__in=self.fields["series"].queryset))
        shared = frozenset(Studio.objects.filter(name__in=listed.values("name"))
                           .values("name").annotate(n=Count("id")).filter(n__gt=1)
                           .values_list("name", flat=True))
        self.fields["studio"].shared_names = self.fields["series"].shared_names = shared

    def clean(self):
        data = super().clean()
        studio, series = data.get("studio"), data.get("series")
        if studio and series and series.studio_id != studio.pk:
            self.add_error("series", gettext("This series belongs to another studio."))
        return data


def _note_field(label, required: bool) -> forms.CharField:
    """A decision's note, at most conf.NOTE_MAX_CHARS characters. The limit is checked on
    the server, not by a maxlength attribute: a browser would cut a pasted note short
    without a word, where the form says what is too long and keeps every character."""
    return forms.CharField(
        label=label, required=required, widget=forms.Textarea(attrs={"rows": 2}),
        validators=[MaxLengthValidator(conf.NOTE_MAX_CHARS, message=_(
            "A note can have at most %(limit_value)d characters; this one has "
            "%(show_value)d. Shorten it and send it again."))])


class _NoteHelp:
    """Tells the reviewer the note's limit before they write (in the page's language)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["note"].help_text = gettext("At most %(n)d characters.") % {
            "n": conf.NOTE_MAX_CHARS}


class ApproveForm(_NoteHelp, forms.Form):
    # No grade is preselected: S sets the largest minimum guarantee, and a reviewer who
    # clicks Approve without choosing must be asked, not default to it.
    grade = forms.ChoiceField(label=_("Grade"),
                              choices=[("", _("Choose a grade"))] + list(Grade.choices))
    category = forms.ChoiceField(label=_("Category (confirm or correct)"),
                                 choices=Category.choices,
                                 help_text=_("The category is the whole series': it prices "
                                             "every episode of it."))
    publish_on = forms.DateField(label=_("Publish on"),
                                 widget=forms.DateInput(attrs={"type": "date"},
                                                        format="%Y-%m-%d"))
    note = _note_field(_("Note"), required=False)

    def clean_publish_on(self):
        day = self.cleaned_data["publish_on"]
        if day < timezone.localdate():
            raise forms.ValidationError(_("The publish date cannot be in the past."))
        latest = timezone.localdate() + datetime.timedelta(days=conf.PUBLISH_AHEAD_DAYS)
        if day > latest:
            raise forms.ValidationError(
                _("The publish date can be at most %(n)s days ahead (%(latest)s): the "
                  "minimum guarantee waits for it.")
                % {"n": conf.PUBLISH_AHEAD_DAYS, "latest": latest.isoformat()})
        return day


class RejectForm(_NoteHelp, forms.Form):
    reasons = forms.MultipleChoiceField(label=_("Reasons"), choices=Decision.Reason.choices,
                                        widget=forms.CheckboxSelectMultiple)
    note = _note_field(_("Note"), required=True)


class ChangesForm(_NoteHelp, forms.Form):
    reasons = forms.MultipleChoiceField(label=_("Reasons"), required=False,
                                        choices=Decision.Reason.choices,
                                        widget=forms.CheckboxSelectMultiple)
    note = _note_field(_("What should change"), required=True)
