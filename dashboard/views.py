"""Thin views of the dashboard: pages and JSON for members, payouts, statements."""

import uuid
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from creators.models import Membership, Series, User
from creators.queries import membership_or_404, studios_of
from revenue.queries import is_holder, statement, statement_csv
from revenue.services import RevenueError, parse_day, period_bounds
from revenue.templatetags.money import money

from . import queries
from .auth import fetch_along
from .cached import chart_json, chart_keys
from .forms import PayoutForm
from .models import Payout
from .services import PayoutError, decide_payout, request_payout

DAYS = (30, 90, 365)


def _finance(user) -> bool:
    return user.is_authenticated and (user.is_finance or user.is_staff)


@login_required
def index(request):
    return render(request, "dashboard/index.html", {
        "studios": studios_of(request.user), "finance": _finance(request.user),
        "holder": is_holder(request.user),
    })


@login_required
def studio(request, slug):
    m = membership_or_404(request.user, slug)
    return render(request, "dashboard/studio.html", {
        "studio": m.studio, "owner": m.role == Membership.Role.OWNER,
        "s": queries.summary(m.studio), "days": DAYS,
        "series": Series.objects.filter(studio=m.studio).order_by("title"),
    })


def _days(request) -> int:
    try:
        days = int(request.GET.get("days", 30))
    except ValueError:
        days = 30
    return days if days in DAYS else 30


def data(request, slug):
    # Polled by every chart: the session, then one cache round trip that reads the user
    # with the membership check and the figures (dashboard.cached); no query when cached.
    days = _days(request)
    with fetch_along(lambda user_id: chart_keys(user_id, slug, days)) as along:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
    body = chart_json(request.user, slug, days, queries.chart_data, along)
    if body is None:
        raise Http404
    return HttpResponse(body, content_type="application/json")


@login_required
def drill(request, slug, period):
    m = membership_or_404(request.user, slug)
    try:
        period_bounds(period)  # /periods/abc/ is no period: not a page of zeros
    except RevenueError:
        raise Http404 from None
    wanted = request.GET.get("series", "")
    if wanted and not Series.objects.filter(studio=m.studio, slug=wanted).exists():
        raise Http404  # ?series=nope is no series: not a page of zeros
    d = queries.drill(m.studio, period, request.GET.get("series", ""),
                      request.GET.get("episode", ""), request.GET.get("page"))
    return render(request, "dashboard/drill.html", {"studio": m.studio, "d": d})


@login_required
def series(request, slug, series_slug):
    m = membership_or_404(request.user, slug)
    obj = get_object_or_404(Series.objects.select_related("license__ip__rights_holder"),
                            studio=m.studio, slug=series_slug)
    return render(request, "dashboard/series.html", {"studio": m.studio,
                                                     "d": queries.series_detail(obj)})


def _requested(request, payee, form) -> bool:
    """A posted payout request of `payee` (a studio or a rights holder): True once it is
    made (or was, under the same key), False with the refusal put on the form."""
    if not form.is_valid():
        return False
    try:
        payout, created = request_payout(payee, request.user, form.cleaned_data["amount"],
                                         request.POST.get("key", ""))
    except PayoutError as e:
        form.add_error(e.field, str(e))
        return False
    if created:
        messages.success(request, _("Payout of ¥%(amount)s requested.")
                         % {"amount": f"{payout.amount:,.2f}"})
    return True


@login_required
def payouts(request, slug):
    m = membership_or_404(request.user, slug)
    owner = m.role == Membership.Role.OWNER
    form = PayoutForm(request.POST or None, auto_id="%s")
    status = 200
    if request.method == "POST":
        if not owner:
            raise PermissionDenied
        status = 400
        if _requested(request, m.studio, form):
            return redirect("dashboard:payouts", slug=slug)
    return render(request, "dashboard/payouts.html", {
        "studio": m.studio, "owner": owner, "not_owner": not owner,
        "s": queries.summary(m.studio), "form": form,
        "payouts": queries.payouts_of(m.studio), "key": uuid.uuid4().hex,
    }, status=status)


def holder_payouts(request, username):
    """A rights holder's payouts: seen by the holder and by finance, requested by the
    holder alone (the form of the holder's page posts here). Anyone else, signed in or
    not, finds nothing (404)."""
    holder = User.objects.filter(username=username).first()
    if holder is None or not is_holder(holder) or not request.user.is_authenticated:
        raise Http404
    own = holder.pk == request.user.pk
    if not (own or _finance(request.user)):
        raise Http404
    form = PayoutForm(request.POST or None, auto_id="%s")
    status = 200
    if request.method == "POST":
        if not own:  # finance sees a holder's payouts; only the holder asks for one
            raise PermissionDenied
        status = 400
        if _requested(request, holder, form):
            return redirect("dashboard:holder")
    return render(request, "dashboard/holder_payouts.html", {
        "holder": holder, "own": own, "d": queries.holder_summary(holder), "form": form,
        "payouts": queries.payouts_of(holder), "key": uuid.uuid4().hex,
    }, status=status)


