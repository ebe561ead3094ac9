"""Catalog import (收片): users, studios, IP, licenses, series and already published,
graded episodes from another platform. All or nothing: every problem is listed."""

import datetime
import json
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction

from creators.models import Category, Episode, Grade, Series, Studio, User
from creators.services import create_studio
from library.models import IP, License

ROLES = {"creator": "is_creator", "rights_holder": "is_rights_holder",
         "reviewer": "is_reviewer", "finance": "is_finance"}


class CatalogError(Exception):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def _date(value, where, problems):
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        problems.append(f"{where}: bad date {value!r}")
        return None


def _check(data: dict) -> list[str]:
    problems: list[str] = []
    if not isinstance(data, dict):
        return ["the catalog is a JSON object"]
    users = {u.get("username") for u in data.get("users", [])}
    for i, u in enumerate(data.get("users", [])):
        bad = set(u.get("roles", [])) - set(ROLES)
        if bad:
            problems.append(f"users[{i}] {u.get('username')}: unknown roles {sorted(bad)}")
    known_users = users | set(User.objects.filter(
        username__in=[x for x in users if x]).values_list("username", flat=True))

    def user_exists(name):
        return name in known_users or User.objects.filter(username=name).exists()

    studios = {}
    for i, s in enumerate(data.get("studios", [])):
        if Studio.objects.filter(slug=s.get("slug")).exists() or s.get("slug") in studios:
            problems.append(f"studios[{i}] {s.get('slug')}: slug already taken")
        if not user_exists(s.get("owner")):
            problems.append(f"studios[{i}] {s.get('slug')}: unknown owner {s.get('owner')!r}")
        studios[s.get("slug")] = s

    def studio_exists(slug):
        return slug in studios or Studio.objects.filter(slug=slug).exists()

    ips = {}
    for i, ip in enumerate(data.get("ips", [])):
        if IP.objects.filter(slug=ip.get("slug")).exists() or ip.get("slug") in ips:
            problems.append(f"ips[{i}] {ip.get('slug')}: slug already taken")
        if ip.get("kind") not in IP.Kind.values:
            problems.append(f"ips[{i}] {ip.get('slug')}: unknown kind {ip.get('kind')!r}")
        if not user_exists(ip.get("rights_holder")):
            problems.append(f"ips[{i}] {ip.get('slug')}: unknown rights holder "
                            f"{ip.get('rights_holder')!r}")
        ips[ip.get("slug")] = ip

    licenses = {}  # (ip, studio) -> (start, end)
    for i, lic in enumerate(data.get("licenses", [])):
        where = f"licenses[{i}] {lic.get('ip')}→{lic.get('studio')}"
        if lic.get("ip") not in ips and not IP.objects.filter(slug=lic.get("ip")).exists():
            problems.append(f"{where}: unknown IP")
        if not studio_exists(lic.get("studio")):
            problems.append(f"{where}: unknown studio")
        start = _date(lic.get("starts_on"), where, problems)
        end = _date(lic.get("ends_on"), where, problems)
        if start and end and end < start:
            problems.append(f"{where}: the term ends before it starts")
        try:
            share = Decimal(str(lic.get("licensor_share")))
            mg = Decimal(str(lic.get("minimum_guarantee", "0")))
            if not (0 <= share <= 1):
                problems.append(f"{where}: licensor_share must be between 0 and 1")
            if mg < 0 or -mg.as_tuple().exponent > 2:
                problems.append(f"{where}: minimum_guarantee must be ≥ 0 with 2 decimals")
        except InvalidOperation:
            problems.append(f"{where}: bad licensor_share or minimum_guarantee")
        if any(k[:2] == (lic.get("ip"), lic.get("studio")) for k in licenses):
            problems.append(f"{where}: a second license of this IP for this studio")
        if start and end:
            for (ip_slug, _studio, excl), (s2, e2) in licenses.items():
                if ip_slug == lic.get("ip") and (excl or lic.get("exclusive")) \
                        and start <= e2 and s2 <= end:
                    problems.append(f"{where}: overlaps an exclusive license of the same IP")
            if lic.get("exclusive") or License.objects.filter(
                    ip__slug=lic.get("ip"), exclusive=True).exists():
                if License.objects.filter(ip__slug=lic.get("ip"), starts_on__lte=end,
                                          ends_on__gte=start).exists():
                    problems.append(f"{where}: overlaps an existing license of the same IP")
            licenses[(lic.get("ip"), lic.get("studio"), bool(lic.get("exclusive")))] = (start,
                                                                                      end)
    terms = {(k[0], k[1]): v for k, v in licenses.items()}

    series = {}
    for i, s in enumerate(data.get("series", [])):
        where = f"series[{i}] {s.get('slug')}"
        if Series.objects.filter(slug=s.get("slug")).exists() or s.get("slug") in series:
            problems.append(f"{where}: slug already taken")
        if not studio_exists(s.get("studio")):
            problems.append(f"{where}: unknown studio {s.get('studio')!r}")
        if s.get("category") not in Category.values:
            problems.append(f"{where}: unknown category {s.get('category')!r}")
        if s.get("ip") and (s.get("ip"), s.get("studio")) not in terms:
            problems.append(f"{where}: studio {s.get('studio')} has no license for IP "
                            f"{s.get('ip')!r}")
        series[s.get("slug")] = s

    refs = set()
    for i, e in enumerate(data.get("episodes", [])):
        where = f"episodes[{i}] {e.get('ref')}"
        ref = e.get("ref")
        if not ref or ref in refs or Episode.objects.filter(ref=ref).exists():
            problems.append(f"{where}: missing or duplicate ref")
        refs.add(ref)
        s = series.get(e.get("series"))
        if s is None:
            problems.append(f"{where}: unknown series {e.get('series')!r}")
        if e.get("grade") not in Grade.values:
            problems.append(f"{where}: grade must be one of S, A, B, C")
        if not isinstance(e.get("number"), int) or e.get("number") < 1:
            problems.append(f"{where}: number must be a positive integer")
        try:
            if Decimal(str(e.get("duration_seconds"))) <= 0:
                raise InvalidOperation
        except InvalidOperation:
            problems.append(f"{where}: duration_seconds must be positive")
        day = _date(e.get("published_on"), where, problems)
        if s and s.get("ip") and day:
            term = terms.get((s.get("ip"), s.get("studio")))
            if term and not (term[0] <= day <= term[1]):
                problems.append(f"{where}: published on {day}, outside the license term "
                                f"{term[0]}–{term[1]}")
    return problems


def import_catalog(data: dict) -> dict:
    problems = _check(data)
    if problems:
        raise CatalogError(problems)
    try:
        with transaction.atomic():
            return _create(data)
    except IntegrityError as exc:
        raise CatalogError([f"the database refused the catalog: {exc}"]) from exc


def _create(data: dict) -> dict:
    users = {}
    for u in data.get("users", []):
        user, created = User.objects.get_or_create(
            username=u["username"], defaults={"email": u.get("email", "")})
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
        series[s["slug"]] = Series.objects.create(
            slug=s["slug"], studio=Studio.objects.get(slug=s["studio"]), title=s["title"],
            category=s["category"], exclusive=bool(s.get("exclusive")),
            license=licenses.get((s["ip"], s["studio"])) if s.get("ip") else None)
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
