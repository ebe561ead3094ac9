"""Writes of the revenue engine: policies, revenue import, settlement, payouts.

Row numbering of imports: the header is row 1, the first data row is row 2 (what a
spreadsheet shows)."""

import calendar
import csv
import datetime
import hashlib
import io
import json
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Sum

from creators.models import Episode, Studio, User
from library.models import License
from revenue.models import (
    Account,
    ImportBatch,
    LedgerEntry,
    LedgerTransaction,
    PolicyVersion,
    RevenueLine,
    SettlementLock,
    SettlementRun,
)

CENT = Decimal("0.01")
HEADER = ["date", "episode_ref", "valid_views", "valid_minutes", "ad_revenue"]
CATEGORIES = ["ai_real", "premium_3d", "premium_2d", "narrated", "standard"]
GRADES = ["S", "A", "B", "C"]
MAX_MONEY = Decimal("99999999999999.99")
MAX_VIEWS = 10**15
BATCH = 2000


class RevenueError(Exception):
    """A refused request; `problems` lists every reason."""

    def __init__(self, problems):
        self.problems = list(problems) if isinstance(problems, (list, tuple)) else [problems]
        super().__init__("\n".join(self.problems))


def q(x: Decimal) -> Decimal:
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


def period_of(day: datetime.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def period_bounds(period: str) -> tuple[datetime.date, datetime.date]:
    try:
        year, month = (int(p) for p in period.split("-"))
        first = datetime.date(year, month, 1)
    except (ValueError, TypeError) as exc:
        raise RevenueError(f"bad period {period!r}: expected YYYY-MM") from exc
    return first, datetime.date(year, month, calendar.monthrange(year, month)[1])


def last_closed_day() -> datetime.date | None:
    last = SettlementRun.objects.order_by("-period").values_list("period", flat=True).first()
    return period_bounds(last)[1] if last else None


# --- Policies -----------------------------------------------------------------------------


def _dec(value, where: str, problems: list) -> Decimal | None:
    try:
        d = Decimal(str(value))
    except (InvalidOperation, ValueError):
        problems.append(f"{where}: not a decimal: {value!r}")
        return None
    if not d.is_finite() or d < 0:
        problems.append(f"{where}: must be a non-negative decimal")
        return None
    return d


def validate_policy(data: dict) -> tuple[dict, list[str]]:
    """The policy in canonical form (decimal strings as given) and the problems found."""
    problems: list[str] = []
    if not isinstance(data, dict):
        return {}, ["a policy is a JSON object"]
    out: dict = {}
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append("name: required")
    out["name"] = name
    try:
        out["valid_from"] = datetime.date.fromisoformat(str(data.get("valid_from")))
    except ValueError:
        problems.append("valid_from: expected YYYY-MM-DD")
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
            problems.append(f"{key}: needs exactly {', '.join(names)}")
            continue
        out[key] = {}
        for n in names:
            if _dec(block[n], f"{key}.{n}", problems) is not None:
                out[key][n] = str(block[n])
    tiers = data.get("hit_bonus_tiers")
    out["hit_bonus_tiers"] = []
    if not isinstance(tiers, list):
        problems.append("hit_bonus_tiers: a list")
    else:
        for i, tier in enumerate(tiers):
            mv = tier.get("min_views") if isinstance(tier, dict) else None
            if not isinstance(mv, int) or mv < 0 or isinstance(mv, bool):
                problems.append(f"hit_bonus_tiers[{i}].min_views: a non-negative integer")
                continue
            if _dec(tier.get("bonus"), f"hit_bonus_tiers[{i}].bonus", problems) is not None:
                out["hit_bonus_tiers"].append({"min_views": mv, "bonus": str(tier["bonus"])})
    cc = data.get("continuous_creation")
    if not isinstance(cc, dict) or not isinstance(cc.get("min_episodes"), int):
        problems.append("continuous_creation: needs min_episodes (integer) and uplift")
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
            f"valid_from {valid_from}: on or before {closed}, the last day of a closed period")
    if PolicyVersion.objects.filter(valid_from=valid_from).exists():
        raise RevenueError(f"valid_from {valid_from}: a version already starts that day")
    return PolicyVersion.objects.create(name=name, valid_from=valid_from, data=clean)


