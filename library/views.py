"""Library pages: browse and search, IP detail and applying, the rights holder's IPs,
applications and licenses. Thin views over services and queries."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from creators.queries import studios_of
from library import queries, services
from library.forms import ApplyForm, IPForm, NoteForm, SearchForm, TermsForm


def _holder_required(request: HttpRequest) -> None:
    if not (request.user.is_rights_holder or request.user.is_staff):
        raise PermissionDenied


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    result = queries.search_ips(**form.filters())
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "library/index.html", {
        "form": form, "result": result, "query": query.urlencode(),
        "tags": queries.popular_tags(),
    })


@require_GET
def ip_detail(request: HttpRequest, slug: str) -> HttpResponse:
    ip = queries.ip_or_404(slug)
    studios = list(studios_of(request.user))
    return render(request, "library/ip_detail.html", {
        "ip": ip, "tags": ip.tags.all(),
        "form": ApplyForm.offered_by(ip, studios=studios) if studios else None,
        "is_holder": request.user.is_authenticated and ip.rights_holder_id == request.user.id,
    })


@login_required
@require_POST
def apply(request: HttpRequest, slug: str) -> HttpResponse:
    ip = queries.ip_or_404(slug)
    studios = list(studios_of(request.user))
    form = ApplyForm(request.POST, studios=studios)
    if form.is_valid():
        try:
            application = services.apply_for_license(
                request.user, form.cleaned_data["studio"], ip, note=form.cleaned_data["note"],
                **form.terms())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Application sent to the rights holder."))
            return redirect("library:application", application.pk)
    return render(request, "library/ip_detail.html", {
        "ip": ip, "tags": ip.tags.all(), "form": form, "is_holder": False}, status=400)


@login_required
@require_GET
def holder_home(request: HttpRequest) -> HttpResponse:
    _holder_required(request)
    return render(request, "library/holder.html", {"ips": queries.ips_of_holder(request.user)})


@login_required
@require_http_methods(["GET", "POST"])
def ip_create(request: HttpRequest) -> HttpResponse:
    _holder_required(request)
    form = IPForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        tags = data.pop("tags")
        try:
            ip = services.create_ip(request.user, tags=tags, **data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The IP is listed in the library."))
            return redirect("library:ip", ip.slug)
    # A refused form comes back with what was typed, as 400 like every refused form here.
    return render(request, "library/ip_form.html", {"form": form},
                  status=400 if form.is_bound else 200)


@login_required
@require_http_methods(["GET", "POST"])
def ip_edit(request: HttpRequest, slug: str) -> HttpResponse:
    ip = queries.own_ip_or_404(request.user, slug)
    form = IPForm(request.POST or None, request.FILES or None, instance=ip)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        tags = data.pop("tags")
        try:
            services.update_ip(request.user, ip, tags=tags, **data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("library:ip", ip.slug)
    return render(request, "library/ip_form.html", {"form": form, "ip": ip},
                  status=400 if form.is_bound else 200)


@login_required
@require_GET
def applications(request: HttpRequest) -> HttpResponse:
    return render(request, "library/applications.html", {
        "incoming": queries.incoming_applications(request.user),
        "outgoing": queries.studio_applications(request.user),
    })


def _application_page(request, application, counter_form=None, note_form=None, status=200):
    return render(request, "library/application_detail.html", {
        "application": application,
        "events": application.events.select_related("actor"),
        "can_decide": services.can_decide(request.user, application),
        "acts_for_studio": services.acts_for_studio(request.user, application),
        "counter_form": counter_form or TermsForm(initial={
            **application.terms(), "territories": application.territories}),
        "note_form": note_form or NoteForm(),
    }, status=status)


@login_required
@require_GET
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _application_page(request, queries.application_or_404(request.user, pk))


@login_required
@require_POST
def application_accept(request: HttpRequest, pk: int) -> HttpResponse:
    application = queries.application_or_404(request.user, pk)
    note = NoteForm(request.POST)
    if not note.is_valid():
        # Never decide with the note silently dropped: say why, keep what was typed.
        return _application_page(request, application, note_form=note, status=400)
    on_the_table = application.status
    try:
        services.accept_application(request.user, application, note.cleaned_data["note"])
    except ValidationError as error:
        application = queries.application_or_404(request.user, pk)  # as the rollback left it
        if application.status != on_the_table:  # decided meanwhile: no form to go back to
            messages.error(request, " ".join(error.messages))
            return redirect("library:application", pk)
        # The reason beside the decision, with the note still typed in: the holder may
        # counter instead, or try again once a clash is gone.
        note.add_error(None, error)
        return _application_page(request, application, note_form=note, status=400)
    messages.success(request, _("Accepted: the license is granted."))
    return redirect("library:application", pk)


@login_required
@require_POST
def application_counter(request: HttpRequest, pk: int) -> HttpResponse:
    application = queries.application_or_404(request.user, pk)
    if not services.can_decide(request.user, application):
        raise PermissionDenied
    form = TermsForm(request.POST)
    if form.is_valid():
        try:
            services.counter_application(request.user, application,
                                         note=form.cleaned_data["note"], **form.terms())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Counter-offer sent to the studio."))
            return redirect("library:application", pk)
    return _application_page(request, application, counter_form=form, status=400)


@login_required
@require_POST
def application_decline(request: HttpRequest, pk: int) -> HttpResponse:
    application = queries.application_or_404(request.user, pk)
    note = NoteForm(request.POST)
    if not note.is_valid():
        return _application_page(request, application, note_form=note, status=400)
    try:
        services.decline_application(request.user, application, note.cleaned_data["note"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("library:application", pk)


@login_required
@require_GET
def licenses(request: HttpRequest) -> HttpResponse:
    return render(request, "library/licenses.html", {
        "studio_licenses": queries.studio_licenses(request.user),
        "holder_licenses": queries.holder_licenses(request.user),
        "in_a_studio": studios_of(request.user).exists(),
    })
