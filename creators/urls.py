"""URLs of the creators app: studios and their works."""

from django.urls import path

from creators import views

app_name = "creators"

urlpatterns = [
    path("", views.home_redirect, name="home_redirect"),
    path("<slug:slug>/", views.studio_detail, name="studio"),
]
