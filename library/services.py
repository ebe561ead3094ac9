"""Writes and rules of the IP library: IPs, license applications, licenses and what they
allow. The overlap rules are also guarded by the database (migration 0003)."""

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from config.slugs import unique_slug
from creators.models import Membership, Series, Studio, User
from library.models import IP, ApplicationEvent, License, LicenseApplication, Tag
from library.territories import normalise as normalise_territories

Status = LicenseApplication.Status
Action = ApplicationEvent.Action


# --- What a license allows --------------------------------------------------------------


# The reasons assert_license_usable gives, by the ValidationError's code; its params are
# JSON values, so a check can keep the reason and show it in each reader's language.
LICENSE_REFUSALS = {
    "not_owner": gettext_noop("This license belongs to another studio."),
    "outside_term": gettext_noop(
        "The license runs from %(start)s to %(end)s and does not cover %(day)s."),
}


def assert_license_usable(studio: Studio, license: License, on_date: datetime.date) -> None:
    """A series may only be made, and an episode only published, under a license that
    belongs to the studio and covers the date. Raises ValidationError with the reason."""
    if license.studio_id != studio.id:
        raise ValidationError(_(LICENSE_REFUSALS["not_owner"]), code="not_owner", params={})
    if not license.covers(on_date):
        raise ValidationError(
            _(LICENSE_REFUSALS["outside_term"]), code="outside_term",
            params={"start": license.starts_on.isoformat(),
                    "end": license.ends_on.isoformat(), "day": on_date.isoformat()})


def assert_can_add_episode(series: Series, today: datetime.date | None = None) -> None:
    """An expired (or not yet started) license blocks new episodes; the episodes already
    made under it stay. Original series are never blocked."""
    if series.license_id is None:
        return
    today = today or timezone.localdate()
    license = series.license
    if license.ends_on < today:
        raise ValidationError(
            _("The license for %(ip)s expired on %(end)s: no new episodes can be added.")
            % {"ip": license.ip, "end": license.ends_on},
            code="expired",
        )
    assert_license_usable(series.studio, license, today)


# --- The overlap rules ------------------------------------------------------------------


NEGATIVE_MG = gettext_lazy("The minimum guarantee cannot be negative.")


def _check_terms(starts_on: datetime.date, ends_on: datetime.date, share: Decimal,
                 minimum_guarantee: Decimal) -> None:
    if ends_on < starts_on:
        raise ValidationError(_("The term must end on or after its start."), code="term_order")
    if not (Decimal("0") <= share <= Decimal("1")):
        raise ValidationError(_("The licensor share must be between 0 and 1."), code="share")
    if minimum_guarantee < 0:
        raise ValidationError(_("The minimum guarantee cannot be negative."), code="mg")


def _check_exclusive_offered(ip: IP, exclusive: bool) -> None:
    if exclusive and not ip.exclusive_allowed:
        raise ValidationError(_("The rights holder does not offer exclusive licenses."),
                              code="exclusive_not_offered")


def _check_proposal(ip: IP, exclusive: bool, starts_on: datetime.date,
                    today: datetime.date) -> None:
    """Terms put on the table, by the studio's application or the holder's counter-offer,
    and again when either side accepts them: a license starts today or later, and is
    exclusive only where the holder offers that. (grant_license alone may backdate, for
    licenses onboarded from elsewhere.)"""
    if starts_on < today:
        raise ValidationError(_("The term cannot start in the past."), code="past")
    _check_exclusive_offered(ip, exclusive)


def conflicting_licenses(ip: IP, exclusive: bool, starts_on: datetime.date,
                         ends_on: datetime.date):
    """Licenses on the IP that a new license with these terms would collide with."""
    overlapping = License.objects.filter(ip=ip, starts_on__lte=ends_on, ends_on__gte=starts_on)
    return overlapping if exclusive else overlapping.filter(exclusive=True)


def assert_terms_available(ip: IP, exclusive: bool, starts_on: datetime.date,
                           ends_on: datetime.date) -> None:
    if conflicting_licenses(ip, exclusive, starts_on, ends_on).exists():
        if exclusive:
            message = _("Another license on this IP overlaps these dates, so an exclusive "
                        "license cannot be granted.")
        else:
            message = _("An exclusive license on this IP overlaps these dates.")
        raise ValidationError(message, code="overlap")


