"""URLs of the review app."""

from django.urls import path

from review import views

app_name = "review"

urlpatterns = [
    path("", views.index, name="index"),
    path("stats/", views.stats, name="stats"),
    path("items/<int:item_id>/", views.item_detail, name="item"),
    path("items/<int:item_id>/video/", views.item_video, name="item_video"),
    path("items/<int:item_id>/claim/", views.item_claim, name="claim"),
    path("items/<int:item_id>/release/", views.item_release, name="release"),
    path("items/<int:item_id>/<str:which>/", views.item_decide, name="decide"),
]
