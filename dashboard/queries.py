"""Reads of the dashboard: a studio's or a rights holder's money, from revenue's models."""

import datetime
import uuid
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce

from creators.models import Episode, Series, Studio, User
from generation.models import Job
from library.models import License
from revenue.models import (
    Account,
    LedgerEntry,
    PolicyVersion,
    RevenueLine,
    SettlementRun,
)
from revenue.services import (
    coefficients,
    compute_line,
    decimal_sum,
    mg_outstanding,
    money_sum,
    money_total,
    money_value,
    policy_for,
    q,
)

from .models import Payout
from .services import available, pending

ZERO = Decimal("0.00")


def _s(x) -> str:
    return str(q(Decimal(x or 0)))


def _sum(qs, field="amount") -> Decimal:
    return money_sum(qs, field)


def estimate(studio: Studio) -> dict:
    """This period's estimate: imported, unsettled lines priced with the policy effective
    on each line's date, as settlement would (incentives and recoupment not included)."""
    policies = list(PolicyVersion.objects.order_by("valid_from"))
    lines = (RevenueLine.objects.unsettled().filter(episode__series__studio=studio)
             .select_related("episode__series__license"))
    total = {"lines": 0, "base": ZERO, "royalty": ZERO, "studio_share": ZERO}
    for line in lines:
        series = line.episode.series
        policy = policy_for(line.date, policies)
        if policy is None:
            continue
        lic = series.license
        parts = compute_line(line.valid_minutes, line.ad_revenue,
                             coefficients(policy, series.category, series.exclusive),
                             lic.licensor_share if lic else None)
        total["lines"] += 1
        for k in ("base", "royalty", "studio_share"):
            total[k] += parts[k]
    return {k: (v if k == "lines" else _s(v)) for k, v in total.items()}


def summary(studio: Studio) -> dict:
    account = Account.objects.filter(studio=studio).first()
    ledger = _sum(account.entries.all()) if account else ZERO
    return {
        "balance": _s(ledger),
        "pending": _s(pending(studio)),
        "available": _s(available(studio)),
        "mg_outstanding": _s(mg_outstanding(series__studio=studio)),
        "estimate": estimate(studio),
        "periods": periods_of(studio),
    }


def periods_of(studio: Studio) -> list[str]:
    return list(SettlementRun.objects.filter(
        revenue_lines__episode__series__studio=studio).values_list("period", flat=True)
        .distinct().order_by("-period"))


def _settled(studio: Studio):
    return RevenueLine.objects.settled().filter(episode__series__studio=studio)


def chart_data(studio: Studio, days: int) -> dict:
    """Everything the charts draw, as strings of yuan (Decimal, never float). The view
    serves it through dashboard.cached, which keeps it until the figures change."""
    lines = _settled(studio)
    last = lines.order_by("-date").values_list("date", flat=True).first()
    if last is None:
        return {"days": days, "daily": [], "by_series": [], "parts": [], "per_minute": []}
    first = last - datetime.timedelta(days=days - 1)
    window = lines.filter(date__gte=first)
    daily = [dict(r, revenue=money_value(r["revenue"])) for r in
             window.values("date").annotate(revenue=money_total("studio_share"),
                                            views=Sum("valid_views")).order_by("date")]
    by_series = [dict(r, revenue=money_value(r["revenue"])) for r in
                 window.values(slug=F("episode__series__slug"), title=F("episode__series__title"))
                 .annotate(revenue=money_total("studio_share"), views=Sum("valid_views"))
                 .order_by("-revenue", "title")]
    incentives = _sum(LedgerEntry.objects.filter(
        account__studio=studio, kind__in=["uplift", "hit_bonus"], transaction__day__gte=first))
    totals = {"m": decimal_sum(window, "minute_part"), "a": decimal_sum(window, "ad_part")}
    durations = dict(Series.objects.filter(studio=studio).annotate(
        secs=Coalesce(Sum("episodes__duration_seconds"), ZERO)).values_list("slug", "secs"))
    per_minute = []
    for row in by_series:
        content_min = Decimal(durations.get(row["slug"]) or 0) / 60
        per_minute.append({
            "series": row["title"], "slug": row["slug"],
            "content_minutes": _s(content_min), "views": row["views"],
            "views_per_minute": _s(row["views"] / content_min) if content_min else None,
            "revenue_per_minute": _s(row["revenue"] / content_min) if content_min else None,
        })
    return {
        "days": days, "from": first.isoformat(), "to": last.isoformat(),
        "daily": [{"date": r["date"].isoformat(), "revenue": _s(r["revenue"]),
                   "views": r["views"]} for r in daily],
        "by_series": [{"series": r["title"], "slug": r["slug"], "revenue": _s(r["revenue"]),
                       "views": r["views"]} for r in by_series],
        "parts": [{"part": "minute", "amount": _s(totals["m"])},
                  {"part": "ad", "amount": _s(totals["a"])},
                  {"part": "incentives", "amount": _s(incentives)}],
        "per_minute": per_minute,
    }


