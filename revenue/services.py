"""Writes of the revenue engine: policies, revenue import, settlement, payouts.

Row numbering of imports: the header is row 1, the first data row is row 2 (what a
spreadsheet shows)."""

import bisect
import calendar
import csv
import datetime
import hashlib
import io
import json
import re
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import NamedTuple

from django.db import IntegrityError, connection, transaction
from django.db.models import BigIntegerField, Case, Count, F, Sum, When
from django.db.models.functions import Cast, Round
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext

from creators.models import Episode, Series, Studio, User
from library.models import License
from revenue.models import (
    Account,
    ImportBatch,
    LedgerEntry,
    LedgerTransaction,
    PolicyVersion,
    RevenueLine,
    RunTotal,
    SettlementLock,
    SettlementRun,
)

CENT = Decimal("0.01")
HEADER = ["date", "episode_ref", "valid_views", "valid_minutes", "ad_revenue"]
CATEGORIES = ["ai_real", "premium_3d", "premium_2d", "narrated", "standard"]
GRADES = ["S", "A", "B", "C"]
# The largest amount a money field keeps, on every database: 15 significant digits, two of
# them decimals. SQLite, the embedded default, keeps a number as a double, which holds 15
# digits exactly (a 16th was lost, and Django could not read 99999999999999.99 back at
# all); PostgreSQL's numeric(16, 2) would take one digit more. Sums (balances, totals) are
# not kept, so they may be larger: money_total adds them exactly.
MAX_MONEY = Decimal("9999999999999.99")
MAX_VIEWS = 10**15
BATCH = 2000
VACUUM_AFTER = 10_000  # lines in one import
RUN_TOTALS_HELD = 10_000  # run totals an import holds in memory before writing them


class RevenueError(Exception):
    """A refused request; `problems` lists every reason."""

    def __init__(self, problems):
        problems = list(problems) if isinstance(problems, (list, tuple)) else [problems]
        self.problems = [str(p) for p in problems]  # Problems in the active language
        super().__init__("\n".join(self.problems))


class Problem:
    """A refusal kept as its message and values, not as text: str() reads it in the active
    language, stored() is the JSON an import batch keeps, so a refused file's rows read in
    each reader's language, not the uploader's. A value may be a Problem or a list of
    Problems (a row's reasons, joined with the reader's separator)."""

    def __init__(self, msgid: str, **params):
        self.msgid, self.params = msgid, params

    def __str__(self) -> str:
        return _(self.msgid) % {key: _text(value) for key, value in self.params.items()}

    def stored(self) -> dict:
        return {"msgid": self.msgid,
                "params": {key: _stored(value) for key, value in self.params.items()}}


def _text(value) -> str:
    if isinstance(value, list):
        return pgettext("between a row's reasons", "; ").join(_text(v) for v in value)
    return str(value)


def _stored(value):
    if isinstance(value, Problem):
        return value.stored()
    if isinstance(value, list):
        return [_stored(v) for v in value]
    return value if isinstance(value, (int, str)) else str(value)


def _loaded(value):
    if isinstance(value, dict) and "msgid" in value:
        return Problem(value["msgid"], **{k: _loaded(v) for k, v in value["params"].items()})
    if isinstance(value, list):
        return [_loaded(v) for v in value]
    return value


def stored_problem_text(stored) -> str:
    """An import batch's stored problem in the active language (older batches kept text)."""
    return _text(_loaded(stored))


def q(x: Decimal) -> Decimal:
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


