"""Revenue pages: statements for their payees, finance pages for imports, runs, the trial
balance and policies. Thin views over services and queries."""


from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from creators.models import Studio, User
from creators.queries import is_member
from revenue import queries, services
from revenue.forms import PolicyForm, SettleForm, UploadForm
from revenue.models import SettlementRun


def _finance_required(request: HttpRequest) -> None:
    if not queries.can_see_all(request.user):
        raise PermissionDenied


def _payees() -> list[tuple[str, str, str]]:
    """Every payee's statement link: studios by name (with the slug where two studios
    share a name, so finance can tell which is which), then rights holders."""
    from collections import Counter

    studios = list(Studio.objects.order_by("name", "slug"))
    names = Counter(s.name for s in studios)
    return ([("studio", s.slug, f"{s.name} ({s.slug})" if names[s.name] > 1 else s.name)
             for s in studios]
            + [("licensor", u.username, u.username)
               for u in queries.rights_holders().order_by("username")])


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Finance home for finance; a payee's list of statements for everyone else."""
    if queries.can_see_all(request.user):
        return render(request, "revenue/finance.html", {
            "runs": queries.runs_page()[:12], "batches": queries.imports_page(10)})
    return render(request, "revenue/statements.html",
                  {"statements": queries.statements_for(request.user)})


@login_required
@require_GET
def statement(request: HttpRequest, kind: str, key: str, period: str) -> HttpResponse:
    """One payee's statement: members of the studio or the rights holder, and finance;
    anyone else gets 404. ?format=csv downloads it, ?format=json returns the JSON."""
    see_all = queries.can_see_all(request.user)
    if kind == "studio":
        studio = Studio.objects.filter(slug=key).first()
        if studio is None or not (see_all or is_member(request.user, studio.id)):
            raise Http404
        payee = {"studio": studio}
    elif kind == "licensor":
        holder = User.objects.filter(username=key).first()
        if holder is None or not (see_all or holder.pk == request.user.pk):
            raise Http404
        payee = {"licensor": holder}
    else:
        raise Http404
    try:
        st = queries.statement(period, **payee)
    except services.RevenueError as exc:
        raise Http404 from exc
    fmt = request.GET.get("format")
    if fmt == "csv":
        response = HttpResponse(queries.statement_csv(st), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="statement-{key}-{period}.csv"'
        return response
    if fmt == "json":
        return JsonResponse(st, json_dumps_params={"ensure_ascii": False})
    return render(request, "revenue/statement.html", {"st": st, "period": period})


@login_required
@require_http_methods(["GET", "POST"])
def imports(request: HttpRequest) -> HttpResponse:
    _finance_required(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                batch = services.import_revenue(upload, form.cleaned_data["platform"],
                                                filename=upload.name, user=request.user)
            except services.RevenueError as exc:
                n = len(exc.problems)
                messages.error(request, ngettext(
                    "The file was refused (%(n)s problem); nothing was stored.",
                    "The file was refused (%(n)s problems); nothing was stored.", n) % {"n": n})
            else:
                messages.success(request, ngettext("%(n)s line imported.", "%(n)s lines imported.",
                                                   batch.rows) % {"n": batch.rows})
                return redirect("revenue:imports")
    return render(request, "revenue/imports.html",
                  {"form": form, "batches": queries.imports_page()}, status=status)


@login_required
@require_http_methods(["POST"])
def import_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """Finance takes back an import none of whose lines is settled (services.withdraw_import)."""
    _finance_required(request)
    try:
        batch = services.withdraw_import(pk, user=request.user)
    except services.RevenueError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The import of %(file)s is withdrawn: its lines are "
                                    "gone, and the file may be imported again.")
                         % {"file": batch.filename or batch.platform})
    return redirect("revenue:imports")


@login_required
@require_http_methods(["GET", "POST"])
def runs(request: HttpRequest) -> HttpResponse:
    _finance_required(request)
    form = SettleForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                run, created = services.settle(form.cleaned_data["period"])
            except services.RevenueError as exc:
                form.add_error(None, str(exc))
            else:
                if created:
                    messages.success(request, _("Period %(p)s settled.") % {"p": run.period})
                else:
                    messages.info(request, _("Period %(p)s was already settled.")
                                  % {"p": run.period})
                return redirect("revenue:runs")
    return render(request, "revenue/runs.html", {
        "form": form, "runs": queries.runs_page(), "payees": queries.payee_count()},
        status=status)


RUN_STATEMENTS_PAGE = 50


@login_required
@require_GET
def run_statements(request: HttpRequest, period: str) -> HttpResponse:
    """Every payee's statement of one settled period, found by name, 50 a page: the runs
    page listed a link per payee in every run's row (10,000 studios, 10,000 links a row)."""
    from django.core.paginator import Paginator

    _finance_required(request)
    run = get_object_or_404(SettlementRun, period=period)
    wanted = request.GET.get("q", "").strip()[:100]
    payees = _payees()
    if wanted:
        folded = wanted.casefold()
        payees = [p for p in payees if folded in p[2].casefold() or folded in p[1].casefold()]
    page = Paginator(payees, RUN_STATEMENTS_PAGE).get_page(request.GET.get("page"))
    from django.utils.http import urlencode

    return render(request, "revenue/run_statements.html", {
        "run": run, "page": page, "q": wanted,
        "page_query": urlencode({"q": wanted}) if wanted else ""})


@login_required
@require_GET
def trial_balance(request: HttpRequest) -> HttpResponse:
    _finance_required(request)
    rows = queries.trial_balance()
    return render(request, "revenue/trial_balance.html", {
        "rows": rows, "total": sum((r["balance"] for r in rows), services.CENT * 0)})


@login_required
@require_http_methods(["GET", "POST"])
def policies(request: HttpRequest) -> HttpResponse:
    """History of every coefficient, and the next version made from a copy of the
    current one (refused when it starts on or before the last day of a closed period)."""
    _finance_required(request)
    status = 200
    if request.method == "POST":
        form = PolicyForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                version = services.create_policy(form.cleaned_data["policy"])
            except services.RevenueError as exc:
                for problem in exc.problems:
                    form.add_error(None, problem)
            else:
                messages.success(request, _("Policy %(n)s created.") % {"n": version.name})
                return redirect("revenue:policies")
    else:
        form = PolicyForm(initial={"policy": queries.current_policy_json()})
    versions, rows = queries.policy_history()
    return render(request, "revenue/policies.html",
                  {"form": form, "versions": versions, "rows": rows}, status=status)


