"""Account URLs: sign-up plus Django's login, logout and password reset."""

from django.urls import include, path

from creators import views

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("studios/", views.studios, name="studios"),
    path("invitations/", views.invitations, name="invitations"),
    path("invitations/join/<str:token>/", views.invitation_join, name="invitation_join"),
    path("invitations/<int:pk>/accept/", views.invitation_answer, {"answer": "accept"},
         name="invitation_accept"),
    path("invitations/<int:pk>/decline/", views.invitation_answer, {"answer": "decline"},
         name="invitation_decline"),
    path("", include("django.contrib.auth.urls")),
]