def period_of(day: datetime.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


PERIOD = re.compile(r"[1-9][0-9]{3}-(0[1-9]|1[0-2])")  # year 0000 is no calendar's


def period_bounds(period: str) -> tuple[datetime.date, datetime.date]:
    """The first and last day of a period written YYYY-MM, and only so: periods are
    compared as text (the latest closed one, the ones between two runs), so "2026-2"
    would sort after "2026-12" and close every month up to December."""
    if not isinstance(period, str) or not PERIOD.fullmatch(period):
        raise RevenueError(_("bad period %(period)s: expected YYYY-MM")
                           % {"period": repr(period)})
    year, month = int(period[:4]), int(period[5:])
    return (datetime.date(year, month, 1),
            datetime.date(year, month, calendar.monthrange(year, month)[1]))


def last_closed_day() -> datetime.date | None:
    last = SettlementRun.objects.order_by("-period").values_list("period", flat=True).first()
    return period_bounds(last)[1] if last else None


ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_day(text: str) -> datetime.date:
    """A calendar day written YYYY-MM-DD, nothing else: fromisoformat alone also reads
    20260110 and 2026-W02-6 as 2026-01-10. Raises ValueError."""
    if not ISO_DAY.fullmatch(text):
        raise ValueError(f"not YYYY-MM-DD: {text!r}")
    return datetime.date.fromisoformat(text)


# --- Policies -----------------------------------------------------------------------------


def parse_policy_json(text: str):
    """A policy's JSON with its numbers exact: fractions as Decimal (as floats,
    0.00050000000000000001 would become 0.0005), integers as int, NaN and Infinity as
    Decimal (refused by validate_policy). Raises json.JSONDecodeError."""
    try:
        return json.loads(text, parse_float=Decimal, parse_constant=Decimal)
    except RecursionError:  # [[[[… deeper than the parser goes: no policy is like that
        raise json.JSONDecodeError("nested too deeply", text, 0) from None


def _dec(value, where: str, problems: list) -> Decimal | None:
    if isinstance(value, float):  # already rounded: what was written is lost
        problems.append(_("%(field)s: a float is not exact; write the number as a string")
                        % {"field": where})
        return None
    try:
        d = Decimal(str(value))
    except (InvalidOperation, ValueError):
        problems.append(_("%(field)s: not a decimal: %(value)s")
                        % {"field": where, "value": repr(value)})
        return None
    if not d.is_finite() or d < 0:
        problems.append(_("%(field)s: must be a non-negative decimal") % {"field": where})
        return None
    return d


def validate_policy(data: dict) -> tuple[dict, list[str]]:
    """The policy in canonical form (decimal strings as given, JSON numbers read as
    Decimal written out exactly) and the problems found."""
    problems: list[str] = []
    if not isinstance(data, dict):
        return {}, [_("a policy is a JSON object")]
    out: dict = {}
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append(_("%(field)s: required") % {"field": "name"})
    elif len(name) > PolicyVersion._meta.get_field("name").max_length:
        problems.append(_("%(field)s: at most %(n)s characters")
                        % {"field": "name", "n": PolicyVersion._meta.get_field("name").max_length})
    out["name"] = name
    try:
        out["valid_from"] = parse_day(str(data.get("valid_from")))
    except ValueError:
        problems.append(_("%(field)s: expected YYYY-MM-DD") % {"field": "valid_from"})
    if _dec(data.get("minute_price"), "minute_price", problems) is not None:
        out["minute_price"] = str(data["minute_price"])
    for key, names in [
        ("category_coefficients", CATEGORIES),
        ("copyright_coefficients", ["exclusive", "non_exclusive"]),
        ("ad_coefficients", ["exclusive", "non_exclusive"]),
        ("mg_per_minute", GRADES),
    ]:
        block = data.get(key)
        if not isinstance(block, dict) or set(block) != set(names):
            problems.append(_("%(field)s: needs exactly %(keys)s")
                            % {"field": key, "keys": ", ".join(names)})
            continue
        out[key] = {}
        for n in names:
            if _dec(block[n], f"{key}.{n}", problems) is not None:
                out[key][n] = str(block[n])
    tiers = data.get("hit_bonus_tiers")
    out["hit_bonus_tiers"] = []
    if not isinstance(tiers, list):
        problems.append(_("%(field)s: a list") % {"field": "hit_bonus_tiers"})
    else:
        for i, tier in enumerate(tiers):
            mv = tier.get("min_views") if isinstance(tier, dict) else None
            if not isinstance(mv, int) or mv < 0 or isinstance(mv, bool):
                problems.append(_("%(field)s: a non-negative integer")
                                % {"field": f"hit_bonus_tiers[{i}].min_views"})
                continue
            where = f"hit_bonus_tiers[{i}].bonus"
            bonus = _dec(tier.get("bonus"), where, problems)
            if bonus is None:
                continue
            # A bonus is posted as it is written: an amount of the ledger, in fen.
            if -bonus.as_tuple().exponent > 2:
                problems.append(_("%(field)s: an amount has at most 2 decimals")
                                % {"field": where})
            elif bonus > MAX_MONEY:
                problems.append(_("%(field)s: over the largest amount kept, %(max)s")
                                % {"field": where, "max": MAX_MONEY})
            else:
                out["hit_bonus_tiers"].append({"min_views": mv, "bonus": str(tier["bonus"])})
    cc = data.get("continuous_creation")
    if not isinstance(cc, dict) or not isinstance(cc.get("min_episodes"), int):
        problems.append(_("%(field)s: needs %(episodes)s (integer) and %(uplift)s") % {
            "field": "continuous_creation", "episodes": "min_episodes", "uplift": "uplift"})
    elif _dec(cc.get("uplift"), "continuous_creation.uplift", problems) is not None:
        out["continuous_creation"] = {"min_episodes": cc["min_episodes"],
                                      "uplift": str(cc["uplift"])}
    return out, problems


@transaction.atomic
def create_policy(data: dict) -> PolicyVersion:
    clean, problems = validate_policy(data)
    if problems:
        raise RevenueError(problems)
    valid_from = clean.pop("valid_from")
    name = clean.pop("name")
    SettlementLock.objects.get_or_create(key="settlement")
    SettlementLock.objects.select_for_update().get(key="settlement")
    closed = last_closed_day()
    if closed and valid_from <= closed:
        raise RevenueError(
            _("%(field)s %(day)s: on or before %(closed)s, the last day of a closed period")
            % {"field": "valid_from", "day": valid_from, "closed": closed})
    if PolicyVersion.objects.filter(valid_from=valid_from).exists():
        raise RevenueError(_("%(field)s %(day)s: a version already starts that day")
                           % {"field": "valid_from", "day": valid_from})
    return PolicyVersion.objects.create(name=name, valid_from=valid_from, data=clean)


def import_policy_file(path) -> PolicyVersion:
    with open(path, encoding="utf-8-sig") as fh:
        try:
            data = parse_policy_json(fh.read())
        except json.JSONDecodeError as exc:
            raise RevenueError(_("not JSON: %(error)s") % {"error": exc}) from exc
    return create_policy(data)


def policy_for(day: datetime.date, policies: list[PolicyVersion]) -> PolicyVersion | None:
    chosen = None
    for p in policies:  # ordered by valid_from
        if p.valid_from <= day:
            chosen = p
        else:
            break
    return chosen


# --- Pricing ------------------------------------------------------------------------------


class Pricer:
    """Prices lines the way settlement does: the policy effective on the line's date and
    the series' category, copyright and license share. A line's `pricing` key names what
    its price was computed from, so settlement can tell a stale price by comparing keys."""

    def __init__(self, policies: list[PolicyVersion]):
        self.policies = policies
        self._series: dict = {}
        self._day: dict = {}
        self._rates: dict = {}

    def series(self, series_id: int) -> tuple:
        if series_id not in self._series:
            self.remember(*Series.objects.filter(pk=series_id).values_list(
                "pk", "category", "exclusive", "license_id", "license__licensor_share").get())
        return self._series[series_id]

    def remember(self, series_id, category, exclusive, license_id, share) -> None:
        self._series[series_id] = (category, exclusive, license_id, share)

    def policy(self, day: datetime.date) -> PolicyVersion | None:
        if day not in self._day:
            self._day[day] = policy_for(day, self.policies)
        return self._day[day]

    def rate(self, policy: PolicyVersion, series_id: int) -> tuple:
        """(key, coefficients, minute multiplier, ad coefficient, share, license id)."""
        cache_key = (policy.pk, series_id)
        if cache_key not in self._rates:
            category, exclusive, license_id, share = self.series(series_id)
            coeffs = coefficients(policy, category, exclusive)
            coeffs["licensor_share"] = str(share) if share is not None else None
            minute = (Decimal(coeffs["minute_price"]) * Decimal(coeffs["category_coefficient"])
                      * Decimal(coeffs["copyright_coefficient"]))
            key = (f"{policy.pk}|{category}|{coeffs['copyright']}|{license_id or '-'}"
                   f"|{share if share is not None else '-'}")
            self._rates[cache_key] = (key, coeffs, minute, Decimal(coeffs["ad_coefficient"]),
                                      share, license_id)
        return self._rates[cache_key]

    def key(self, day: datetime.date, series_id: int) -> str:
        policy = self.policy(day)
        return self.rate(policy, series_id)[0] if policy else ""

    def price(self, line: RevenueLine, series_id: int) -> None:
        """Prices a line; raises TooLarge (the line unchanged) for a base over MAX_MONEY."""
        policy = self.policy(line.date)
        if policy is None:  # the import refuses such lines; nothing to price
            return
        key, coeffs, minute, ad, share, license_id = self.rate(policy, series_id)
        minute_part = line.valid_minutes * minute
        ad_part = line.ad_revenue * ad
        base = q(minute_part + ad_part)
        if base > MAX_MONEY:
            raise TooLarge(Problem(
                gettext_noop("its base would be %(amount)s, over the largest amount kept, "
                             "%(max)s"), amount=base, max=MAX_MONEY))
        royalty = q(base * share) if share is not None else CENT * 0
        line.policy, line.coefficients, line.license_id = policy, coeffs, license_id
        line.minute_part, line.ad_part, line.base = minute_part, ad_part, base
        line.royalty, line.studio_share, line.pricing = royalty, base - royalty, key


class TooLarge(ValueError):
    """An amount over MAX_MONEY; args[0] is the Problem saying which."""


class _Filing:
    """The run each imported line goes under: its period's open run (made on first use),
    or none when that period is already closed (the line is late and waits for the next
    run). Called with the settlement lock held."""

    def __init__(self):
        # Runs go in order, so every period up to the last closed one is closed.
        closed = last_closed_day()
        self.last_closed = period_of(closed) if closed else None
        self.runs = dict(SettlementRun.all_runs.filter(open=True).values_list("period", "id"))

    def run_for(self, day: datetime.date) -> int | None:
        period = period_of(day)
        if self.last_closed and period <= self.last_closed:
            return None
        if period not in self.runs:
            self.runs[period] = SettlementRun.all_runs.create(period=period, open=True).pk
        return self.runs[period]


def _lock() -> None:
    """Take the one settlement lock row (until the transaction ends)."""
    SettlementLock.objects.get_or_create(key="settlement")
    SettlementLock.objects.select_for_update().get(key="settlement")


# --- Revenue import -----------------------------------------------------------------------


PLAIN_DECIMAL = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


def _money(text: str, field: str) -> Decimal:
    """Raises ValueError(Problem)."""
    text = text.strip()
    try:
        d = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(Problem(gettext_noop("%(field)s is not a number: %(value)s"),
                                 field=field, value=repr(text))) from exc
    # Decimal() also reads 1_000.00, full-width digits, +1, 1e3, Infinity.
    if not PLAIN_DECIMAL.fullmatch(text):
        raise ValueError(Problem(gettext_noop("%(field)s is not a plain decimal: %(value)s"),
                                 field=field, value=repr(text)))
    if d < 0 or d.is_signed():  # -0.00 too: a sign on nothing is a slip to be told of
        raise ValueError(Problem(gettext_noop("%(field)s is negative"), field=field))
    if -d.as_tuple().exponent > 2:
        raise ValueError(Problem(gettext_noop("%(field)s has more than 2 decimals"),
                                 field=field))
    if d > MAX_MONEY:
        raise ValueError(Problem(gettext_noop("%(field)s is too large"), field=field))
    return d


class _Hashing(io.RawIOBase):
    """A raw binary stream over a file object that hashes what passes through."""

    def __init__(self, fileobj):
        self.fileobj, self.sha = fileobj, hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        chunk = self.fileobj.read(len(buffer))
        if isinstance(chunk, str):
            chunk = chunk.encode("utf-8")
        self.sha.update(chunk)
        buffer[:len(chunk)] = chunk
        return len(chunk)


def _digest(fileobj) -> str | None:
    """The file's SHA-256 read in blocks, when it can be read twice (then rewound)."""
    try:
        start = fileobj.tell()
    except (AttributeError, OSError, ValueError):
        return None
    sha = hashlib.sha256()
    for block in iter(lambda: fileobj.read(1 << 20), b""):
        if isinstance(block, str):
            block = block.encode("utf-8")
            if not block:
                break
        sha.update(block)
    fileobj.seek(start)
    return sha.hexdigest()


class _Refused(Exception):
    pass


PLATFORM = re.compile(r"[a-z0-9_-]{1,40}")
# A refused batch keeps this many of its problems for the imports page (a file of 100,000
# bad rows would otherwise be 100,000 list items on every visit).
REFUSALS_KEPT = 200


def import_revenue(fileobj, platform: str, filename: str = "", user=None) -> ImportBatch:
    """Import a CSV (binary file object) whole or not at all, streaming: rows are parsed
    from a text wrapper over the file and inserted in batches inside one transaction, so
    memory stays flat whatever the size. Raises RevenueError listing every bad row as
    `row N: reason` (the header is row 1); the refusal is recorded as a refused batch.
    The platform code is read in lower case, so HongGuo and hongguo are one platform and
    its lines one set of (date, platform, episode) keys."""
    platform = (platform or "").strip().lower()
    if not PLATFORM.fullmatch(platform):
        raise RevenueError(_("bad platform code %(platform)s: letters, digits, - or _, "
                             "such as hongguo") % {"platform": repr(platform)})
    digest = _digest(fileobj)
    if digest and ImportBatch.objects.filter(sha256=digest, status="accepted").exists():
        problems = [Problem(gettext_noop("this file was already imported"))]
    else:
        stream = _Hashing(fileobj)
        problems = []
        try:
            with transaction.atomic():
                _lock()  # imports and settlements take turns: a run sees whole files
                batch = ImportBatch.objects.create(
                    platform=platform, filename=filename, sha256=digest or "", created_by=user,
                    status=ImportBatch.Status.ACCEPTED)
                batch.rows = _stream_rows(stream, platform, batch, problems)
                batch.sha256 = stream.sha.hexdigest()
                if not problems and ImportBatch.objects.filter(
                        sha256=batch.sha256, status="accepted").exclude(pk=batch.pk).exists():
                    problems.append(Problem(gettext_noop("this file was already imported")))
                if problems:
                    raise _Refused
                batch.save(update_fields=["rows", "sha256"])
                if batch.rows >= VACUUM_AFTER:
                    transaction.on_commit(_vacuum_lines)
                return batch
        except _Refused:
            pass
        except IntegrityError:
            problems = [Problem(gettext_noop("a line or the same file was imported at the same time"))]
        digest = stream.sha.hexdigest()
    kept = [_stored(problem) for problem in problems[:REFUSALS_KEPT]]
    if len(problems) > REFUSALS_KEPT:  # the command prints them all; the page keeps enough
        kept.append(_stored(Problem(gettext_noop("… and %(n)s more problems"),
                                    n=len(problems) - REFUSALS_KEPT)))
    ImportBatch.objects.create(platform=platform, filename=filename, sha256=digest,
                               status=ImportBatch.Status.REFUSED, errors=kept,
                               created_by=user)
    raise RevenueError(problems)


@transaction.atomic
def withdraw_import(batch_id: int, user=None) -> ImportBatch:
    """Takes back an accepted file none of whose lines is settled yet (a wrong file, the
    wrong platform): its lines are deleted, the open runs' kept totals are summed again
    from the lines that remain, and the batch stays on record as withdrawn, by whom and
    when. A settled line is owed and stays: it is corrected by reversing entries, never
    by deleting it. The same file may then be imported again."""
    _lock()  # imports and settlements wait: nobody settles half a withdrawal
    batch = ImportBatch.objects.select_for_update().filter(pk=batch_id).first()
    if batch is None:
        raise RevenueError(_("No such import."))
    if batch.status != ImportBatch.Status.ACCEPTED:
        raise RevenueError(_("Only an accepted import can be withdrawn; this one is %(status)s.")
                           % {"status": batch.get_status_display()})
    lines = RevenueLine.objects.filter(batch=batch)
    settled = sorted(set(lines.filter(settled_in__isnull=False, settled_in__open=False)
                         .values_list("settled_in__period", flat=True)))
    if settled:
        raise RevenueError(
            _("Lines of this import are settled in %(periods)s: what is settled is owed and "
              "stays; only an import with no settled line can be withdrawn.")
            % {"periods": ", ".join(settled)})
    runs = set(lines.exclude(settled_in=None).values_list("settled_in_id", flat=True))
    lines.delete()
    for run_id in runs:
        _recount_run_totals(run_id)
    batch.status = ImportBatch.Status.WITHDRAWN
    batch.withdrawn_by, batch.withdrawn_at = user, timezone.now()
    batch.save(update_fields=["status", "withdrawn_by", "withdrawn_at"])
    return batch


def _recount_run_totals(run_id: int) -> None:
    """An open run's kept totals (RunTotal), summed again from its lines as the import
    sums them."""
    totals: dict[tuple, list] = {}
    rows = (RevenueLine.objects.filter(settled_in_id=run_id)
            .values_list("episode_id", "pricing", "license_id", "date", "studio_share",
                         "royalty", "valid_views").iterator(chunk_size=5000))
    for episode_id, pricing, license_id, day, share, royalty, views in rows:
        _count_line(totals, (run_id, episode_id, pricing), license_id, day, share, royalty,
                    views)
    RunTotal.objects.filter(run_id=run_id).delete()
    _add_run_totals(totals)


def _vacuum_lines() -> None:
    """VACUUM (ANALYZE) of the lines after a large import, once it has committed (outside
    any transaction, as VACUUM must be). ANALYZE: without fresh statistics PostgreSQL plans
    the settlement's run lookups as if the table were still small (sequential scans).
    VACUUM: it marks the new pages all-visible, which autovacuum would do only later, so
    that settling counts a run's lines from the index alone instead of visiting every line
    (21 ms of a 60,000-line run's settlement, measured). It reads only the pages not yet
    marked, so its cost follows the import's size (0.8 s after a million lines here)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(f"VACUUM (ANALYZE) {RevenueLine._meta.db_table}")


def _row(n: int, problem) -> Problem:
    return Problem(gettext_noop("row %(n)s: %(problem)s"), n=n, problem=problem)


def _stream_rows(stream, platform: str, batch: ImportBatch, problems: list) -> int:
    """Parse, check and insert every row; append problems, in row order. Returns the rows
    inserted."""
    text = io.TextIOWrapper(io.BufferedReader(stream, 1 << 16), encoding="utf-8-sig",
                            newline="")
    reader = csv.reader(text)
    try:
        header = next(reader, None)
    except UnicodeDecodeError:
        problems.append(_row(1, Problem(gettext_noop("the file is not UTF-8"))))
        return 0
    if header is None or [h.strip() for h in header] != HEADER:
        problems.append(_row(1, Problem(gettext_noop("the header must be %(header)s"),
                                        header=",".join(HEADER))))
        return 0
    # A taken-down episode was published until then: platforms report late, and what it
    # earned while it was up is still owed.
    was_published = {Episode.Status.PUBLISHED, Episode.Status.TAKEN_DOWN}
    episodes = {ref: (eid, status in was_published, published_on, series_id)
                for ref, eid, status, published_on, series_id in
                Episode.objects.values_list("ref", "id", "status", "published_on",
                                            "series_id")}
    policies = list(PolicyVersion.objects.order_by("valid_from"))
    first_policy_day = policies[0].valid_from if policies else None
    pricer = Pricer(policies)
    runs = _Filing()
    pending: list[RevenueLine] = []
    rows: dict[tuple, int] = {}
    totals: dict[tuple, list] = {}  # (run, episode, pricing) -> what RunTotal adds up
    inserted = 0
    # (row number, problem): sorted by the number.
    refused: list[tuple[int, Problem]] = []

    def refuse(n: int, problem) -> None:
        refused.append((n, _row(n, problem)))

    def flush():
        nonlocal inserted
        if not pending:
            return
        clashes = RevenueLine.objects.filter(
            platform=platform, date__in={x.date for x in pending},
            episode_ref__in={x.episode_ref for x in pending},
        ).values_list("date", "episode_ref", "batch_id")
        bad = set()
        for d, r, batch_id in clashes:
            n = rows.get((d, r))
            if n is None:
                continue
            bad.add((d, r))
            if batch_id == batch.pk:
                refuse(n, Problem(gettext_noop("duplicate of an earlier row (%(day)s %(ref)s)"),
                                  day=d, ref=r))
            else:
                refuse(n, Problem(gettext_noop("%(day)s %(ref)s on %(platform)s already imported"),
                                  day=d, ref=r, platform=platform))
        keep = [x for x in pending if (x.date, x.episode_ref) not in bad]
        RevenueLine.objects.bulk_create(keep)
        inserted += len(keep)
        for x in keep:
            if x.settled_in_id is not None:
                _count_line(totals, (x.settled_in_id, x.episode_id, x.pricing), x.license_id,
                            x.date, x.studio_share, x.royalty, x.valid_views)
        if len(totals) >= RUN_TOTALS_HELD:
            _add_run_totals(totals)
        pending.clear()
        rows.clear()

    n = 1
    blanks: list[int] = []
    try:
        for n, row in enumerate(reader, start=2):
            if not row or all(not c.strip() for c in row):
                # Blank lines at the end of a file (spreadsheets write them) are nothing;
                # one with rows after it is refused once those rows show it is not the end.
                blanks.append(n)
                continue
            for blank in blanks:
                refuse(blank, Problem(gettext_noop("blank line")))
            blanks.clear()
            if len(row) != len(HEADER):
                refuse(n, Problem(gettext_noop("expected %(expected)s fields, found %(found)s"),
                                  expected=len(HEADER), found=len(row)))
                continue
            reasons = []
            day = None
            try:
                day = parse_day(row[0].strip())
            except ValueError:
                reasons.append(Problem(gettext_noop("bad date %(value)s"), value=repr(row[0])))
            ref = row[1].strip()
            ep = episodes.get(ref)
            if ep is None:
                reasons.append(Problem(gettext_noop("unknown episode %(ref)s"), ref=repr(ref)))
            elif day and not (ep[1] and ep[2] is not None and ep[2] <= day):
                reasons.append(Problem(gettext_noop("episode %(ref)s not yet published on %(day)s"),
                                       ref=ref, day=day))
            if day and (first_policy_day is None or day < first_policy_day):
                reasons.append(Problem(gettext_noop("no policy for %(day)s"), day=day))
            views = row[2].strip()
            if not views.isdigit() or not views.isascii():
                reasons.append(Problem(
                    gettext_noop("%(field)s is not a non-negative integer: %(value)s"),
                    field="valid_views", value=repr(views)))
            elif int(views) > MAX_VIEWS:
                reasons.append(Problem(gettext_noop("%(field)s is too large"), field="valid_views"))
            values = []
            for field, value in (("valid_minutes", row[3]), ("ad_revenue", row[4])):
                try:
                    values.append(_money(value, field))
                except ValueError as exc:
                    reasons.append(exc.args[0])
            if day and ep is not None:
                if (day, ref) in rows:
                    reasons.append(Problem(gettext_noop("duplicate of row %(n)s"), n=rows[(day, ref)]))
            if reasons:
                refuse(n, reasons)
                continue
            rows[(day, ref)] = n
            line = RevenueLine(
                date=day, platform=platform, episode_id=ep[0], episode_ref=ref,
                valid_views=int(views), valid_minutes=values[0], ad_revenue=values[1],
                batch=batch, settled_in_id=runs.run_for(day))
            try:
                pricer.price(line, ep[3])
            except TooLarge as exc:
                refuse(n, exc.args[0])
                continue
            pending.append(line)
            if len(pending) >= BATCH:
                flush()
        flush()
        _add_run_totals(totals)
    except UnicodeDecodeError:
        refuse(n + 1, Problem(gettext_noop("the file is not UTF-8")))
    except csv.Error as exc:
        refuse(reader.line_num, str(exc))
    refused.sort(key=lambda numbered: numbered[0])  # stable: a row's problems keep their order
    problems.extend(problem for _n, problem in refused)
    return inserted


def _count_line(totals: dict, key: tuple, license_id, day, share, royalty, views) -> None:
    """Adds one line to `totals` ((run, episode, pricing) -> what its RunTotal row holds:
    license, first and last date, share and royalty in fen, views, lines)."""
    total = totals.get(key)
    if total is None:
        totals[key] = [license_id, day, day, _fen(share), _fen(royalty), views, 1]
    else:
        total[1], total[2] = min(total[1], day), max(total[2], day)
        total[3] += _fen(share)
        total[4] += _fen(royalty)
        total[5] += views
        total[6] += 1


def _add_run_totals(totals: dict) -> None:
    """Adds an import's sums to its runs' RunTotal rows (one upsert per key) and empties
    `totals`. Runs inside the import's transaction: a refused file leaves none behind."""
    if not totals:
        return
    table = RunTotal._meta.db_table
    sql = (f"INSERT INTO {table} (run_id, episode_id, pricing, license_id, first_date, "
           f"last_date, studio_share_fen, royalty_fen, valid_views, lines) "
           f"VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
           f"ON CONFLICT (run_id, episode_id, pricing) DO UPDATE SET "
           f"first_date = CASE WHEN excluded.first_date < {table}.first_date "
           f"THEN excluded.first_date ELSE {table}.first_date END, "
           f"last_date = CASE WHEN excluded.last_date > {table}.last_date "
           f"THEN excluded.last_date ELSE {table}.last_date END, "
           f"studio_share_fen = {table}.studio_share_fen + excluded.studio_share_fen, "
           f"royalty_fen = {table}.royalty_fen + excluded.royalty_fen, "
           f"valid_views = {table}.valid_views + excluded.valid_views, "
           f"lines = {table}.lines + excluded.lines")
    with connection.cursor() as cur:
        cur.executemany(sql, [(*key, *total) for key, total in totals.items()])
    totals.clear()


# --- Ledger -------------------------------------------------------------------------------


def platform_account(kind: str) -> Account:
    return Account.objects.get_or_create(kind=kind, studio=None, user=None)[0]


def studio_account(studio: Studio) -> Account:
    return Account.objects.get_or_create(studio=studio, defaults={"kind": "studio"})[0]


def licensor_account(user: User) -> Account:
    return Account.objects.get_or_create(user=user, defaults={"kind": "licensor"})[0]


def _kept(amount: Decimal, memo: str) -> None:
    """Refuses a ledger amount over MAX_MONEY, which no database here keeps exactly."""
    if abs(amount) > MAX_MONEY:
        raise RevenueError(_("%(memo)s: an amount of %(amount)s is over the largest amount "
                             "the ledger keeps, %(max)s") % {
            "memo": memo, "amount": amount, "max": MAX_MONEY})


def post(period: str, day, memo: str, legs: list[dict], run=None) -> LedgerTransaction | None:
    """One balanced transaction; legs are dicts of LedgerEntry fields with `amount`."""
    legs = [leg for leg in legs if leg["amount"] != 0]
    if not legs:
        return None
    if sum(leg["amount"] for leg in legs) != 0:
        raise ValueError("unbalanced transaction")
    for leg in legs:
        _kept(leg["amount"], memo)
    tx = LedgerTransaction.objects.create(period=period, day=day, memo=memo[:200], run=run)
    LedgerEntry.objects.bulk_create([LedgerEntry(transaction=tx, **leg) for leg in legs])
    return tx


class _Postings:
    """A run's ledger transactions, collected and written at once: their ids taken in one
    query, then the transactions and their entries in one INSERT each (arrays on
    PostgreSQL). Each transaction is a compound one: a payee leg per amount owed (naming
    the series, episode or license it is for) and one platform leg for their sum, so a run
    writes a few transactions and about one entry per payee amount. Legs are plain tuples
    of ids: building model instances for them cost more than the database's work."""

    ENTRY_COLUMNS = ("transaction_id", "account_id", "kind", "amount", "series_id",
                     "episode_id", "license_id")

    def __init__(self, period: str, day, run, accounts: "_AccountIds"):
        self.period, self.day, self.run, self.items = period, day, run, []
        self.accounts = accounts

    def add(self, memo: str, platform_kind: str, legs: list[tuple]) -> None:
        """One transaction: the payee legs, each (account id, kind, amount, series id,
        episode id, license id), and a leg debiting the platform account of that kind
        their sum."""
        legs = [leg for leg in legs if leg[2] != 0]
        if not legs:
            return
        legs.append((self.accounts.platform(platform_kind), "platform",
                     -sum(leg[2] for leg in legs), None, None, None))
        for leg in legs:
            _kept(leg[2], memo)
        self.items.append((memo[:200], legs))

    def flush(self) -> None:
        if not self.items:
            return
        ids = _new_ids(LedgerTransaction, len(self.items))
        memos = [memo for memo, _legs in self.items]
        entries = [(tx_id, *leg) for tx_id, (_memo, legs) in zip(ids, self.items, strict=True)
                   for leg in legs]
        fixed = [self.period, self.day, self.run.pk, timezone.now()]
        tx_table, entry_table = LedgerTransaction._meta.db_table, LedgerEntry._meta.db_table
        columns = ", ".join(self.ENTRY_COLUMNS)
        with connection.cursor() as cur:
            if connection.vendor == "postgresql":  # one statement a table: arrays, one a column
                cur.execute(f"INSERT INTO {tx_table} (id, memo, period, day, run_id, created_at) "
                            "SELECT i, m, %s, %s, %s, %s FROM UNNEST(%s::bigint[], %s::text[]) "
                            "AS u(i, m)", [*fixed, ids, memos])
                cur.execute(
                    f"INSERT INTO {entry_table} ({columns}) SELECT * FROM "
                    "UNNEST(%s::bigint[], %s::bigint[], %s::text[], %s::numeric[], "
                    "%s::bigint[], %s::bigint[], %s::bigint[])",
                    [list(column) for column in zip(*entries, strict=True)])
            else:
                cur.executemany(f"INSERT INTO {tx_table} (id, memo, period, day, run_id, "
                                "created_at) VALUES (%s, %s, %s, %s, %s, %s)",
                                [(i, m, *fixed) for i, m in zip(ids, memos, strict=True)])
                cur.executemany(f"INSERT INTO {entry_table} ({columns}) "
                                "VALUES (%s, %s, %s, %s, %s, %s, %s)", entries)
        self.items = []


def _new_ids(model, n: int) -> list[int]:
    """n primary keys for rows of `model` about to be written, so that rows referring to
    them need no id back from the INSERT. PostgreSQL draws them from the table's sequence;
    SQLite transactions begin IMMEDIATE here (settings), so inside one the writer holds
    the lock and the ids above the largest are free."""
    table = model._meta.db_table
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) "
                        "FROM generate_series(1, %s)", [table, n])
            return [row[0] for row in cur.fetchall()]
        cur.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
        top = cur.fetchone()[0]
    return list(range(top + 1, top + n + 1))


