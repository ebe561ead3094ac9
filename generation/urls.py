"""URLs of the generation app."""

from django.urls import path

from generation import views

app_name = "generation"

urlpatterns = [
    path("", views.index, name="index"),
    path("credits/grant/", views.grant, name="grant"),
    path("s/<slug:slug>/", views.studio_jobs, name="studio_jobs"),
    path("s/<slug:slug>/keyframe/", views.submit_keyframe, name="submit_keyframe"),
    path("s/<slug:slug>/shot/", views.submit_shot, name="submit_shot"),
    path("jobs/<uuid:job_id>/", views.job_detail, name="job"),
    path("jobs/<uuid:job_id>/cancel/", views.cancel, name="cancel"),
    path("jobs/<uuid:job_id>/rerun/", views.rerun, name="rerun"),
]