def import_policy_file(path) -> PolicyVersion:
    with open(path, encoding="utf-8-sig") as fh:
        try:
            data = json.load(fh)
        except json.JSONDecodeError as exc:
            raise RevenueError(f"not JSON: {exc}") from exc
    return create_policy(data)


def policy_for(day: datetime.date, policies: list[PolicyVersion]) -> PolicyVersion | None:
    chosen = None
    for p in policies:  # ordered by valid_from
        if p.valid_from <= day:
            chosen = p
        else:
            break
    return chosen


# --- Revenue import -----------------------------------------------------------------------


def _money(text: str, field: str) -> Decimal:
    text = text.strip()
    try:
        d = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(f"{field} is not a number: {text!r}") from exc
    if not d.is_finite() or not text or text[0] in "+" or "e" in text.lower():
        raise ValueError(f"{field} is not a plain decimal: {text!r}")
    if d < 0:
        raise ValueError(f"{field} is negative")
    if -d.as_tuple().exponent > 2:
        raise ValueError(f"{field} has more than 2 decimals")
    if d > MAX_MONEY:
        raise ValueError(f"{field} is too large")
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


def import_revenue(fileobj, platform: str, filename: str = "", user=None) -> ImportBatch:
    """Import a CSV (binary file object) whole or not at all, streaming: rows are parsed
    from a text wrapper over the file and inserted in batches inside one transaction, so
    memory stays flat whatever the size. Raises RevenueError listing every bad row as
    `row N: reason` (the header is row 1); the refusal is recorded as a refused batch."""
    digest = _digest(fileobj)
    if digest and ImportBatch.objects.filter(sha256=digest, status="accepted").exists():
        problems = ["this file was already imported"]
    else:
        stream = _Hashing(fileobj)
        problems = []
        try:
            with transaction.atomic():
                batch = ImportBatch.objects.create(
                    platform=platform, filename=filename, sha256=digest or "", created_by=user,
                    status=ImportBatch.Status.ACCEPTED)
                batch.rows = _stream_rows(stream, platform, batch, problems)
                batch.sha256 = stream.sha.hexdigest()
                if not problems and ImportBatch.objects.filter(
                        sha256=batch.sha256, status="accepted").exclude(pk=batch.pk).exists():
                    problems.append("this file was already imported")
                if problems:
                    raise _Refused
                batch.save(update_fields=["rows", "sha256"])
                return batch
        except _Refused:
            pass
        except IntegrityError:
            problems = ["a line or the same file was imported at the same time"]
        digest = stream.sha.hexdigest()
    ImportBatch.objects.create(platform=platform, filename=filename, sha256=digest,
                               status=ImportBatch.Status.REFUSED, errors=problems,
                               created_by=user)
    raise RevenueError(problems)