class ClosedPeriodError(RevenueError):
    """A posting dated on or before `closed`, the last day of a closed period: it would
    change a statement already issued."""

    def __init__(self, day: datetime.date, closed: datetime.date):
        self.day, self.closed = day, closed
        super().__init__(_("%(day)s: on or before %(closed)s, the last day of a closed period")
                         % {"day": day, "closed": closed})


def payee_account(payee: Studio | User) -> Account:
    """The ledger account of a payee: a studio's, or a rights holder's (a User)."""
    if isinstance(payee, Studio):
        return studio_account(payee)
    return licensor_account(payee)


@transaction.atomic
def post_payout(payee: Studio | User, amount: Decimal, day: datetime.date) -> LedgerTransaction:
    """A payout made to a payee, a studio or a rights holder, on `day`, which must lie
    after every closed period. The settlement lock keeps a run from closing the day's
    period meanwhile."""
    amount = Decimal(amount)
    if amount <= 0:
        raise RevenueError(_("a payout is positive"))
    _lock()
    closed = last_closed_day()
    if closed and day <= closed:
        raise ClosedPeriodError(day, closed)
    legs = [
        {"account": payee_account(payee), "kind": "payout", "amount": -amount},
        {"account": platform_account("platform_cash"), "kind": "platform", "amount": amount},
    ]
    memo = (f"payout to {payee.slug}" if isinstance(payee, Studio)
            else f"payout to licensor {payee.username}")
    return post(period_of(day), day, memo, legs)


