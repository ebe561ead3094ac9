"""URLs of the library app."""

from django.urls import path

from library import views

app_name = "library"

urlpatterns = [
    path("", views.index, name="index"),
    path("ip/<slug:slug>/", views.ip_detail, name="ip"),
    path("ip/<slug:slug>/apply/", views.apply, name="apply"),
    path("holder/", views.holder_home, name="holder"),
    path("holder/ips/new/", views.ip_create, name="ip_create"),
    path("holder/ips/<slug:slug>/edit/", views.ip_edit, name="ip_edit"),
    path("applications/", views.applications, name="applications"),
    path("applications/<int:pk>/", views.application_detail, name="application"),
    path("applications/<int:pk>/accept/", views.application_accept, name="accept"),
    path("applications/<int:pk>/counter/", views.application_counter, name="counter"),
    path("applications/<int:pk>/decline/", views.application_decline, name="decline"),
    path("licenses/", views.licenses, name="licenses"),
]