def _stream_rows(stream, platform: str, batch: ImportBatch, problems: list) -> int:
    """Parse, check and insert every row; append problems. Returns the rows inserted."""
    text = io.TextIOWrapper(io.BufferedReader(stream, 1 << 16), encoding="utf-8-sig",
                            newline="")
    reader = csv.reader(text)
    try:
        header = next(reader, None)
    except UnicodeDecodeError:
        problems.append("row 1: the file is not UTF-8")
        return 0
    if header is None or [h.strip() for h in header] != HEADER:
        problems.append(f"row 1: the header must be {','.join(HEADER)}")
        return 0
    episodes = {ref: (eid, status == Episode.Status.PUBLISHED, published_on)
                for ref, eid, status, published_on in
                Episode.objects.values_list("ref", "id", "status", "published_on")}
    policies = list(PolicyVersion.objects.order_by("valid_from"))
    first_policy_day = policies[0].valid_from if policies else None
    pending: list[RevenueLine] = []
    rows: dict[tuple, int] = {}
    inserted = 0

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
                problems.append(f"row {n}: duplicate of an earlier row ({d} {r})")
            else:
                problems.append(f"row {n}: {d} {r} on {platform} already imported")
        keep = [x for x in pending if (x.date, x.episode_ref) not in bad]
        RevenueLine.objects.bulk_create(keep)
        inserted += len(keep)
        pending.clear()
        rows.clear()

    n = 1
    try:
        for n, row in enumerate(reader, start=2):
            if not row or all(not c.strip() for c in row):
                problems.append(f"row {n}: blank line")
                continue
            if len(row) != len(HEADER):
                problems.append(f"row {n}: expected {len(HEADER)} fields, found {len(row)}")
                continue
            reasons = []
            day = None
            try:
                day = datetime.date.fromisoformat(row[0].strip())
            except ValueError:
                reasons.append(f"bad date {row[0]!r}")
            ref = row[1].strip()
            ep = episodes.get(ref)
            if ep is None:
                reasons.append(f"unknown episode {ref!r}")
            elif day and not (ep[1] and ep[2] is not None and ep[2] <= day):
                reasons.append(f"episode {ref} not yet published on {day}")
            if day and (first_policy_day is None or day < first_policy_day):
                reasons.append(f"no policy for {day}")
            views = row[2].strip()
            if not views.isdigit() or not views.isascii():
                reasons.append(f"valid_views is not a non-negative integer: {views!r}")
            elif int(views) > MAX_VIEWS:
                reasons.append("valid_views is too large")
            values = []
            for field, value in (("valid_minutes", row[3]), ("ad_revenue", row[4])):
                try:
                    values.append(_money(value, field))
                except ValueError as exc:
                    reasons.append(str(exc))
            if day and ep is not None:
                if (day, ref) in rows:
                    reasons.append(f"duplicate of row {rows[(day, ref)]}")
            if reasons:
                problems.append(f"row {n}: " + "; ".join(reasons))
                continue
            rows[(day, ref)] = n
            pending.append(RevenueLine(
                date=day, platform=platform, episode_id=ep[0], episode_ref=ref,
                valid_views=int(views), valid_minutes=values[0], ad_revenue=values[1],
                batch=batch))
            if len(pending) >= BATCH:
                flush()
        flush()
    except UnicodeDecodeError:
        problems.append(f"row {n + 1}: the file is not UTF-8")
    except csv.Error as exc:
        problems.append(f"row {reader.line_num}: {exc}")
    problems.sort(key=lambda p: int(p.split(":")[0].split()[1]) if p.startswith("row ") else 0)
    return inserted


# --- Ledger -------------------------------------------------------------------------------


def platform_account(kind: str) -> Account:
    return Account.objects.get_or_create(kind=kind, studio=None, user=None)[0]


def studio_account(studio: Studio) -> Account:
    return Account.objects.get_or_create(studio=studio, defaults={"kind": "studio"})[0]


def licensor_account(user: User) -> Account:
    return Account.objects.get_or_create(user=user, defaults={"kind": "licensor"})[0]


def post(period: str, day, memo: str, legs: list[dict], run=None) -> LedgerTransaction | None:
    """One balanced transaction; legs are dicts of LedgerEntry fields with `amount`."""
    legs = [leg for leg in legs if leg["amount"] != 0]
    if not legs:
        return None
    if sum(leg["amount"] for leg in legs) != 0:
        raise ValueError("unbalanced transaction")
    tx = LedgerTransaction.objects.create(period=period, day=day, memo=memo[:200], run=run)
    LedgerEntry.objects.bulk_create([LedgerEntry(transaction=tx, **leg) for leg in legs])
    return tx


