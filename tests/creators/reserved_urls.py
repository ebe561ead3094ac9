"""A URLconf for test_slugs: one route takes a slug where another has the word 'special'."""

from django.http import HttpResponse
from django.urls import path


def _page(request, slug=""):
    return HttpResponse(slug)


urlpatterns = [
    path("things/special/", _page),
    path("things/<slug:slug>/", _page),
]