def money_total(field: str = "amount", filter=None) -> Sum:
    """The sum of a money column (two decimals) as an aggregate, exact on every database;
    money_value() reads it. SQLite adds decimal columns as doubles and Django reads the
    total back to 15 significant digits (9999999999999.99 + 3 × 0.01 gave
    10000000000000.0), so there each amount is added as integer fen."""
    if connection.vendor == "sqlite":
        return Sum(Cast(Round(F(field) * 100), BigIntegerField()), filter=filter)
    return Sum(field, filter=filter)


def money_value(total) -> Decimal:
    """The Decimal of a money_total() (0.00 for no rows)."""
    if total is None:
        return Decimal("0.00")
    return Decimal(total).scaleb(-2) if connection.vendor == "sqlite" else total


def money_sum(rows, field: str = "amount") -> Decimal:
    """The exact sum of a money column over a queryset."""
    return money_value(rows.aggregate(s=money_total(field))["s"])


def decimal_sum(rows, field: str) -> Decimal:
    """The exact sum of a decimal column of any scale (the ten places of a line's minute
    and ad parts) over a queryset. On SQLite the values are added here, as Django reads
    each one, since there the database would add them as doubles; elsewhere the database
    adds them."""
    if connection.vendor == "sqlite":
        return sum((v for v in rows.order_by().values_list(field, flat=True).iterator() if v is not None),
                   Decimal(0))
    return rows.aggregate(s=Sum(field))["s"] or Decimal(0)