DRILL_PAGE = 200


def drill(studio: Studio, period: str, series: str = "", episode: str = "",
          page: str | int | None = 1) -> dict:
    """The settled lines behind a period total, optionally of one series or episode, with
    the policy, coefficients, parts and licensor share of each, and the recoupment; the
    lines DRILL_PAGE at a time (the totals count them all)."""
    from django.core.paginator import Paginator
    from django.utils.http import urlencode

    run = SettlementRun.objects.filter(period=period).first()
    lines = _settled(studio).filter(settled_in=run).select_related(
        "episode__series", "policy", "license")
    if series:
        lines = lines.filter(episode__series__slug=series)
    if episode:
        lines = lines.filter(episode_ref=episode)
    groups = [dict(g, share=money_value(g["share"]), royalty=money_value(g["royalty"])) for g in
              lines.values(slug=F("episode__series__slug"), title=F("episode__series__title"))
              .annotate(n=Count("id"), share=money_total("studio_share"),
                        royalty=money_total("royalty")).order_by("title")]
    entries = LedgerEntry.objects.filter(transaction__period=period, account__studio=studio)
    recoup = LedgerEntry.objects.filter(transaction__period=period, kind="mg_recoup",
                                        series__studio=studio).exclude(
        account__kind__startswith="platform")
    if series:
        recoup = recoup.filter(series__slug=series)
    shown = Paginator(lines.order_by("date", "episode_ref", "platform", "id"),
                      DRILL_PAGE).get_page(page)
    return {
        "period": period, "series": series, "episode": episode,
        "groups": groups,
        "lines": shown,
        # The filter, for the links to the other pages of lines.
        "query": urlencode([(k, v) for k, v in (("series", series), ("episode", episode)) if v]),
        "total": _s(_sum(lines, "studio_share")),
        "incentives": _s(_sum(entries.filter(kind__in=["uplift", "hit_bonus"]))),
        "recouped": _s(-_sum(recoup)),
    }


def series_detail(series: Series) -> dict:
    lines = RevenueLine.objects.settled().filter(episode__series=series)
    revenue = _sum(lines, "studio_share")
    royalty = _sum(lines, "royalty")
    incentives = _sum(LedgerEntry.objects.filter(series=series, kind__in=["uplift",
                                                 "hit_bonus"]).exclude(
        account__kind__startswith="platform").filter(account__studio=series.studio_id))
    per_ep = {ep: money_value(s) for ep, s in
              lines.values_list("episode_id").annotate(s=money_total("studio_share"))}
    costs = job_costs(series)
    rate = Decimal(str(settings.GPU_COST_PER_SECOND))
    episodes = []
    total_credits, total_gpu = 0, Decimal("0")
    for ep in Episode.objects.filter(series=series).order_by("number"):
        c = costs.get(ep.id) or {"credits": 0, "gpu": 0}
        gpu = Decimal(str(c["gpu"] or 0))
        cost = q(gpu * rate)
        rev = per_ep.get(ep.id) or ZERO
        total_credits += c["credits"] or 0
        total_gpu += gpu
        episodes.append({"episode": ep, "revenue": _s(rev), "credits": c["credits"] or 0,
                         "gpu_seconds": _s(gpu), "cost": _s(cost),
                         "roi": _s(rev / cost) if cost else None})
    cost = q(total_gpu * rate)
    return {
        "series": series, "license": series.license, "revenue": _s(revenue),
        "incentives": _s(incentives), "royalty": _s(royalty),
        "mg_outstanding": _s(mg_outstanding(series=series)),
        "credits": total_credits, "gpu_seconds": _s(total_gpu), "cost": _s(cost),
        "rate": rate, "roi": _s((revenue + incentives) / cost) if cost else None,
        "episodes": episodes,
    }