class _Postings:
    """Balanced transactions collected and written with two bulk INSERTs."""

    def __init__(self, period, day, run):
        self.period, self.day, self.run, self.items = period, day, run, []

    def add(self, memo: str, legs: list[dict], run=None) -> None:
        legs = [leg for leg in legs if leg["amount"] != 0]
        if not legs:
            return
        if sum(leg["amount"] for leg in legs) != 0:
            raise ValueError("unbalanced transaction")
        self.items.append((memo[:200], legs))

    def flush(self) -> None:
        if not self.items:
            return
        txs = LedgerTransaction.objects.bulk_create([
            LedgerTransaction(period=self.period, day=self.day, memo=memo, run=self.run)
            for memo, _legs in self.items])
        LedgerEntry.objects.bulk_create([
            LedgerEntry(transaction=tx, **leg)
            for tx, (_memo, legs) in zip(txs, self.items, strict=True) for leg in legs],
            batch_size=BATCH)
        self.items = []


def _pay(account, kind, amount, source_kind, **refs) -> list[dict]:
    """Credit a payee and debit a platform account by the same amount."""
    return [
        {"account": account, "kind": kind, "amount": amount, **refs},
        {"account": platform_account(source_kind), "kind": "platform", "amount": -amount,
         **refs},
    ]


@transaction.atomic
def post_payout(studio: Studio, amount: Decimal, day: datetime.date) -> LedgerTransaction:
    """A payout made to a studio (hook for the payout requests of issue 9)."""
    amount = Decimal(amount)
    if amount <= 0:
        raise RevenueError("a payout is positive")
    legs = [
        {"account": studio_account(studio), "kind": "payout", "amount": -amount},
        {"account": platform_account("platform_cash"), "kind": "platform", "amount": amount},
    ]
    return post(period_of(day), day, f"payout to {studio.slug}", legs)


def balance(account: Account) -> Decimal:
    return account.entries.aggregate(s=Sum("amount"))["s"] or Decimal("0.00")


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
    return q(Decimal(duration_seconds) / Decimal(60) * Decimal(per_minute))


def settle(period: str) -> tuple[SettlementRun, bool]:
    """Settle a period; returns (run, created). Settling a closed period again changes
    nothing. Runs are serialised on one locked row, and `period` is unique."""
    first, last = period_bounds(period)
    with transaction.atomic():
        SettlementLock.objects.get_or_create(key="settlement")
        SettlementLock.objects.select_for_update().get(key="settlement")
        existing = SettlementRun.objects.filter(period=period).first()
        if existing:
            return existing, False
        return _settle(period, first, last), True


