"""URLs of the storyboard app."""

app_name = "storyboard"

urlpatterns: list = []
