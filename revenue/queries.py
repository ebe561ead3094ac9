"""Reads of the revenue engine: statements, trial balance, policy history."""

import csv
import io
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext as _

from creators.models import Category, Studio, User
from revenue.models import (
    Account,
    ImportBatch,
    LedgerEntry,
    PolicyVersion,
    RevenueLine,
    SettlementRun,
)
from revenue.services import RevenueError, money_sum, money_total, money_value, q
from revenue.templatetags.money import exact_text

ZERO = Decimal("0.00")
TOTAL_KEYS = ["opening_balance", "earned_share", "incentives", "mg_advanced", "mg_recouped",
              "payouts", "closing_balance"]


def _s(x) -> str:
    return str(q(Decimal(x)))


def _sum(qs) -> Decimal:
    return money_sum(qs)


def statement(period: str, studio: Studio | None = None, licensor: User | None = None) -> dict:
    """The statement of one payee for one settled period (all zeros when nothing
    happened). Read from the ledger: payouts posted in the period are subtracted."""
    run = SettlementRun.objects.filter(period=period).first()
    if run is None:
        raise RevenueError(_("period %(period)s is not settled") % {"period": period})
    if studio is not None:
        account = Account.objects.filter(studio=studio).first()
        payee = {"kind": "studio", "slug": studio.slug, "name": studio.name}
        lines = RevenueLine.objects.filter(settled_in=run, episode__series__studio=studio)
    else:
        account = Account.objects.filter(user=licensor).first()
        payee = {"kind": "licensor", "username": licensor.username}
        lines = RevenueLine.objects.filter(settled_in=run, license__ip__rights_holder=licensor)
    entries = LedgerEntry.objects.filter(account=account) if account else LedgerEntry.objects.none()
    now = entries.filter(transaction__period=period)

    def kind(*kinds):
        return _sum(now.filter(kind__in=kinds))

    totals = {
        "opening_balance": _sum(entries.filter(transaction__period__lt=period)),
        "earned_share": kind("share", "royalty"),
        "incentives": kind("uplift", "hit_bonus"),
        "mg_advanced": kind("mg_advance"),
        "mg_recouped": -kind("mg_recoup"),
        "payouts": -kind("payout"),
    }
    totals["closing_balance"] = (totals["opening_balance"] + totals["earned_share"]
                                 + totals["incentives"] + totals["mg_advanced"]
                                 - totals["mg_recouped"] - totals["payouts"])
    return {
        "payee": payee,
        "period": period,
        "lines": [_line(x, studio is not None) for x in
                  lines.select_related("episode__series", "policy").order_by(
                      "date", "episode_ref", "platform")],
        "totals": {k: _s(totals[k]) for k in TOTAL_KEYS},
    }


def _line(line: RevenueLine, for_studio: bool) -> dict:
    return {
        "date": line.date.isoformat(),
        "platform": line.platform,
        "episode_ref": line.episode_ref,
        "series": line.episode.series.slug,
        "policy_version": {"name": line.policy.name,
                           "valid_from": line.policy.valid_from.isoformat()},
        "coefficients": line.coefficients,
        "valid_views": str(line.valid_views),
        "valid_minutes": _s(line.valid_minutes),
        "ad_revenue": _s(line.ad_revenue),
        # The parts are not rounded (only the base is, DOMAIN.md): shown exactly, so that
        # minute_part + ad_part rounds to the base beside them.
        "minute_part": exact_text(Decimal(line.minute_part)),
        "ad_part": exact_text(Decimal(line.ad_part)),
        "base": _s(line.base),
        "royalty": _s(line.royalty),
        "studio_share": _s(line.studio_share),
        "amount": _s(line.studio_share if for_studio else line.royalty),
        "late": line.late,
    }


LINE_COLUMNS = ["date", "platform", "episode_ref", "series", "policy_version", "minute_price",
                "category_coefficient", "copyright_coefficient", "ad_coefficient",
                "valid_views", "valid_minutes", "ad_revenue", "minute_part", "ad_part", "base",
                "royalty", "studio_share", "late"]


def statement_csv(st: dict) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(LINE_COLUMNS)
    for line in st["lines"]:
        c = line["coefficients"]
        w.writerow([line["date"], line["platform"], line["episode_ref"], line["series"],
                    line["policy_version"]["valid_from"], c["minute_price"],
                    c["category_coefficient"], c["copyright_coefficient"], c["ad_coefficient"],
                    line["valid_views"], line["valid_minutes"], line["ad_revenue"],
                    line["minute_part"], line["ad_part"], line["base"], line["royalty"],
                    line["studio_share"], "true" if line["late"] else "false"])
    w.writerow([])
    for k in TOTAL_KEYS:
        w.writerow([k, st["totals"][k]])
    return out.getvalue()


def settled_periods() -> list[str]:
    return list(SettlementRun.objects.order_by("-period").values_list("period", flat=True))


def rights_holders():
    """Every payee who is a person: flagged rights holders, owners of an IP, and anyone the
    ledger owes as a licensor (an IP handed on, a flag taken away: the balance stays)."""
    return User.objects.filter(Q(is_rights_holder=True) | Q(ips__isnull=False)
                               | Q(revenue_account__isnull=False)).distinct()


