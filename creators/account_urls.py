"""Account URLs: sign-up plus Django's login, logout and password reset."""

from django.urls import include, path

from creators import views

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("", include("django.contrib.auth.urls")),
]
