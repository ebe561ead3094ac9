"""URLs of the storyboard app."""

from django.urls import path

from storyboard import views

app_name = "storyboard"

E = "<slug:slug>/episodes/<str:ref>/"
S = E + "shots/<int:shot_id>/"
C = "<slug:slug>/series/<slug:series_slug>/characters/<int:character_id>/"

urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:slug>/series/<slug:series_slug>/characters/", views.characters,
         name="characters"),
    path(C, views.character_edit, name="character_edit"),
    path(C + "delete/", views.character_delete, name="character_delete"),
    path(E, views.board, name="board"),
    path(E + "state/", views.board_state, name="state"),
    path(E + "shots/", views.shot_add, name="shot_add"),
    path(E + "audio/", views.audio_upload, name="audio"),
    path(E + "assemble/", views.assemble, name="assemble"),
    path(E + "submit/", views.submit, name="submit"),
    path(S, views.shot_update, name="shot_update"),
    path(S + "move/", views.shot_move, name="shot_move"),
    path(S + "duplicate/", views.shot_duplicate, name="shot_duplicate"),
    path(S + "delete/", views.shot_delete, name="shot_delete"),
    path(S + "keyframe/", views.shot_keyframe, name="shot_keyframe"),
    path(S + "pick/", views.shot_pick, name="shot_pick"),
    path(S + "edit/", views.shot_edit, name="shot_edit"),
    path(S + "animate/", views.shot_animate, name="shot_animate"),
]