def payee_count() -> int:
    """How many statements each settled period has: one per studio and rights holder."""
    return Studio.objects.count() + rights_holders().count()


def is_holder(user) -> bool:
    """Whether the user is paid as a rights holder (see rights_holders)."""
    return user.is_authenticated and (
        user.is_rights_holder or user.ips.exists()
        or Account.objects.filter(user=user).exists())


def trial_balance() -> list[dict]:
    rows = list(LedgerEntry.objects.values("account_id").annotate(total=money_total())
                .order_by("account_id"))
    accounts = Account.objects.in_bulk([r["account_id"] for r in rows])
    return [{"account": accounts[r["account_id"]], "balance": money_value(r["total"])}
            for r in rows]


def policy_history() -> tuple[list[PolicyVersion], list[dict]]:
    """Every version and, per coefficient, its value in each version."""
    versions = list(PolicyVersion.objects.order_by("valid_from"))
    keys: list[str] = []
    flat_by_version = []
    for v in versions:
        flat = _flatten(v.data)
        flat_by_version.append(flat)
        for k in flat:
            if k not in keys:
                keys.append(k)
    rows = [{"key": k, "label": coefficient_label(k),
             "values": [f.get(k, "") for f in flat_by_version]} for k in keys]
    return versions, rows


def coefficient_label(key: str) -> str:
    """What a policy's flattened JSON key (mg_per_minute.S, hit_bonus_tiers.0.bonus) is,
    in the reader's language; a key of no known shape is shown as it is."""
    plain = {
        "name": _("Name"), "valid_from": _("Valid from"),
        "minute_price": _("Price per valid minute (¥)"),
        "continuous_creation.min_episodes": _("Continuous creation: minimum episodes"),
        "continuous_creation.uplift": _("Continuous creation: uplift"),
    }
    if key in plain:
        return plain[key]
    licence = {"exclusive": _("exclusive"), "non_exclusive": _("non-exclusive")}
    group, _dot, rest = key.partition(".")
    if group == "category_coefficients" and rest in Category.values:
        return _("Category coefficient: %(category)s") % {"category": Category(rest).label}
    if group == "copyright_coefficients" and rest in licence:
        return _("Copyright coefficient: %(license)s") % {"license": licence[rest]}
    if group == "ad_coefficients" and rest in licence:
        return _("Ad coefficient: %(license)s") % {"license": licence[rest]}
    if group == "mg_per_minute" and rest:
        return _("Minimum guarantee per minute, grade %(grade)s (¥)") % {"grade": rest}
    tier, _dot, field = rest.partition(".")
    if group == "hit_bonus_tiers" and tier.isdigit():
        n = int(tier) + 1
        if field == "min_views":
            return _("Hit bonus tier %(n)s: minimum views") % {"n": n}
        if field == "bonus":
            return _("Hit bonus tier %(n)s: bonus (¥)") % {"n": n}
    return key


def _flatten(data, prefix="") -> dict:
    out = {}
    if isinstance(data, dict):
        for k, v in data.items():
            out.update(_flatten(v, f"{prefix}{k}."))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out.update(_flatten(v, f"{prefix}{i}."))
    else:
        out[prefix.rstrip(".")] = str(data)
    return out


def can_see_all(user) -> bool:
    return user.is_authenticated and (user.is_finance or user.is_staff)


def statements_for(user) -> list[dict]:
    """(payee, period) pairs the user may read: their studios and, for a rights holder,
    themselves; every settled period."""
    from creators.queries import studios_of

    periods = settled_periods()
    payees = [("studio", s.slug, s.name) for s in studios_of(user)]
    if is_holder(user):
        payees.append(("licensor", user.username, user.username))
    return [{"kind": k, "key": key, "name": name, "period": p}
            for p in periods for k, key, name in payees]


def current_policy_json() -> str:
    import json

    last = PolicyVersion.objects.order_by("-valid_from").first()
    if last is None:
        return "{}"
    return json.dumps({"name": last.name, "valid_from": "", **last.data}, ensure_ascii=False,
                      indent=2)


def imports_page(limit: int = 100):
    """The latest imports; `has_settled` says whether any of a batch's lines is settled
    (an import with none can still be withdrawn)."""
    from django.db.models import Exists, OuterRef

    settled = RevenueLine.objects.filter(batch=OuterRef("pk"), settled_in__isnull=False,
                                         settled_in__open=False)
    return (ImportBatch.objects.select_related("created_by", "withdrawn_by")
            .annotate(has_settled=Exists(settled))
            .order_by("-created_at", "-id")[:limit])


def runs_page():
    return SettlementRun.objects.select_related("policy").order_by("-period")


def run_totals() -> dict:
    """Per period: what the run credited to payees, by entry kind."""
    rows = (LedgerEntry.objects.exclude(account__kind__startswith="platform")
            .exclude(transaction__run__isnull=True)
            .values("transaction__run__period", "kind").annotate(total=money_total()))
    out: dict = {}
    for r in rows:
        out.setdefault(r["transaction__run__period"], {})[r["kind"]] = money_value(r["total"])
    return out


def current_policy() -> PolicyVersion | None:
    return PolicyVersion.objects.order_by("-valid_from").first()
