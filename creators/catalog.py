"""Catalog import (收片): users, studios, IP, licenses, series and already published,
graded episodes from another platform. All or nothing: every problem is listed."""

import datetime
import json
import re
from collections import defaultdict
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import DecimalValidator
from django.db import DataError, IntegrityError, models, transaction

from config.slugs import reserved_slugs
from creators.models import Category, Episode, Grade, Series, Studio, User
from creators.services import create_studio
from library.models import IP, License
from library.services import conflicting_licenses
from revenue.services import parse_day

# A slug that is a word the site's addresses use in its place (config.slugs.reserved_slugs):
# its page would never open.
RESERVED = ("a word the site's addresses use in its place (its page would never open); "
            "choose another slug")

ROLES = {"creator": "is_creator", "rights_holder": "is_rights_holder",
         "reviewer": "is_reviewer", "finance": "is_finance"}


def _field(model, name: str) -> models.Field:
    return model._meta.get_field(name)


# Each item's text values: whether the item needs it (references, checked further on, are
# not needed here) and the model field that stores it, whose length and alphabet it must fit.
TEXTS = {
    "users": {"username": (True, _field(User, "username")),
              "email": (False, _field(User, "email"))},
    "studios": {"slug": (True, _field(Studio, "slug")), "name": (True, _field(Studio, "name")),
                "owner": (False, None)},
    "ips": {"slug": (True, _field(IP, "slug")), "title": (True, _field(IP, "title")),
            "kind": (False, None), "rights_holder": (False, None)},
    "licenses": {"ip": (False, None), "studio": (False, None)},
    "series": {"slug": (True, _field(Series, "slug")), "title": (True, _field(Series, "title")),
               "studio": (False, None), "category": (False, None), "ip": (False, None)},
    "episodes": {"ref": (False, _field(Episode, "ref")), "title": (True, _field(Episode, "title")),
                 "series": (False, None), "grade": (False, None)},
}
SLUG = re.compile(r"[-a-zA-Z0-9_]+")
NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?")
NUMBER_MAX = 2**31 - 1  # the largest PositiveIntegerField every database holds


class CatalogError(Exception):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def _date(value, where, problems):
    try:
        if isinstance(value, str):
            return parse_day(value)
    except ValueError:
        pass
    problems.append(f"{where}: bad date {value!r}")
    return None