def balance(account: Account) -> Decimal:
    return money_sum(account.entries.all())


# --- Settlement ---------------------------------------------------------------------------


def coefficients(policy: PolicyVersion, category: str, exclusive: bool) -> dict:
    """The coefficients a line of this category and copyright gets under `policy`: what
    settlement stores on the line and what estimates price with."""
    d = policy.data
    excl = "exclusive" if exclusive else "non_exclusive"
    return {
        "minute_price": d["minute_price"],
        "category": category,
        "category_coefficient": d["category_coefficients"][category],
        "copyright": excl,
        "copyright_coefficient": d["copyright_coefficients"][excl],
        "ad_coefficient": d["ad_coefficients"][excl],
    }


def compute_line(valid_minutes, ad_revenue, coeffs: dict, licensor_share) -> dict:
    minute_part = (Decimal(valid_minutes) * Decimal(coeffs["minute_price"])
                   * Decimal(coeffs["category_coefficient"])
                   * Decimal(coeffs["copyright_coefficient"]))
    ad_part = Decimal(ad_revenue) * Decimal(coeffs["ad_coefficient"])
    base = q(minute_part + ad_part)
    royalty = q(base * Decimal(licensor_share)) if licensor_share is not None else CENT * 0
    return {"minute_part": minute_part, "ad_part": ad_part, "base": base,
            "royalty": royalty, "studio_share": base - royalty}


