"""Writes and rules of the IP library: licenses and what they allow."""

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from creators.models import Studio
from library.models import License


def assert_license_usable(studio: Studio, license: License, on_date: datetime.date) -> None:
    """A series may only be made, and an episode only published, under a license that
    belongs to the studio and covers the date. Raises ValidationError with the reason."""
    if license.studio_id != studio.id:
        raise ValidationError(_("This license belongs to another studio."), code="not_owner")
    if not license.covers(on_date):
        raise ValidationError(
            _("The license runs from %(start)s to %(end)s and does not cover %(day)s.")
            % {"start": license.starts_on, "end": license.ends_on, "day": on_date},
            code="outside_term",
        )
