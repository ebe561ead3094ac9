"""Reads of the review app: the queue with its filters and counts, an item's page, the
decisions a creator sees, and reviewer statistics."""

import datetime
import statistics

from django.core.cache import cache
from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from review import conf
from review.models import Decision, ReviewItem

# A check's code (checks.result) and the words a reviewer reads for it.
FLAG_LABELS = {
    "license": _("License"), "aspect": _("Aspect ratio"), "duration": _("Duration"),
    "codec": _("Codec"), "labels": _("AI labels"), "provenance": _("Provenance"),
    "duplicate": _("Near-duplicate"), "hook": _("Hook line"), "video": _("Video"),
}
FLAG_CODES = list(FLAG_LABELS)


def state_counts() -> dict[str, int]:
    """Items per state plus those waiting and claimed; cached briefly (see conf)."""
    counts = cache.get("review:counts")
    if counts is None:
        now = timezone.now()
        counts = {state: 0 for state in ReviewItem.State.values}
        for row in ReviewItem.objects.values("state").annotate(n=Count("id")).order_by():
            counts[row["state"]] = row["n"]
        counts["claimed"] = ReviewItem.objects.filter(
            state=ReviewItem.State.OPEN, claim_expires_at__gt=now).count()
        counts["waiting"] = counts[ReviewItem.State.OPEN] - counts["claimed"]
        cache.set("review:counts", counts, conf.COUNTS_CACHE_SECONDS)
    return counts


def queue(filters: dict, page: int = 1) -> tuple[list[ReviewItem], bool]:
    """Open items oldest first, one page; returns (items, has_next) without counting the
    whole filtered set."""
    items = ReviewItem.objects.filter(state=ReviewItem.State.OPEN)
    if filters.get("category"):
        items = items.filter(category=filters["category"])
    if filters.get("studio"):  # a Studio (QueueFilterForm) or its id
        items = items.filter(studio=filters["studio"])
    if filters.get("series"):
        items = items.filter(series=filters["series"])
    if filters.get("source"):
        items = items.filter(source=filters["source"])
    flag = filters.get("flag")
    if flag == "any":
        items = items.exclude(flags="")
    elif flag in FLAG_CODES:
        items = items.filter(flags__contains=f",{flag},")
    start = (max(1, page) - 1) * conf.QUEUE_PAGE_SIZE
    rows = list(items.select_related("episode", "studio", "series", "claimed_by")
                .only("id", "state", "submitted_at", "category", "source", "flags",
                      "checks_state", "claimed_by_id", "claim_expires_at",
                      "episode__ref", "episode__title", "episode__number",
                      "studio__name", "studio__slug", "series__title",
                      "claimed_by__username")
                .order_by("submitted_at", "id")[start:start + conf.QUEUE_PAGE_SIZE + 1])
    now = timezone.now()
    sla = datetime.timedelta(hours=conf.SLA_HOURS)
    for item in rows:
        item.age = now - item.submitted_at
        item.late = item.age > sla
        item.held = item.claim_active(now)
        item.flag_list = [f for f in item.flags.split(",") if f]
    return rows[:conf.QUEUE_PAGE_SIZE], len(rows) > conf.QUEUE_PAGE_SIZE


def item_or_404(item_id: int) -> ReviewItem:
    try:
        return (ReviewItem.objects.select_related("episode__series__license", "studio",
                                                  "claimed_by").get(pk=item_id))
    except ReviewItem.DoesNotExist as error:
        raise Http404 from error


def history_of(episode_id: int) -> list[Decision]:
    return list(Decision.objects.filter(episode_id=episode_id)
                .select_related("reviewer").order_by("created_at", "id"))


def decisions_for_creator(episode) -> dict:
    """What the creator's episode page shows: every decision (reviewer names are not
    shown to creators) and whether the episode is waiting in the queue."""
    decisions = list(Decision.objects.filter(episode=episode).order_by("-created_at", "-id"))
    waiting = ReviewItem.objects.filter(episode=episode, state=ReviewItem.State.OPEN).exists()
    return {"decisions": decisions, "waiting": waiting}


def reviewer_stats(days: int = 30) -> dict:
    since = timezone.now() - datetime.timedelta(days=days)
    recent = Decision.objects.filter(created_at__gte=since)
    per_reviewer = list(recent.values("reviewer__username")
                        .annotate(n=Count("id"),
                                  approved=Count("id", filter=Q(kind=Decision.Kind.APPROVE)),
                                  rejected=Count("id", filter=Q(kind=Decision.Kind.REJECT)),
                                  changes=Count("id", filter=Q(kind=Decision.Kind.CHANGES)))
                        .order_by("-n"))
    waits = list(recent.values_list("waited_seconds", flat=True))
    reasons: dict[str, int] = {code: 0 for code in Decision.Reason.values}
    for row in recent.exclude(kind=Decision.Kind.APPROVE).values_list("reasons", flat=True):
        for code in row or []:
            reasons[code] = reasons.get(code, 0) + 1
    labels = dict(Decision.Reason.choices)
    return {
        "days": days,
        "total": len(waits),
        "per_day": round(len(waits) / days, 1),
        "median_wait_hours": round(statistics.median(waits) / 3600, 1) if waits else None,
        "per_reviewer": per_reviewer,
        "reasons": [(code, labels.get(code, code), n) for code, n in reasons.items()],
    }