def hit_bonus(tiers: list[dict], views: int) -> Decimal:
    best = Decimal("0.00")
    for tier in tiers:
        if tier["min_views"] <= views:
            best = max(best, Decimal(tier["bonus"]))
    return best


def mg_amount(duration_seconds, per_minute) -> Decimal:
    # Multiplied before dividing: seconds × rate is exact, and one division then rounds
    # once (dividing first cut 60.005 s at 4500 a minute to 4500.37, not 4500.38).
    return q(Decimal(duration_seconds) * Decimal(per_minute) / Decimal(60))


def settle(period: str) -> tuple[SettlementRun, bool]:
    """Settle a period; returns (run, created). Settling a closed period again changes
    nothing. Runs (and imports) are serialised on one locked row; `period` is unique."""
    first, last = period_bounds(period)
    with transaction.atomic():
        _lock()
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:  # compiling the run's queries costs more
                cur.execute("SET LOCAL jit = off")  # than running them
        existing = SettlementRun.objects.filter(period=period).first()
        if existing:
            return existing, False
        # A run closes its period: one settled before its last day is over would close
        # days still to come (a payout on them would be refused) and miss their lines.
        today = timezone.localdate()
        if last >= today:
            raise RevenueError(_(
                "%(period)s is not over yet: a period can be settled from the day after "
                "its last day (%(last)s); today is %(today)s") % {
                    "period": period, "last": last, "today": today})
        closed = last_closed_day()
        last_closed = period_of(closed) if closed else None
        if last_closed and period < last_closed:
            raise RevenueError(_(
                "%(period)s comes before %(closed)s, which is settled: runs go in order, "
                "and a line dated in %(period)s is settled by the next run as a late line")
                % {"period": period, "closed": last_closed})
        _require_earlier_settled(period, first, last_closed)
        # The months between the last closed period and this one hold no lines (checked
        # above), but they may hold payouts or advances: each gets its (empty) run first,
        # so every statement opens at the previous one's closing balance and a payout
        # dated in such a month is on that month's statement.
        for gap in _periods_between(last_closed, period):
            _settle(gap, *period_bounds(gap))
        return _settle(period, first, last), True


def _periods_between(after: str | None, before: str) -> list[str]:
    """The periods strictly between two periods, in order ([] when after is None)."""
    gaps = []
    if after is None:
        return gaps
    day = period_bounds(after)[1] + datetime.timedelta(days=1)
    while period_of(day) < before:
        gaps.append(period_of(day))
        day = period_bounds(period_of(day))[1] + datetime.timedelta(days=1)
    return gaps


def _require_earlier_settled(period: str, first, last_closed: str | None) -> None:
    """Refuses when a period after the last closed one and before this one has lines."""
    earlier = {r.period for r in SettlementRun.all_runs.filter(open=True, period__lt=period)
               if RevenueLine.objects.filter(settled_in=r).exists()}
    earlier |= {
        period_of(d) for d in RevenueLine.objects.filter(
            settled_in__isnull=True, date__lt=first).order_by()
        .values_list("date", flat=True).distinct()
    }
    earlier = {p for p in earlier if last_closed is None or p > last_closed}
    if earlier:
        raise RevenueError(_("settle %(periods)s first")
                           % {"periods": ", ".join(sorted(earlier))})