@login_required
def finance(request):
    if not _finance(request.user):
        raise PermissionDenied
    return render(request, "dashboard/finance.html", {"payouts": queries.pending_payouts(),
                                                      "today": timezone.localdate()})


@login_required
@require_POST
def decide(request, pk):
    if not _finance(request.user):
        raise PermissionDenied
    approve = request.POST.get("decision") == "approve"
    raw_day = request.POST.get("day", "").strip() if approve else ""

    def refused(reason: str):
        # Said beside the request's own form, with the day as typed, not as a message at
        # the top of a page whose day box had gone back to today; a request no longer
        # pending (decided by someone else meanwhile) has no form left: said at the top.
        pending = queries.pending_payouts()
        if not any(p.pk == pk for p in pending):
            messages.error(request, reason)
            return redirect("dashboard:finance")
        return render(request, "dashboard/finance.html", {
            "payouts": pending, "today": timezone.localdate(),
            "refusal": {"pk": pk, "day": raw_day[:10], "reason": reason}}, status=400)

    try:
        day = parse_day(raw_day) if raw_day else None  # none: today
    except ValueError:
        return refused(_("Enter the payout day as YYYY-MM-DD, such as 2026-03-05."))
    try:
        payout = decide_payout(pk, request.user, approve, day)
    except Payout.DoesNotExist:
        raise Http404
    except PayoutError as e:
        return refused(str(e))
    facts = {"amount": money(payout.amount), "studio": payout.payee_label()}
    if approve:
        facts["day"] = payout.transaction.day.isoformat()
        messages.success(request, _("Approved the payout of %(amount)s to %(studio)s; it is "
                                    "posted on %(day)s.") % facts)
    else:
        messages.success(request, _("Rejected the payout of %(amount)s to %(studio)s; the "
                                    "amount is free again.") % facts)
    return redirect("dashboard:finance")


def _statement(request, st, fmt, ctx):
    if fmt == "csv":
        resp = HttpResponse(statement_csv(st), content_type="text/csv; charset=utf-8")
        resp["Content-Disposition"] = f'attachment; filename="statement-{st["period"]}.csv"'
        return resp
    # The statement names a series by slug (its JSON and CSV are for machines); the page
    # reads its title, looked up once for all lines.
    titles = dict(Series.objects.filter(slug__in={x["series"] for x in st["lines"]})
                  .values_list("slug", "title"))
    lines = [dict(x, series_title=titles.get(x["series"], x["series"])) for x in st["lines"]]
    printable = request.GET.get("print") == "1"
    return render(request, "dashboard/statement.html", dict(
        ctx, st=st, lines=lines, printable=printable, episodes=_by_episode(lines),
        # A month of daily lines from several platforms runs to hundreds of rows: the page
        # leads with one row per episode and keeps the lines folded until asked for.
        lines_open=printable or len(lines) <= STATEMENT_LINES_SHOWN))


STATEMENT_LINES_SHOWN = 20


def _by_episode(lines: list[dict]) -> list[dict]:
    """One row per episode: its lines counted and their parts added, exact to the fen
    (every part is a two-decimal string), largest amount first."""
    rows: dict[str, dict] = {}
    for x in lines:
        row = rows.setdefault(x["episode_ref"], {
            "episode_ref": x["episode_ref"], "series_title": x["series_title"], "lines": 0,
            "late": 0, "base": Decimal(0), "royalty": Decimal(0), "amount": Decimal(0)})
        row["lines"] += 1
        row["late"] += 1 if x.get("late") else 0
        for part in ("base", "royalty", "amount"):
            row[part] += Decimal(x[part])
    return sorted(rows.values(), key=lambda row: (-row["amount"], row["episode_ref"]))


@login_required
def studio_statement(request, slug, period, fmt="html"):
    m = membership_or_404(request.user, slug)
    try:
        st = statement(period, studio=m.studio)
    except RevenueError:
        raise Http404
    return _statement(request, st, fmt, {"studio": m.studio})


@login_required
def holder(request):
    """The rights holder's own page; its payout form posts here, so a refused request
    comes back to this page with the reason at the field."""
    if not is_holder(request.user):
        raise Http404
    form = PayoutForm(request.POST or None, auto_id="%s")
    status = 200
    if request.method == "POST":
        status = 400
        if _requested(request, request.user, form):
            return redirect("dashboard:holder")
    return render(request, "dashboard/holder.html", {
        "d": queries.holder_summary(request.user), "form": form,
        "payouts": queries.payouts_of(request.user), "key": uuid.uuid4().hex,
    }, status=status)


@login_required
def holder_statement(request, period, fmt="html"):
    if not is_holder(request.user):
        raise Http404
    try:
        st = statement(period, licensor=request.user)
    except RevenueError:
        raise Http404
    return _statement(request, st, fmt, {})