def _lock_ip(ip: IP) -> IP:
    """Serialises every license decision on one IP (the database trigger does the same)."""
    return IP.objects.select_for_update().get(pk=ip.pk)


@transaction.atomic
def grant_license(ip: IP, studio: Studio, *, exclusive: bool, starts_on: datetime.date,
                  ends_on: datetime.date, licensor_share: Decimal,
                  minimum_guarantee: Decimal = Decimal("0.00"),
                  territories: str = "CN") -> License:
    """Creates a license if the rules allow it; ValidationError otherwise."""
    territories = normalise_territories(territories)
    ip = _lock_ip(ip)
    _check_terms(starts_on, ends_on, licensor_share, minimum_guarantee)
    _check_exclusive_offered(ip, exclusive)
    assert_terms_available(ip, exclusive, starts_on, ends_on)
    try:
        with transaction.atomic():
            return License.objects.create(
                ip=ip, studio=studio, exclusive=exclusive, starts_on=starts_on,
                ends_on=ends_on, licensor_share=licensor_share,
                minimum_guarantee=minimum_guarantee, territories=territories,
            )
    except IntegrityError as error:
        # Only reachable if a writer bypassed this function's lock.
        raise ValidationError(_("An overlapping license was granted at the same moment."),
                              code="overlap") from error


# --- IPs --------------------------------------------------------------------------------


def _unique_ip_slug(title: str) -> str:
    return unique_slug(IP, title, "ip")


def parse_tags(text: str) -> list[str]:
    """Tags typed as "玄幻, 系统 修仙": split on commas, 、 and whitespace, deduplicated."""
    import re

    seen: list[str] = []
    for name in re.split(r"[,，、\s]+", text or ""):
        name = name.strip()[:40]
        if name and name not in seen:
            seen.append(name)
    return seen


def _set_tags(ip: IP, names: list[str]) -> None:
    tags = []
    for name in names:
        tag, _created = Tag.objects.get_or_create(name=name)
        tags.append(tag)
    ip.tags.set(tags)


def _check_offer(ip: IP) -> None:
    """The terms a holder offers obey the rules an application's terms do."""
    if ip.minimum_guarantee is not None and ip.minimum_guarantee < 0:
        raise ValidationError({"minimum_guarantee": ValidationError(NEGATIVE_MG, code="mg")})
    try:
        ip.territories = normalise_territories(ip.territories)
    except ValidationError as error:
        raise ValidationError({"territories": error}) from None


def _cover(fields: dict) -> dict:
    """A form's cover value: None means "no upload" (keep), False means "cleared"."""
    if fields.get("cover", "") is None:
        fields.pop("cover")
    elif fields.get("cover") is False:
        fields["cover"] = ""
    return fields


@transaction.atomic
def create_ip(holder: User, *, tags: list[str] | None = None, **fields) -> IP:
    if not (holder.is_rights_holder or holder.is_staff):
        raise PermissionDenied
    fields = _cover(fields)
    ip = IP(rights_holder=holder, slug=fields.pop("slug", None) or _unique_ip_slug(
        fields["title"]), **fields)
    ip.full_clean(exclude=["cover"])
    _check_offer(ip)
    ip.save()
    _set_tags(ip, tags or [])
    return ip


@transaction.atomic
def update_ip(user: User, ip: IP, *, tags: list[str] | None = None, **fields) -> IP:
    if ip.rights_holder_id != user.id and not user.is_staff:
        raise PermissionDenied
    for name, value in _cover(fields).items():
        setattr(ip, name, value)
    ip.full_clean(exclude=["cover"])
    _check_offer(ip)
    ip.save()
    if tags is not None:
        _set_tags(ip, tags)
    return ip


# --- Applications -----------------------------------------------------------------------


def can_decide(user: User, application: LicenseApplication) -> bool:
    """The rights holder of the IP, or staff, decides on the studio's proposal."""
    return user.is_authenticated and (
        user.is_staff or application.ip.rights_holder_id == user.id
    )


def acts_for_studio(user: User, application: LicenseApplication) -> bool:
    return user.is_authenticated and Membership.objects.filter(
        studio_id=application.studio_id, user=user
    ).exists()


def _record(application: LicenseApplication, actor: User, action: str, note: str = "") -> None:
    ApplicationEvent.objects.create(application=application, actor=actor, action=action,
                                    terms=application.terms(), note=note)