def _decimal(value, where: str, name: str, field: models.DecimalField, problems):
    """`value` as the Decimal that `field` stores exactly; otherwise None and a problem
    (a value beyond the field's digits would be stored anyway and break settlement)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        text = str(value)
    else:
        text = value if isinstance(value, str) else ""
    if not NUMBER.fullmatch(text):  # not NaN, Infinity, 1_000 or full-width digits
        problems.append(f"{where}: {name} must be a number, not {value!r}")
        return None
    try:
        number = Decimal(text)  # InvalidOperation for an exponent beyond Decimal's own
        DecimalValidator(field.max_digits, field.decimal_places)(number)
    except (InvalidOperation, ValidationError):
        problems.append(f"{where}: {name} {value!r} has more than "
                        f"{field.max_digits - field.decimal_places} digits before the point "
                        f"or {field.decimal_places} after")
        return None
    return number


def _texts(section: str, item: dict, where: str, problems: list[str]) -> None:
    for key, (needed, field) in TEXTS[section].items():
        value = item.get(key)
        if not value:
            if needed:
                problems.append(f"{where}: {key} is missing")
        elif field is not None and len(value) > field.max_length:
            problems.append(f"{where}: {key} is longer than {field.max_length} characters")
        elif isinstance(field, models.SlugField) and not SLUG.fullmatch(value):
            problems.append(f"{where}: {key} may hold only letters, digits, - and _")


def _shape(data: dict) -> list[str]:
    """What would make the other checks misread the catalog: a section that is not a list
    of objects, or text that is not text. Reported alone, before the rest is read."""
    problems = []
    for section, texts in TEXTS.items():
        items = data.get(section, [])
        if not isinstance(items, list):
            problems.append(f"{section} must be a list")
            continue
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                problems.append(f"{section}[{i}] must be an object")
                continue
            for key in texts:
                if item.get(key) is not None and not isinstance(item[key], str):
                    problems.append(f"{section}[{i}]: {key} must be text, not {item[key]!r}")
            roles = item.get("roles", []) if section == "users" else []
            if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
                problems.append(f"{section}[{i}]: roles must be a list of role names, "
                                f"not {roles!r}")
    return problems


def _check(data: dict, chosen: dict) -> list[str]:
    """Every problem of the catalog; fills `chosen` with each licensed series' license: the
    key of one in the catalog, or a License the studio already holds."""
    if not isinstance(data, dict):
        return ["the catalog is a JSON object"]
    problems = _shape(data)
    if problems:
        return problems
    users = {u.get("username") for u in data.get("users", [])}
    for i, u in enumerate(data.get("users", [])):
        _texts("users", u, f"users[{i}] {u.get('username')}", problems)
        bad = set(u.get("roles", [])) - set(ROLES)
        if bad:
            problems.append(f"users[{i}] {u.get('username')}: unknown roles {sorted(bad)}")
    known_users = users | set(User.objects.filter(
        username__in=[x for x in users if x]).values_list("username", flat=True))

    def user_exists(name):
        return name in known_users or User.objects.filter(username=name).exists()

    studios = {}
    for i, s in enumerate(data.get("studios", [])):
        _texts("studios", s, f"studios[{i}] {s.get('slug')}", problems)
        if Studio.objects.filter(slug=s.get("slug")).exists() or s.get("slug") in studios:
            problems.append(f"studios[{i}] {s.get('slug')}: slug already taken")
        elif s.get("slug") in reserved_slugs():
            problems.append(f"studios[{i}] {s.get('slug')}: {RESERVED}")
        if not user_exists(s.get("owner")):
            problems.append(f"studios[{i}] {s.get('slug')}: unknown owner {s.get('owner')!r}")
        studios[s.get("slug")] = s

    def studio_exists(slug):
        return slug in studios or Studio.objects.filter(slug=slug).exists()

    ips = {}
    for i, ip in enumerate(data.get("ips", [])):
        _texts("ips", ip, f"ips[{i}] {ip.get('slug')}", problems)
        if IP.objects.filter(slug=ip.get("slug")).exists() or ip.get("slug") in ips:
            problems.append(f"ips[{i}] {ip.get('slug')}: slug already taken")
        elif ip.get("slug") in reserved_slugs():
            problems.append(f"ips[{i}] {ip.get('slug')}: {RESERVED}")
        if ip.get("kind") not in IP.Kind.values:
            problems.append(f"ips[{i}] {ip.get('slug')}: unknown kind {ip.get('kind')!r}")
        if not user_exists(ip.get("rights_holder")):
            problems.append(f"ips[{i}] {ip.get('slug')}: unknown rights holder "
                            f"{ip.get('rights_holder')!r}")
        ips[ip.get("slug")] = ip

    licenses = {}  # (ip, studio) -> (start, end)
    for i, lic in enumerate(data.get("licenses", [])):
        where = f"licenses[{i}] {lic.get('ip')}→{lic.get('studio')}"
        _texts("licenses", lic, where, problems)
        if lic.get("ip") not in ips and not IP.objects.filter(slug=lic.get("ip")).exists():
            problems.append(f"{where}: unknown IP")
        if not studio_exists(lic.get("studio")):
            problems.append(f"{where}: unknown studio")
        start = _date(lic.get("starts_on"), where, problems)
        end = _date(lic.get("ends_on"), where, problems)
        if start and end and end < start:
            problems.append(f"{where}: the term ends before it starts")
        if not isinstance(lic.get("exclusive"), bool):
            problems.append(f"{where}: exclusive must be true or false")
        share = _decimal(lic.get("licensor_share"), where, "licensor_share",
                         _field(License, "licensor_share"), problems)
        if share is not None and not (0 <= share <= 1):
            problems.append(f"{where}: licensor_share must be between 0 and 1")
        mg = _decimal(lic.get("minimum_guarantee", "0"), where, "minimum_guarantee",
                      _field(License, "minimum_guarantee"), problems)
        if mg is not None and mg < 0:
            problems.append(f"{where}: minimum_guarantee must be ≥ 0")
        if any(k[:2] == (lic.get("ip"), lic.get("studio")) for k in licenses):
            problems.append(f"{where}: a second license of this IP for this studio")
        if start and end:
            for (ip_slug, _studio, excl), (s2, e2) in licenses.items():
                if ip_slug == lic.get("ip") and (excl or lic.get("exclusive")) \
                        and start <= e2 and s2 <= end:
                    problems.append(f"{where}: overlaps an exclusive license of the same IP")
            stored_ip = IP.objects.filter(slug=lic.get("ip")).first()
            if stored_ip and conflicting_licenses(stored_ip, lic.get("exclusive") is True,
                                                  start, end).exists():
                problems.append(f"{where}: overlaps an existing license of the same IP")
            licenses[(lic.get("ip"), lic.get("studio"), bool(lic.get("exclusive")))] = (start,
                                                                                      end)
    terms = {(k[0], k[1]): v for k, v in licenses.items()}

    def held(ip_slug, studio_slug) -> list[tuple[datetime.date, datetime.date, object]]:
        """The studio's licenses of the IP, as (start, end, what _create links the series
        to): the catalog's own, then those the database already holds."""
        own = [(*terms[(ip_slug, studio_slug)], (ip_slug, studio_slug))] \
            if (ip_slug, studio_slug) in terms else []
        stored = License.objects.filter(ip__slug=ip_slug, studio__slug=studio_slug)
        return own + [(x.starts_on, x.ends_on, x)
                      for x in stored.order_by("-starts_on", "pk")]

    series = {}
    candidates = {}  # series slug -> (where, the studio's licenses of its IP)
    for i, s in enumerate(data.get("series", [])):
        where = f"series[{i}] {s.get('slug')}"
        _texts("series", s, where, problems)
        if not isinstance(s.get("exclusive", False), bool):
            problems.append(f"{where}: exclusive must be true or false")
        if Series.objects.filter(slug=s.get("slug")).exists() or s.get("slug") in series:
            problems.append(f"{where}: slug already taken")
        elif s.get("slug") in reserved_slugs():
            problems.append(f"{where}: {RESERVED}")
        if not studio_exists(s.get("studio")):
            problems.append(f"{where}: unknown studio {s.get('studio')!r}")
        if s.get("category") not in Category.values:
            problems.append(f"{where}: unknown category {s.get('category')!r}")
        if s.get("ip"):
            candidates[s.get("slug")] = (where, held(s.get("ip"), s.get("studio")))
            if not candidates[s.get("slug")][1]:
                problems.append(f"{where}: studio {s.get('studio')} has no license for IP "
                                f"{s.get('ip')!r}")
        series[s.get("slug")] = s

    refs = set()
    published = defaultdict(list)  # series slug -> [(where, publish date)]
    for i, e in enumerate(data.get("episodes", [])):
        where = f"episodes[{i}] {e.get('ref')}"
        _texts("episodes", e, where, problems)
        ref = e.get("ref")
        if not ref or ref in refs or Episode.objects.filter(ref=ref).exists():
            problems.append(f"{where}: missing or duplicate ref")
        refs.add(ref)
        s = series.get(e.get("series"))
        if s is None:
            problems.append(f"{where}: unknown series {e.get('series')!r}")
        if e.get("grade") not in Grade.values:
            problems.append(f"{where}: grade must be one of S, A, B, C")
        if type(e.get("number")) is not int or not 1 <= e["number"] <= NUMBER_MAX:
            problems.append(f"{where}: number must be a whole number from 1 to {NUMBER_MAX}")
        seconds = _decimal(e.get("duration_seconds"), where, "duration_seconds",
                           _field(Episode, "duration_seconds"), problems)
        if seconds is not None and seconds <= 0:
            problems.append(f"{where}: duration_seconds must be positive")
        day = _date(e.get("published_on"), where, problems)
        if s and day:
            published[e.get("series")].append((where, day))

    for slug, (where, held_licenses) in candidates.items():
        s, days = series[slug], published[slug]
        fitting = [x for x in held_licenses if all(x[0] <= day <= x[1] for _, day in days)]
        if len(fitting) == 1:
            chosen[slug] = fitting[0][2]
        elif len(held_licenses) == 1:
            start, end, _license = held_licenses[0]
            problems.extend(f"{episode}: published on {day}, outside the license term "
                            f"{start}–{end}" for episode, day in days
                            if not start <= day <= end)
        elif held_licenses:
            listed = ", ".join(f"{start}–{end}" for start, end, _license in fitting
                               or held_licenses)
            if fitting:
                problems.append(f"{where}: studio {s.get('studio')} holds more than one "
                                f"license for IP {s.get('ip')!r} covering its episodes "
                                f"({listed}): the catalog cannot tell which one it is made "
                                f"under")
            else:
                dates = sorted(day for _, day in days)
                problems.append(f"{where}: no single license of studio {s.get('studio')} "
                                f"for IP {s.get('ip')!r} covers every episode's publish "
                                f"date ({dates[0]}–{dates[-1]}); its terms: {listed}")
    return problems


