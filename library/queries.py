"""Reads of the IP library for pages: search, applications and licenses each user may see."""

import datetime
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet
from django.db.models.functions import Lower
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from creators.models import Membership, User
from creators.queries import studios_of
from library import conf
from library.models import IP, License, LicenseApplication, Tag


@dataclass
class SearchPage:
    items: list
    number: int
    has_next: bool
    has_previous: bool
    count: int  # exact up to COUNT_CAP
    count_capped: bool


def search_ips(*, title: str = "", author: str = "", tag: str = "", kind: str = "",
               exclusive_available: bool = False, page: int = 1,
               today: datetime.date | None = None) -> SearchPage:
    """The library's search. Newest first on the primary key, so each page reads one index
    range; the result count is counted only up to COUNT_CAP, never over the whole table."""
    today = today or timezone.localdate()
    qs = IP.objects.all()
    if len(title) >= 3:
        qs = qs.filter(title__icontains=title)  # the trigram index on PostgreSQL
    elif title and title.lower() == title.upper():
        # Too short for trigrams, and caseless (汉字, digits): a plain LIKE, which lets the
        # planner walk the newest rows and stop at the cap.
        qs = qs.filter(title__contains=title)
    elif title:
        qs = qs.alias(title_lower=Lower("title")).filter(title_lower__contains=title.lower())
    if author:
        qs = qs.filter(original_author__istartswith=author)
    if kind:
        qs = qs.filter(kind=kind)
    if tag:
        tag_id = Tag.objects.filter(name=tag).values_list("id", flat=True).first()
        if tag_id is None:
            qs = qs.none()
        else:
            qs = qs.filter(Exists(IP.tags.through.objects.filter(ip_id=OuterRef("pk"),
                                                                 tag_id=tag_id)))
    if exclusive_available:
        # Exclusive is offered and no license of any kind runs today or later.
        qs = qs.filter(exclusive_allowed=True).exclude(
            Exists(License.objects.filter(ip_id=OuterRef("pk"), ends_on__gte=today))
        )
    page = max(1, page)
    size = conf.PAGE_SIZE
    offset = (page - 1) * size
    # Within the cap one scan serves both the page and the capped count: the matching ids,
    # newest first, up to the cap. A page beyond it is read by the database's own offset,
    # so a deep page brings its 25 ids to Python, not the hundreds of thousands before it.
    ordered = qs.order_by("-id").values_list("id", flat=True)
    ids = list(ordered[:conf.COUNT_CAP + 1])
    if offset + size + 1 <= len(ids):
        page_ids, has_next = ids[offset:offset + size], len(ids) > offset + size
    elif len(ids) <= conf.COUNT_CAP:  # everything matching is in ids
        page_ids, has_next = ids[offset:offset + size], False
    else:
        deep = list(ordered[offset:offset + size + 1])
        page_ids, has_next = deep[:size], len(deep) > size
    by_id = IP.objects.select_related("rights_holder").prefetch_related("tags").in_bulk(
        page_ids)
    return SearchPage(
        items=[by_id[pk] for pk in page_ids], number=page,
        has_next=has_next, has_previous=page > 1,
        count=min(len(ids), conf.COUNT_CAP), count_capped=len(ids) > conf.COUNT_CAP,
    )


def popular_tags(limit: int = 30) -> QuerySet[Tag]:
    return Tag.objects.order_by("name")[:limit]


def ip_or_404(slug: str) -> IP:
    return get_object_or_404(IP.objects.select_related("rights_holder"), slug=slug)


def own_ip_or_404(user: User, slug: str) -> IP:
    """The IP if the user holds its rights (or is staff); 404 for anyone else."""
    ip = ip_or_404(slug)
    if not (user.is_staff or ip.rights_holder_id == user.id):
        raise Http404
    return ip


def ips_of_holder(user: User) -> QuerySet[IP]:
    return IP.objects.filter(rights_holder=user).prefetch_related("tags").order_by("-id")


def application_or_404(user: User, pk: int) -> LicenseApplication:
    """Visible to the IP's rights holder, staff and the applying studio's members; anyone
    else gets 404, never the terms."""
    if not user.is_authenticated:
        raise Http404
    application = get_object_or_404(
        LicenseApplication.objects.select_related("ip__rights_holder", "studio", "applicant",
                                                  "license"),
        pk=pk,
    )
    if user.is_staff or application.ip.rights_holder_id == user.id:
        return application
    if Membership.objects.filter(studio_id=application.studio_id, user=user).exists():
        return application
    raise Http404


def incoming_applications(user: User) -> QuerySet[LicenseApplication]:
    return LicenseApplication.objects.filter(ip__rights_holder=user).select_related(
        "ip", "studio")


def studio_applications(user: User) -> QuerySet[LicenseApplication]:
    return LicenseApplication.objects.filter(studio__in=studios_of(user)).select_related(
        "ip", "studio")


def _flag(licenses, today: datetime.date) -> list[License]:
    soon = today + datetime.timedelta(days=conf.EXPIRY_WARNING_DAYS)
    out = []
    for license in licenses:
        license.expired = license.ends_on < today
        license.expiring_soon = not license.expired and license.ends_on <= soon
        license.days_left = (license.ends_on - today).days
        out.append(license)
    return out


def studio_licenses(user: User, today: datetime.date | None = None) -> list[License]:
    today = today or timezone.localdate()
    qs = License.objects.filter(studio__in=studios_of(user)).select_related("ip", "studio")
    return _flag(qs.order_by("ends_on", "id"), today)


def holder_licenses(user: User, today: datetime.date | None = None) -> list[License]:
    today = today or timezone.localdate()
    qs = License.objects.filter(ip__rights_holder=user).select_related("ip", "studio")
    return _flag(qs.order_by("ends_on", "id"), today)


def expiring_licenses(studio, today: datetime.date | None = None) -> list[License]:
    """Licenses of one studio that end within EXPIRY_WARNING_DAYS (for other apps' pages)."""
    today = today or timezone.localdate()
    soon = today + datetime.timedelta(days=conf.EXPIRY_WARNING_DAYS)
    return list(License.objects.filter(studio=studio, ends_on__gte=today, ends_on__lte=soon)
                .select_related("ip").order_by("ends_on"))