def _move(application: LicenseApplication, sources: set[str], target: str, **fields) -> None:
    """Conditional UPDATE: the step happens only if nobody moved the application first."""
    moved = LicenseApplication.objects.filter(pk=application.pk, status__in=sources).update(
        status=target, updated_at=timezone.now(), **fields
    )
    if moved != 1:
        raise ValidationError(_("This application has already been decided."), code="stale")
    application.status = target
    for name, value in fields.items():
        setattr(application, name, value)


@transaction.atomic
def apply_for_license(user: User, studio: Studio, ip: IP, *, exclusive: bool,
                      starts_on: datetime.date, ends_on: datetime.date,
                      licensor_share: Decimal, minimum_guarantee: Decimal = Decimal("0.00"),
                      territories: str = "CN", note: str = "",
                      today: datetime.date | None = None) -> LicenseApplication:
    if not Membership.objects.filter(studio=studio, user=user).exists():
        raise PermissionDenied
    today = today or timezone.localdate()
    territories = normalise_territories(territories)
    _check_terms(starts_on, ends_on, licensor_share, minimum_guarantee)
    _check_proposal(ip, exclusive, starts_on, today)
    ip = _lock_ip(ip)
    assert_terms_available(ip, exclusive, starts_on, ends_on)
    application = LicenseApplication.objects.create(
        ip=ip, studio=studio, applicant=user, exclusive=exclusive, starts_on=starts_on,
        ends_on=ends_on, licensor_share=licensor_share, minimum_guarantee=minimum_guarantee,
        territories=territories,
    )
    _record(application, user, Action.APPLIED, note)
    return application


@transaction.atomic
def counter_application(user: User, application: LicenseApplication, *, exclusive: bool,
                        starts_on: datetime.date, ends_on: datetime.date,
                        licensor_share: Decimal, minimum_guarantee: Decimal,
                        territories: str = "CN", note: str = "",
                        today: datetime.date | None = None) -> LicenseApplication:
    if not can_decide(user, application):
        raise PermissionDenied
    territories = normalise_territories(territories)
    _check_terms(starts_on, ends_on, licensor_share, minimum_guarantee)
    _check_proposal(_lock_ip(application.ip), exclusive, starts_on,
                    today or timezone.localdate())
    _move(application, {Status.PENDING}, Status.COUNTERED, exclusive=exclusive,
          starts_on=starts_on, ends_on=ends_on, licensor_share=licensor_share,
          minimum_guarantee=minimum_guarantee, territories=territories)
    _record(application, user, Action.COUNTERED, note)
    return application


@transaction.atomic
def accept_application(user: User, application: LicenseApplication, note: str = "",
                       today: datetime.date | None = None) -> License:
    """The holder (or staff) accepts a proposal; the studio accepts a counter. Either way
    the terms on the table become a License, if the rules still allow them: a start that
    has passed since they were proposed is refused, not granted backdated."""
    if application.status == Status.PENDING:
        allowed = can_decide(user, application)
    elif application.status == Status.COUNTERED:
        allowed = acts_for_studio(user, application)
    else:
        raise ValidationError(_("This application has already been decided."), code="stale")
    if not allowed:
        raise PermissionDenied
    ip = _lock_ip(application.ip)
    _check_proposal(ip, application.exclusive, application.starts_on,
                    today or timezone.localdate())
    _move(application, {application.status}, Status.ACCEPTED)
    license = grant_license(
        application.ip, application.studio, exclusive=application.exclusive,
        starts_on=application.starts_on, ends_on=application.ends_on,
        licensor_share=application.licensor_share,
        minimum_guarantee=application.minimum_guarantee, territories=application.territories,
    )
    LicenseApplication.objects.filter(pk=application.pk).update(license=license)
    application.license = license
    _record(application, user, Action.ACCEPTED, note)
    return license


@transaction.atomic
def decline_application(user: User, application: LicenseApplication,
                        note: str = "") -> LicenseApplication:
    """The holder (or staff) declines; the studio withdraws its application or refuses a
    counter."""
    if can_decide(user, application):
        target, action = Status.DECLINED, Action.DECLINED
    elif acts_for_studio(user, application):
        target, action = Status.WITHDRAWN, Action.WITHDRAWN
    else:
        raise PermissionDenied
    _move(application, {Status.PENDING, Status.COUNTERED}, target)
    _record(application, user, action, note)
    return application
