"""URLs of the creators app: studios, their series and episodes, and uploads."""

from django.urls import path

from creators import views

app_name = "creators"

urlpatterns = [
    path("", views.home_redirect, name="index"),
    path("", views.home_redirect, name="home_redirect"),
    path("<slug:slug>/", views.studio_detail, name="studio"),
    path("<slug:slug>/edit/", views.studio_edit, name="studio_edit"),
    path("<slug:slug>/payout/", views.studio_payout, name="payout"),
    path("<slug:slug>/members/", views.studio_members, name="members"),
    path("<slug:slug>/members/<int:pk>/remove/", views.member_remove, name="member_remove"),
    path("<slug:slug>/members/<int:pk>/role/", views.member_role, name="member_role"),
    path("<slug:slug>/leave/", views.studio_leave, name="leave"),
    path("<slug:slug>/invitations/<int:pk>/withdraw/", views.invitation_withdraw,
         name="invitation_withdraw"),
    path("<slug:slug>/series/", views.series_list, name="series_list"),
    path("<slug:slug>/series/new/", views.series_create, name="series_create"),
    path("<slug:slug>/series/<slug:series_slug>/", views.series_detail, name="series"),
    path("<slug:slug>/series/<slug:series_slug>/edit/", views.series_edit,
         name="series_edit"),
    path("<slug:slug>/series/<slug:series_slug>/delete/", views.series_delete,
         name="series_delete"),
    path("<slug:slug>/series/<slug:series_slug>/episodes/new/", views.episode_create,
         name="episode_create"),
    path("<slug:slug>/episodes/<str:ref>/", views.episode_detail, name="episode"),
    path("<slug:slug>/episodes/<str:ref>/edit/", views.episode_edit, name="episode_edit"),
    path("<slug:slug>/episodes/<str:ref>/delete/", views.episode_delete,
         name="episode_delete"),
    path("<slug:slug>/episodes/<str:ref>/submit/", views.episode_submit,
         name="episode_submit"),
    path("<slug:slug>/episodes/<str:ref>/probe/", views.episode_probe, name="episode_probe"),
    path("<slug:slug>/episodes/<str:ref>/media/<str:kind>/", views.episode_media,
         name="episode_media"),
    path("<slug:slug>/episodes/<str:ref>/uploads/", views.upload_create,
         name="upload_create"),
    path("<slug:slug>/uploads/<str:upload_id>/", views.upload_detail, name="upload"),
    path("<slug:slug>/uploads/<str:upload_id>/finalize/", views.upload_finalize,
         name="upload_finalize"),
]