def _settle(period: str, first, last) -> SettlementRun:
    closed = set(SettlementRun.objects.values_list("period", flat=True))
    earlier = {
        period_of(d) for d in RevenueLine.objects.filter(
            settled_in__isnull=True, date__lt=first).values_list("date", flat=True).distinct()
    } - closed
    if earlier:
        raise RevenueError(f"settle {', '.join(sorted(earlier))} first")
    policies = list(PolicyVersion.objects.order_by("valid_from"))
    end_policy = policy_for(last, policies)
    if end_policy is None:
        raise RevenueError(f"no policy effective on {last}")
    run = SettlementRun.objects.create(period=period, policy=end_policy)
    uplift = end_policy.data["continuous_creation"]
    if connection.vendor == "postgresql":
        totals = _settle_lines_sql(run, policies, first, last)
    else:
        totals = _settle_lines_python(run, policies, first, last)
    (series_of, studios, licenses, share_by_series, royalty_by_license,
     ontime_share_by_studio, ontime_views_by_series, run.lines) = totals
    run.save(update_fields=["lines"])

    # The run's ledger transactions are written in bulk; accounts are looked up once.
    batch = _Postings(period, last, run)
    accounts: dict = {}

    def cached(fn, obj):
        key = (fn.__name__, obj.pk)
        if key not in accounts:
            accounts[key] = fn(obj)
        return accounts[key]

    def sacct(studio):
        return cached(studio_account, studio)

    def lacct(user):
        return cached(licensor_account, user)

    platform = {}

    def pay(account, kind, amount, source_kind, **refs):
        if source_kind not in platform:
            platform[source_kind] = platform_account(source_kind)
        return [{"account": account, "kind": kind, "amount": amount, **refs},
                {"account": platform[source_kind], "kind": "platform", "amount": -amount,
                 **refs}]

    # Shares and royalties: one transaction per series.
    for sid, series in series_of.items():
        legs = pay(sacct(series.studio), "share", share_by_series[sid],
                    "platform_revenue", series=series)
        batch.add(f"shares {series.slug} {period}", legs, run)
    for lid, lic in licenses.items():
        legs = pay(lacct(lic.ip.rights_holder), "royalty", royalty_by_license[lid],
                    "platform_revenue", license=lic)
        batch.add(f"royalties license {lid} {period}", legs, run)

    # Continuous-creation uplift per studio.
    published = Episode.objects.filter(
        status=Episode.Status.PUBLISHED, published_on__gte=first, published_on__lte=last)
    for sid, share in ontime_share_by_studio.items():
        count = published.filter(series__studio_id=sid).count()
        if count >= uplift["min_episodes"]:
            amount = q(share * Decimal(uplift["uplift"]))
            batch.add(f"uplift {studios[sid].slug} {period}",
                 pay(sacct(studios[sid]), "uplift", amount, "platform_incentives"),
                 run)
    # Hit bonus per series.
    for sid, views in ontime_views_by_series.items():
        bonus = hit_bonus(end_policy.data["hit_bonus_tiers"], views)
        series = series_of[sid]
        batch.add(f"hit bonus {series.slug} {period}",
             pay(sacct(series.studio), "hit_bonus", bonus, "platform_incentives",
                  series=series), run)

    # Episode minimum guarantees not yet advanced.
    advanced = set(LedgerEntry.objects.filter(kind="mg_advance", episode__isnull=False)
                   .values_list("episode_id", flat=True))
    for ep in (Episode.objects.filter(published_on__lte=last).exclude(grade="")
               .exclude(id__in=advanced).select_related("series__studio")):
        policy = policy_for(ep.published_on, policies)
        if policy is None or ep.duration_seconds is None:
            continue
        amount = mg_amount(ep.duration_seconds, policy.data["mg_per_minute"][ep.grade])
        batch.add(f"MG {ep.ref}",
             pay(sacct(ep.series.studio), "mg_advance", amount, "platform_advances",
                  series=ep.series, episode=ep), run)
    # License minimum guarantees not yet advanced.
    lic_advanced = set(LedgerEntry.objects.filter(kind="mg_advance", license__isnull=False)
                       .values_list("license_id", flat=True))
    for lic in (License.objects.filter(starts_on__lte=last, minimum_guarantee__gt=0)
                .exclude(id__in=lic_advanced).select_related("ip__rights_holder")):
        batch.add(f"license MG {lic.id}",
             pay(lacct(lic.ip.rights_holder), "mg_advance", lic.minimum_guarantee,
                  "platform_advances", license=lic), run)

    batch.flush()  # recoupment reads the advances just posted
    # Recoupment: per series and per license, up to what the run earned.
    for sid, series in series_of.items():
        outstanding = mg_outstanding(series=series)
        amount = min(outstanding, share_by_series[sid])
        if amount > 0:
            batch.add(f"recoup {series.slug}",
                 pay(sacct(series.studio), "mg_recoup", -amount, "platform_advances",
                      series=series), run)
    for lid, lic in licenses.items():
        outstanding = mg_outstanding(license=lic, episode__isnull=True)
        amount = min(outstanding, royalty_by_license[lid])
        if amount > 0:
            batch.add(f"recoup license {lid}",
                 pay(lacct(lic.ip.rights_holder), "mg_recoup", -amount,
                      "platform_advances", license=lic), run)
    batch.flush()
    return run


