"""Where a license runs: territory codes as stored ("CN, HK"), read as names in the
reader's language, and typed codes checked so that a typo does not become a license for a
territory nobody meant. ISO 3166-1 alpha-2 codes for the markets short dramas are sold in,
and WW for worldwide."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

TERRITORIES = {
    "WW": _("Worldwide"),
    "CN": _("Mainland China"),
    "HK": _("Hong Kong (China)"),
    "MO": _("Macao (China)"),
    "TW": _("Taiwan (China)"),
    "SG": _("Singapore"),
    "MY": _("Malaysia"),
    "TH": _("Thailand"),
    "VN": _("Vietnam"),
    "ID": _("Indonesia"),
    "PH": _("Philippines"),
    "JP": _("Japan"),
    "KR": _("South Korea"),
    "US": _("United States"),
    "CA": _("Canada"),
    "GB": _("United Kingdom"),
    "AU": _("Australia"),
}


def codes(text: str) -> list[str]:
    """The codes of a stored or typed list, upper-cased, in order, each once."""
    seen: list[str] = []
    for code in re.split(r"[,，、;；\s]+", text or ""):
        code = code.strip().upper()
        if code and code not in seen:
            seen.append(code)
    return seen


def normalise(text: str) -> str:
    """A typed list as it is stored ("cn，hk" → "CN, HK"); refuses unknown codes by name,
    an empty list, and WW beside other codes (worldwide already covers them)."""
    found = codes(text)
    unknown = [c for c in found if c not in TERRITORIES]
    if unknown:
        raise ValidationError(
            gettext("Unknown territory code: %(codes)s. Use %(known)s.")
            % {"codes": ", ".join(unknown), "known": ", ".join(TERRITORIES)},
            code="territory")
    if not found:
        raise ValidationError(gettext("Name at least one territory."), code="territory")
    if "WW" in found and len(found) > 1:
        raise ValidationError(gettext("WW (worldwide) already covers every other territory."),
                              code="territory")
    return ", ".join(found)


def validate(text: str) -> None:
    """A model field's validator: the admin's IP form refuses what the pages refuse."""
    normalise(text)


def names(text: str) -> str:
    """The stored list as names in the active language; a code from before the check
    (typed freely) is shown as it was written."""
    found = codes(text)
    if not all(c in TERRITORIES for c in found):
        return text
    return pgettext("list separator", ", ").join(str(TERRITORIES[c]) for c in found)
