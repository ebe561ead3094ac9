"""URLs of the generation app."""

app_name = "generation"

urlpatterns: list = []