def _settle(period: str, first, last) -> SettlementRun:
    policies = list(PolicyVersion.objects.order_by("valid_from"))
    end_policy = policy_for(last, policies)
    if end_policy is None:
        raise RevenueError(_("no policy effective on %(day)s") % {"day": last})
    run = SettlementRun.all_runs.filter(period=period).first()
    if run is None:
        run = SettlementRun.all_runs.create(period=period, open=True)
    # Lines waiting with no run (late ones, for periods already closed) join this one.
    RevenueLine.objects.filter(settled_in__isnull=True, date__lte=last).update(
        settled_in=run, late=Case(When(date__lt=first, then=True), default=False))
    totals = _run_totals(run, policies, first)
    (series_of, studios, licenses, share_by_series, royalty_by_license,
     ontime_share_by_studio, ontime_views_by_series, count) = totals
    run.open, run.policy, run.lines = False, end_policy, count
    run.save(update_fields=["open", "policy", "lines"])
    RunTotal.objects.filter(run=run).delete()  # kept for open runs only: the lines remain
    uplift = end_policy.data["continuous_creation"]

    # The run's ledger: one compound transaction per kind of amount, written at the end.
    accounts = _AccountIds(studios=studios, users=set(licenses.values()))
    batch = _Postings(period, last, run, accounts)
    revenue, incentives, advances = ("platform_revenue", "platform_incentives",
                                     "platform_advances")

    batch.add(f"revenue shares {period}", revenue, [
        (accounts.studio(series.studio_id), "share", share_by_series[sid], sid, None, None)
        for sid, series in series_of.items()])
    batch.add(f"royalties {period}", revenue, [
        (accounts.licensor(holder), "royalty", royalty_by_license[lid], None, None, lid)
        for lid, holder in licenses.items()])

    # Continuous-creation uplift per studio.
    published = dict(
        Episode.objects.filter(status__in=[Episode.Status.PUBLISHED, Episode.Status.TAKEN_DOWN],
                               published_on__gte=first,
                               published_on__lte=last, series__studio_id__in=list(
                                   ontime_share_by_studio))
        .values("series__studio_id").annotate(n=Count("id"))
        .values_list("series__studio_id", "n"))
    batch.add(f"continuous-creation uplift {period}", incentives, [
        (accounts.studio(sid), "uplift", q(share * Decimal(uplift["uplift"])), None, None, None)
        for sid, share in ontime_share_by_studio.items()
        if published.get(sid, 0) >= uplift["min_episodes"]])
    # Hit bonus per series.
    tiers = end_policy.data["hit_bonus_tiers"]
    batch.add(f"hit bonuses {period}", incentives, [
        (accounts.studio(series_of[sid].studio_id), "hit_bonus", hit_bonus(tiers, views), sid,
         None, None) for sid, views in ontime_views_by_series.items()])

    # What the series and licenses still owe from earlier advances, read before this run's
    # advances are added to it below.
    by_series = defaultdict(Decimal, _outstanding_by("series_id",
                                                     series_id__in=list(series_of)))
    by_license = defaultdict(Decimal, _outstanding_by("license_id",
                                                      license_id__in=list(licenses),
                                                      episode__isnull=True))
    # Episode minimum guarantees not yet advanced (a zero one never is, so grade C
    # episodes come back every run: read as tuples, they cost little).
    advanced = LedgerEntry.objects.filter(kind="mg_advance", episode__isnull=False)
    legs = []
    for eid, grade, seconds, published_on, series_id, studio_id in (
            Episode.objects.filter(published_on__lte=last).exclude(grade="")
            .exclude(id__in=advanced.values("episode_id")).order_by("id")
            .values_list("id", "grade", "duration_seconds", "published_on", "series_id",
                         "series__studio_id")):
        policy = policy_for(published_on, policies)
        if policy is None or seconds is None:
            continue
        amount = mg_amount(seconds, policy.data["mg_per_minute"][grade])
        legs.append((accounts.studio(studio_id), "mg_advance", amount, series_id, eid, None))
        by_series[series_id] += amount
    batch.add(f"minimum guarantees advanced {period}", advances, legs)
    # License minimum guarantees not yet advanced.
    lic_advanced = LedgerEntry.objects.filter(kind="mg_advance", license__isnull=False)
    legs = []
    for lid, guarantee, holder in (
            License.objects.filter(starts_on__lte=last, minimum_guarantee__gt=0)
            .exclude(id__in=lic_advanced.values("license_id")).order_by("id")
            .values_list("id", "minimum_guarantee", "ip__rights_holder_id")):
        legs.append((accounts.licensor(holder), "mg_advance", guarantee, None, None, lid))
        by_license[lid] += guarantee
    batch.add(f"license minimum guarantees advanced {period}", advances, legs)

    # Recoupment: per series and per license, up to what the run earned.
    recouped = {sid: min(by_series[sid], share_by_series[sid]) for sid in series_of}
    batch.add(f"minimum guarantees recouped {period}", advances, [
        (accounts.studio(series_of[sid].studio_id), "mg_recoup", -amount, sid, None, None)
        for sid, amount in recouped.items() if amount > 0])
    recouped = {lid: min(by_license[lid], royalty_by_license[lid]) for lid in licenses}
    batch.add(f"license minimum guarantees recouped {period}", advances, [
        (accounts.licensor(licenses[lid]), "mg_recoup", -amount, None, None, lid)
        for lid, amount in recouped.items() if amount > 0])
    batch.flush()
    return run


class _AccountIds:
    """Ledger account ids by owner for one settlement: the studios' and rights holders'
    read at once, any missing one made on first use, the platform's by kind."""

    def __init__(self, studios, users):
        self.ids = {("studio_id", owner): pk for owner, pk in Account.objects.filter(
            studio_id__in=list(studios)).values_list("studio_id", "id")}
        self.ids.update({("user_id", owner): pk for owner, pk in Account.objects.filter(
            user_id__in=list(users)).values_list("user_id", "id")})

    def _get(self, field: str, owner: int, kind: str) -> int:
        if (field, owner) not in self.ids:
            self.ids[(field, owner)] = Account.objects.get_or_create(
                **{field: owner}, defaults={"kind": kind})[0].pk
        return self.ids[(field, owner)]

    def studio(self, studio_id: int) -> int:
        return self._get("studio_id", studio_id, "studio")

    def licensor(self, user_id: int) -> int:
        return self._get("user_id", user_id, "licensor")

    def platform(self, kind: str) -> int:
        if ("platform", kind) not in self.ids:
            self.ids[("platform", kind)] = platform_account(kind).pk
        return self.ids[("platform", kind)]


def _outstanding_by(field: str, **filters) -> dict:
    """mg_outstanding for many series (or licenses) in one grouped query."""
    rows = (LedgerEntry.objects.filter(kind__in=["mg_advance", "mg_recoup"], **filters)
            .exclude(account__kind__startswith="platform")
            .values(field).annotate(s=money_total()).values_list(field, "s"))
    return {key: money_value(total) for key, total in rows}


def _run_groups(run, bounds: list, before=None) -> list[dict]:
    """The run's lines summed per series, license, lateness, pricing key and policy
    interval (the index of the policy version in force: dates before bounds[i] are in
    interval i); with `before`, only its lines dated before that day. Summed per episode
    first, from the run's index alone, then per series: a join in the scan itself tempts
    PostgreSQL into a nested loop over every episode's lines. Raw SQL: the ORM's per-value
    conversions cost more than the query here."""
    line, episode = RevenueLine._meta.db_table, Episode._meta.db_table
    cases = " ".join(f"WHEN date < %s THEN {i}" for i in range(len(bounds)))
    interval = f"CASE {cases} ELSE {len(bounds)} END" if bounds else "0"
    dated = " AND date < %s" if before else ""
    sql = (f"WITH g AS MATERIALIZED (SELECT episode_id, license_id, late, pricing, "
           f"{interval} AS iv, SUM({_summed('studio_share')}) AS s, "
           f"SUM({_summed('royalty')}) AS r, "
           f"SUM(valid_views) AS v, COUNT(*) AS n FROM {line} WHERE settled_in_id = %s{dated} "
           f"GROUP BY episode_id, license_id, late, pricing, iv) "
           f"SELECT e.series_id, g.license_id, g.late, g.pricing, g.iv, SUM(g.s), SUM(g.r), "
           f"SUM(g.v), SUM(g.n) FROM g JOIN {episode} e ON e.id = g.episode_id "
           f"GROUP BY e.series_id, g.license_id, g.late, g.pricing, g.iv")
    with connection.cursor() as cur:
        cur.execute(sql, [*bounds, run.pk, *([before] if before else [])])
        fetched = cur.fetchall()
    money = _from_fen if connection.vendor == "sqlite" else _sum_or_zero
    return [_group(*row, money=money) for row in fetched]


def _summed(column: str) -> str:
    """A money column as SQL adds it exactly: as integer fen on SQLite, which adds decimal
    columns as doubles (each amount, under MAX_MONEY, is read back to the fen exactly);
    as itself where the database adds decimals exactly."""
    if connection.vendor == "sqlite":
        return f"CAST(ROUND({column} * 100) AS INTEGER)"
    return column


def _fen(amount: Decimal) -> int:
    """An amount of whole fen as an integer (RunTotal's columns)."""
    fen = amount.scaleb(2)
    if fen != fen.to_integral_value():
        raise ValueError(f"{amount} is not a whole number of fen")
    return int(fen)


def _group(sid, lid, late, pricing, iv, share, royalty, views, n, money) -> dict:
    """One row of a run's totals as _run_totals reads it, sums made exact Decimals by
    `money` (from fen, or the database's exact decimal sum)."""
    return {"episode__series_id": sid, "license_id": lid, "late": bool(late),
            "pricing": pricing, "interval": iv, "share": money(share),
            "royalty": money(royalty), "views": int(views), "n": int(n)}


