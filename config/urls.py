"""Top-level URLs: the site shell, accounts, health and each app under its own prefix."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from config import media, views

urlpatterns = [
    path("", views.home, name="home"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("health", views.health, name="health"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("creators.account_urls")),
    path("admin/", admin.site.urls),
    path("studio/", include("creators.urls")),
    path("library/", include("library.urls")),
    path("generation/", include("generation.urls")),
    path("review/", include("review.urls")),
    path("revenue/", include("revenue.urls")),
    path("storyboard/", include("storyboard.urls")),
    path("dashboard/", include("dashboard.urls")),
    # Every uploaded or generated file is checked against its owner (config/media.py).
    path(settings.MEDIA_URL.strip("/") + "/<path:path>", media.serve, name="media"),
]
