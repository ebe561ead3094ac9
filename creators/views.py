"""Account and studio pages: thin views over services and queries."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from creators import services
from creators.forms import SignUpForm
from creators.queries import membership_or_404, studios_of


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("creators:home_redirect")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.sign_up(
            username=form.cleaned_data["username"],
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
            studio_name=form.cleaned_data["studio_name"],
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Welcome! Your studio is ready."))
        return redirect("creators:home_redirect")
    return render(request, "registration/signup.html", {"form": form})


@login_required
def home_redirect(request: HttpRequest) -> HttpResponse:
    """Where a logged-in user lands: their first studio, or the home page if they have none."""
    studio = studios_of(request.user).first()
    if studio is None:
        return redirect("home")
    return redirect("creators:studio", slug=studio.slug)


@login_required
def studio_detail(request: HttpRequest, slug: str) -> HttpResponse:
    membership = membership_or_404(request.user, slug)
    studio = membership.studio
    return render(
        request,
        "creators/studio_detail.html",
        {
            "studio": studio,
            "membership": membership,
            "memberships": studio.memberships.select_related("user").order_by("created_at"),
        },
    )
