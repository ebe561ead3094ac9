"""URLs of the revenue app."""

from django.urls import path

from revenue import views

app_name = "revenue"

urlpatterns = [
    path("", views.index, name="index"),
    path("statements/<str:kind>/<str:key>/<str:period>/", views.statement, name="statement"),
    path("finance/imports/", views.imports, name="imports"),
    path("finance/imports/<int:pk>/withdraw/", views.import_withdraw, name="import_withdraw"),
    path("finance/runs/", views.runs, name="runs"),
    path("finance/runs/<str:period>/", views.run_statements, name="run_statements"),
    path("finance/trial-balance/", views.trial_balance, name="trial_balance"),
    path("finance/policies/", views.policies, name="policies"),
]
