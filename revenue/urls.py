"""URLs of the revenue app."""

app_name = "revenue"

urlpatterns: list = []