def _kept_groups(run, bounds: list, first) -> list[dict] | None:
    """The same groups as _run_groups, from the run's RunTotal rows for its on-time lines
    and from the lines themselves for the late ones (few, found by the index). None when
    the totals cannot stand for the lines: they count other than the run's on-time lines
    (lines written by something other than the import, a run from before the totals), or
    a key's dates straddle a policy version's start (a version made after the import)."""
    line, episode, total = (RevenueLine._meta.db_table, Episode._meta.db_table,
                            RunTotal._meta.db_table)
    with connection.cursor() as cur:
        cur.execute(f"SELECT COUNT(*) FROM {line} WHERE settled_in_id = %s AND date >= %s",
                    [run.pk, first])
        on_time = cur.fetchone()[0]
        cur.execute(f"SELECT e.series_id, t.license_id, t.pricing, MIN(t.first_date), "
                    f"MAX(t.last_date), SUM(t.studio_share_fen), SUM(t.royalty_fen), "
                    f"SUM(t.valid_views), SUM(t.lines) FROM {total} t JOIN {episode} e "
                    f"ON e.id = t.episode_id WHERE t.run_id = %s "
                    f"GROUP BY e.series_id, t.license_id, t.pricing", [run.pk])
        fetched = cur.fetchall()
    if sum(int(n) for *_rest, n in fetched) != on_time:
        return None
    sqlite = connection.vendor == "sqlite"
    rows = []
    for sid, lid, pricing, lo, hi, share, royalty, views, n in fetched:
        if sqlite:
            lo, hi = datetime.date.fromisoformat(str(lo)), datetime.date.fromisoformat(str(hi))
        iv = bisect.bisect_right(bounds, lo)
        if iv != bisect.bisect_right(bounds, hi):
            return None
        rows.append(_group(sid, lid, False, pricing, iv, share, royalty, views, n,
                           money=_from_fen))
    return rows + _run_groups(run, bounds, before=first)


def _sum_or_zero(value) -> Decimal:
    return Decimal("0.00") if value is None else value  # lines not priced yet: stale


def _from_fen(value) -> Decimal:
    """The Decimal of a sum in fen (0.00 for lines not priced yet: stale)."""
    return Decimal(value or 0).scaleb(-2).quantize(CENT)


class _SeriesPayee(NamedTuple):
    """What settling needs of a series: how its lines are priced and who is paid (a row
    of values_list: the names are the lookups)."""

    id: int
    category: str
    exclusive: bool
    studio_id: int
    license_id: int | None
    license__licensor_share: Decimal | None
    license__ip__rights_holder_id: int | None


def _run_totals(run, policies, first) -> tuple:
    """The run's totals per series, license, lateness, pricing key and policy interval:
    from the totals its imports kept (RunTotal) where they stand for the lines, else in one
    grouped query over its lines. A group whose key is not what the line would be priced
    with now (a policy version made after the import, a series or license changed) is
    priced again first, in Python with exact Decimals, and the totals are read again from
    the lines."""
    bounds = [p.valid_from for p in policies[1:]]
    pricer = Pricer(policies)
    kept = _kept_groups(run, bounds, first)
    for attempt in range(2):
        rows = kept if kept is not None else _run_groups(run, bounds)
        series_ids = {r["episode__series_id"] for r in rows}
        series_of = {row[0]: _SeriesPayee(*row) for row in Series.objects.filter(
            id__in=series_ids).values_list(*_SeriesPayee._fields)}
        for x in series_of.values():
            pricer.remember(x.id, x.category, x.exclusive, x.license_id, x.license__licensor_share)
        stale = [r for r in rows
                 if r["pricing"] != pricer.rate(policies[r["interval"]],
                                                r["episode__series_id"])[0]]
        if not stale:
            break
        if attempt:
            raise RuntimeError("lines still priced stale after repricing")
        kept = None  # repriced lines: from now on their own sums are the truth
        for r in stale:
            i = r["interval"]
            lines = RevenueLine.objects.filter(
                settled_in=run, episode__series_id=r["episode__series_id"],
                pricing=r["pricing"], late=r["late"], license_id=r["license_id"],
                date__gte=policies[i].valid_from)
            if i < len(bounds):
                lines = lines.filter(date__lt=bounds[i])
            repriced = []
            for line in lines.only("id", "date", "valid_minutes", "ad_revenue", "late",
                                   "settled_in_id"):
                try:
                    pricer.price(line, r["episode__series_id"])
                except TooLarge as exc:
                    raise RevenueError(_("%(period)s cannot be settled: the line of %(line)s "
                                         "under %(policy)s: %(problem)s") % {
                        "period": run.period, "line": line,
                        "policy": policies[i].name, "problem": exc.args[0]}) from None
                repriced.append(line)
            _write_settled(repriced)
    share_by_series: dict = defaultdict(Decimal)
    royalty_by_license: dict = defaultdict(Decimal)
    ontime_share_by_studio: dict = defaultdict(Decimal)
    ontime_views_by_series: dict = defaultdict(int)
    studios, licenses, count = set(), {}, 0
    for r in rows:
        series = series_of[r["episode__series_id"]]
        studios.add(series.studio_id)
        share_by_series[series.id] += r["share"]
        count += r["n"]
        if r["license_id"]:
            licenses[r["license_id"]] = series.license__ip__rights_holder_id
            royalty_by_license[r["license_id"]] += r["royalty"]
        if not r["late"]:
            ontime_share_by_studio[series.studio_id] += r["share"]
            ontime_views_by_series[series.id] += r["views"]
    series_of = {sid: series_of[sid] for sid in share_by_series}
    # studios: the ids of the studios paid; licenses: the rights holder by license id.
    return (series_of, studios, licenses, share_by_series, royalty_by_license,
            ontime_share_by_studio, ontime_views_by_series, count)


def _write_settled(lines: list[RevenueLine]) -> None:
    """Prices written back in batches of one UPDATE … FROM (VALUES …) each: one statement per
    500 lines instead of one per line (bulk_update's CASE was slower still). Only lines
    whose import-time price went stale come here."""
    pg = connection.vendor == "postgresql"

    def c(n: int, cast: str) -> str:
        return f"v.column{n}::{cast}" if pg else f"v.column{n}"

    table = RevenueLine._meta.db_table
    head = (f"UPDATE {table} SET policy_id = {c(2, 'bigint')}, coefficients = {c(3, 'jsonb')}, "
            f"license_id = {c(4, 'bigint')}, minute_part = {c(5, 'numeric')}, "
            f"ad_part = {c(6, 'numeric')}, base = {c(7, 'numeric')}, "
            f"royalty = {c(8, 'numeric')}, studio_share = {c(9, 'numeric')}, "
            f"settled_in_id = {c(10, 'bigint')}, late = {c(11, 'boolean')}, "
            f"pricing = {c(12, 'text')} FROM (VALUES ")
    tail = f") AS v WHERE {table}.id = {c(1, 'bigint')}"
    row = "(" + ", ".join(["%s"] * 12) + ")"
    step = 500
    with connection.cursor() as cur:
        for i in range(0, len(lines), step):
            chunk = lines[i:i + step]
            params: list = []
            for x in chunk:
                params += [x.id, x.policy_id, json.dumps(x.coefficients, sort_keys=True),
                           x.license_id, str(x.minute_part), str(x.ad_part), str(x.base),
                           str(x.royalty), str(x.studio_share), x.settled_in_id, x.late,
                           x.pricing]
            cur.execute(head + ", ".join([row] * len(chunk)) + tail, params)


def mg_outstanding(**filters) -> Decimal:
    """Minimum guarantee advanced and not yet recouped (payee side of the ledger), for the
    entries `filters` select (series=…, license=…, series__studio=…, account__user=…)."""
    payee = LedgerEntry.objects.filter(kind__in=["mg_advance", "mg_recoup"], **filters).exclude(
        account__kind__startswith="platform")
    return money_sum(payee)