def _settle_lines_python(run, policies, first, last) -> tuple:
    """Price every unsettled line up to `last` in Python (exact Decimal): the path for
    databases without an exact numeric type (SQLite)."""
    lines = list(
        RevenueLine.objects.select_for_update(of=("self",))
        .filter(settled_in__isnull=True, date__lte=last)
        .select_related("episode__series__studio", "episode__series__license__ip")
    )
    share_by_series: dict = defaultdict(Decimal)
    royalty_by_license: dict = defaultdict(Decimal)
    ontime_share_by_studio: dict = defaultdict(Decimal)
    ontime_views_by_series: dict = defaultdict(int)
    series_of: dict = {}
    studios: dict = {}
    licenses: dict = {}
    for line in lines:
        series = line.episode.series
        series_of[series.id] = series
        studios[series.studio_id] = series.studio
        policy = policy_for(line.date, policies)
        coeffs = coefficients(policy, series.category, series.exclusive)
        lic = series.license
        parts = compute_line(line.valid_minutes, line.ad_revenue, coeffs,
                             lic.licensor_share if lic else None)
        coeffs["licensor_share"] = str(lic.licensor_share) if lic else None
        line.policy, line.coefficients, line.license = policy, coeffs, lic
        for k, v in parts.items():
            setattr(line, k, v)
        line.settled_in = run
        line.late = line.date < first
        share_by_series[series.id] += line.studio_share
        if lic:
            licenses[lic.id] = lic
            royalty_by_license[lic.id] += line.royalty
        if not line.late:
            ontime_share_by_studio[series.studio_id] += line.studio_share
            ontime_views_by_series[series.id] += line.valid_views
    _write_settled(lines)
    return (series_of, studios, licenses, share_by_series, royalty_by_license,
            ontime_share_by_studio, ontime_views_by_series, len(lines))


def _settle_lines_sql(run, policies, first, last) -> tuple:
    """Price every unsettled line up to `last` with set-based UPDATEs on PostgreSQL (exact
    numeric arithmetic, round() is half away from zero = ROUND_HALF_UP for these
    non-negative amounts): one UPDATE per policy interval and (category, copyright,
    license) group, then one aggregate query for the ledger totals."""
    from creators.models import Series

    table = RevenueLine._meta.db_table
    episodes = Episode._meta.db_table
    with connection.cursor() as cur:
        cur.execute(f"SELECT DISTINCT e.series_id FROM {table} l JOIN {episodes} e "
                    "ON e.id = l.episode_id WHERE l.settled_in_id IS NULL AND l.date <= %s",
                    [last])
        series_ids = [r[0] for r in cur.fetchall()]
    series_of = Series.objects.select_related("studio", "license__ip__rights_holder").in_bulk(
        series_ids)
    groups: dict = defaultdict(list)
    for series in series_of.values():
        groups[(series.category, series.exclusive, series.license_id)].append(series.id)
    bounds = [p.valid_from for p in policies[1:]] + [datetime.date.max]
    sql = (f"UPDATE {table} AS l SET policy_id = %(policy)s, coefficients = %(coeffs)s::jsonb, "
           "license_id = %(license)s, minute_part = l.valid_minutes * %(m)s, "
           "ad_part = l.ad_revenue * %(a)s, "
           "base = round(l.valid_minutes * %(m)s + l.ad_revenue * %(a)s, 2), "
           "royalty = round(round(l.valid_minutes * %(m)s + l.ad_revenue * %(a)s, 2) "
           "* %(share)s, 2), "
           "studio_share = round(l.valid_minutes * %(m)s + l.ad_revenue * %(a)s, 2) "
           "- round(round(l.valid_minutes * %(m)s + l.ad_revenue * %(a)s, 2) * %(share)s, 2), "
           "settled_in_id = %(run)s, late = l.date < %(first)s "
           f"FROM {episodes} e WHERE e.id = l.episode_id AND e.series_id = ANY(%(series)s) "
           "AND l.settled_in_id IS NULL AND l.date >= %(start)s AND l.date < %(end)s "
           "AND l.date <= %(last)s")
    with connection.cursor() as cur:
        for policy, end in zip(policies, bounds, strict=True):
            if policy.valid_from > last:
                break
            for (category, exclusive, license_id), ids in groups.items():
                lic = series_of[ids[0]].license
                coeffs = coefficients(policy, category, exclusive)
                coeffs["licensor_share"] = str(lic.licensor_share) if lic else None
                minute = (Decimal(coeffs["minute_price"]) * Decimal(coeffs["category_coefficient"])
                          * Decimal(coeffs["copyright_coefficient"]))
                cur.execute(sql, {
                    "policy": policy.id, "coeffs": json.dumps(coeffs), "license": license_id,
                    "m": minute, "a": Decimal(coeffs["ad_coefficient"]),
                    "share": lic.licensor_share if lic else Decimal(0), "run": run.id,
                    "first": first, "series": ids, "start": policy.valid_from, "end": end,
                    "last": last})
    share_by_series: dict = defaultdict(Decimal)
    royalty_by_license: dict = defaultdict(Decimal)
    ontime_share_by_studio: dict = defaultdict(Decimal)
    ontime_views_by_series: dict = defaultdict(int)
    studios, licenses, count = {}, {}, 0
    rows = (RevenueLine.objects.filter(settled_in=run)
            .values("episode__series_id", "license_id", "late")
            .annotate(share=Sum("studio_share"), royalty=Sum("royalty"),
                      views=Sum("valid_views"), n=Count("id")))
    for r in rows:
        series = series_of[r["episode__series_id"]]
        studios[series.studio_id] = series.studio
        share_by_series[series.id] += r["share"]
        count += r["n"]
        if r["license_id"]:
            licenses[r["license_id"]] = series.license
            royalty_by_license[r["license_id"]] += r["royalty"]
        if not r["late"]:
            ontime_share_by_studio[series.studio_id] += r["share"]
            ontime_views_by_series[series.id] += r["views"]
    series_of = {sid: series_of[sid] for sid in share_by_series}
    return (series_of, studios, licenses, share_by_series, royalty_by_license,
            ontime_share_by_studio, ontime_views_by_series, count)


