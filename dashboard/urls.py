"""URLs of the dashboard app."""

from django.urls import path

from . import views

app_name = "dashboard"

urlpatterns = [
    path("", views.index, name="index"),
    path("finance/", views.finance, name="finance"),
    path("finance/payouts/<int:pk>/", views.decide, name="decide"),
    path("holder/", views.holder, name="holder"),
    path("holder/statements/<str:period>/", views.holder_statement, name="holder_statement"),
    path("holder/statements/<str:period>/csv/", views.holder_statement, {"fmt": "csv"},
         name="holder_statement_csv"),
    path("holders/<str:username>/payouts/", views.holder_payouts, name="holder_payouts"),
    path("<slug:slug>/", views.studio, name="studio"),
    path("<slug:slug>/data.json", views.data, name="data"),
    path("<slug:slug>/periods/<str:period>/", views.drill, name="drill"),
    path("<slug:slug>/series/<slug:series_slug>/", views.series, name="series"),
    path("<slug:slug>/payouts/", views.payouts, name="payouts"),
    path("<slug:slug>/statements/<str:period>/", views.studio_statement, name="statement"),
    path("<slug:slug>/statements/<str:period>/csv/", views.studio_statement, {"fmt": "csv"},
         name="statement_csv"),
]