def import_catalog(data: dict) -> dict:
    chosen = {}
    problems = _check(data, chosen)
    if problems:
        raise CatalogError(problems)
    try:
        with transaction.atomic():
            return _create(data, chosen)
    except (IntegrityError, DataError) as exc:
        raise CatalogError([f"the database refused the catalog: {exc}"]) from exc


def _create(data: dict, chosen: dict) -> dict:
    users = {}
    for u in data.get("users", []):
        user, created = User.objects.get_or_create(
            username=u["username"], defaults={"email": u.get("email") or ""})
        roles = set(u.get("roles", []))
        for role, field in ROLES.items():
            if role in roles:
                setattr(user, field, True)
        if created:
            user.set_unusable_password()
        user.save()
        users[user.username] = user

    def user(name):
        return users.get(name) or User.objects.get(username=name)

    for s in data.get("studios", []):
        create_studio(user(s["owner"]), s["name"], slug=s["slug"])
    for ip in data.get("ips", []):
        IP.objects.create(slug=ip["slug"], title=ip["title"], kind=ip["kind"],
                          rights_holder=user(ip["rights_holder"]))
    licenses = {}
    for lic in data.get("licenses", []):
        licenses[(lic["ip"], lic["studio"])] = License.objects.create(
            ip=IP.objects.get(slug=lic["ip"]), studio=Studio.objects.get(slug=lic["studio"]),
            exclusive=bool(lic["exclusive"]),
            starts_on=datetime.date.fromisoformat(lic["starts_on"]),
            ends_on=datetime.date.fromisoformat(lic["ends_on"]),
            licensor_share=Decimal(str(lic["licensor_share"])),
            minimum_guarantee=Decimal(str(lic.get("minimum_guarantee", "0"))))
    series = {}
    for s in data.get("series", []):
        license = chosen.get(s["slug"])
        series[s["slug"]] = Series.objects.create(
            slug=s["slug"], studio=Studio.objects.get(slug=s["studio"]), title=s["title"],
            category=s["category"], exclusive=bool(s.get("exclusive")),
            license=licenses[license] if isinstance(license, tuple) else license)
    episodes = [
        Episode(series=series[e["series"]], ref=e["ref"], number=e["number"],
                title=e["title"], duration_seconds=Decimal(str(e["duration_seconds"])),
                grade=e["grade"], published_on=datetime.date.fromisoformat(e["published_on"]),
                status=Episode.Status.PUBLISHED, source=Episode.Source.IMPORTED)
        for e in data.get("episodes", [])
    ]
    Episode.objects.bulk_create(episodes)
    return {"users": len(users), "studios": len(data.get("studios", [])),
            "ips": len(data.get("ips", [])), "licenses": len(licenses),
            "series": len(series), "episodes": len(episodes)}


def import_catalog_file(path) -> dict:
    with open(path, encoding="utf-8-sig") as fh:
        try:
            data = json.load(fh)
        except json.JSONDecodeError as exc:
            raise CatalogError([f"not JSON: {exc}"]) from exc
    return import_catalog(data)