def _write_settled(lines: list[RevenueLine]) -> None:
    """The settled values in batches of one UPDATE … FROM (VALUES …) each: one statement per
    500 lines instead of one per line (bulk_update's CASE was slower still)."""
    pg = connection.vendor == "postgresql"

    def c(n: int, cast: str) -> str:
        return f"v.column{n}::{cast}" if pg else f"v.column{n}"

    table = RevenueLine._meta.db_table
    head = (f"UPDATE {table} SET policy_id = {c(2, 'bigint')}, coefficients = {c(3, 'jsonb')}, "
            f"license_id = {c(4, 'bigint')}, minute_part = {c(5, 'numeric')}, "
            f"ad_part = {c(6, 'numeric')}, base = {c(7, 'numeric')}, "
            f"royalty = {c(8, 'numeric')}, studio_share = {c(9, 'numeric')}, "
            f"settled_in_id = {c(10, 'bigint')}, late = {c(11, 'boolean')} FROM (VALUES ")
    tail = f") AS v WHERE {table}.id = {c(1, 'bigint')}"
    row = "(" + ", ".join(["%s"] * 11) + ")"
    step = 500
    with connection.cursor() as cur:
        for i in range(0, len(lines), step):
            chunk = lines[i:i + step]
            params: list = []
            for x in chunk:
                params += [x.id, x.policy_id, json.dumps(x.coefficients, sort_keys=True),
                           x.license_id, str(x.minute_part), str(x.ad_part), str(x.base),
                           str(x.royalty), str(x.studio_share), x.settled_in_id, x.late]
            cur.execute(head + ", ".join([row] * len(chunk)) + tail, params)


def mg_outstanding(**filters) -> Decimal:
    """Minimum guarantee advanced and not yet recouped (payee side of the ledger), for the
    entries `filters` select (series=…, license=…, series__studio=…, account__user=…)."""
    payee = LedgerEntry.objects.filter(kind__in=["mg_advance", "mg_recoup"], **filters).exclude(
        account__kind__startswith="platform")
    return payee.aggregate(s=Sum("amount"))["s"] or Decimal("0.00")