def job_costs(series: Series) -> dict:
    """Credits and GPU-seconds per episode of every job behind a series: jobs made for an
    episode, and the keyframe, grid and clip jobs of its storyboard shots."""
    from storyboard.models import Shot

    episode_of: dict = {}
    for shot in Shot.objects.filter(storyboard__episode__series=series).values(
            "keyframe_job_id", "clip_job_id", "grid_jobs", "storyboard__episode_id"):
        ids = [shot["keyframe_job_id"], shot["clip_job_id"], *(shot["grid_jobs"] or [])]
        for job_id in ids:
            try:
                episode_of[str(uuid.UUID(str(job_id)))] = shot["storyboard__episode_id"]
            except ValueError:
                continue
    jobs = Job.objects.filter(Q(episode__series=series) | Q(pk__in=list(episode_of)),
                              studio=series.studio_id).values("id", "episode_id", "price",
                                                              "run_seconds")
    costs: dict = {}
    for job in jobs:
        ep = job["episode_id"] or episode_of.get(str(job["id"]))
        c = costs.setdefault(ep, {"credits": 0, "gpu": Decimal("0")})
        c["credits"] += job["price"]
        c["gpu"] += Decimal(str(job["run_seconds"] or 0))
    return costs


def holder_summary(user: User) -> dict:
    licenses = (License.objects.filter(ip__rights_holder=user).select_related("ip", "studio")
                # Settled royalties only, as the balance and the by-series table count
                # them: an imported line is not owed until its period is closed.
                .annotate(royalty=money_total("revenue_lines__royalty", filter=Q(
                    revenue_lines__settled_in__isnull=False,
                    revenue_lines__settled_in__open=False))))
    by_series = (RevenueLine.objects.settled().filter(license__ip__rights_holder=user)
                 .values(title=F("episode__series__title"), studio=F("episode__series__studio__name"))
                 .annotate(royalty=money_total("royalty"), views=Sum("valid_views"))
                 .order_by("-royalty", "title"))
    account = Account.objects.filter(user=user).first()
    return {
        "licenses": [{"license": x, "royalty": _s(money_value(x.royalty)),
                      "mg_outstanding": _s(mg_outstanding(license=x, account__user=user))}
                     for x in licenses],
        "by_series": [dict(r, royalty=_s(money_value(r["royalty"]))) for r in by_series],
        "balance": _s(_sum(account.entries.all()) if account else ZERO),
        "pending": _s(pending(user)),
        "available": _s(available(user)),
        "mg_outstanding": _s(mg_outstanding(account__user=user)),
        "periods": list(SettlementRun.objects.order_by("-period")
                        .values_list("period", flat=True)),
    }


def payouts_of(payee: Studio | User):
    """A payee's payouts, newest first: a studio's, or a rights holder's (a User)."""
    of = {"studio": payee} if isinstance(payee, Studio) else {"licensor": payee}
    return Payout.objects.filter(**of).select_related("requested_by", "decided_by")


def pending_payouts():
    """Every payout waiting for finance, to studios and to rights holders alike."""
    return Payout.objects.filter(state=Payout.State.REQUESTED).select_related(
        "studio", "licensor", "requested_by")


def daily_total(rows) -> dict:
    out = defaultdict(Decimal)
    for r in rows:
        out[r["date"]] += Decimal(r["revenue"])
    return out
