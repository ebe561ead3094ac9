"""Demo works for `make run`: a series with draft episodes in lin's studio "moonlight"."""

from creators import services
from creators.models import Category, Series, Studio


def load() -> None:
    studio = Studio.objects.filter(slug="moonlight").first()
    if studio is None or Series.objects.filter(studio=studio, title="月下剑").exists():
        return
    series = services.create_series(
        studio, title="月下剑", category=Category.PREMIUM_2D, exclusive=True,
        synopsis="被逐出师门的少女剑客，在满月之夜重返山门。",
    )
    services.create_episode(series, 1, "逐出师门", hook_line="“从今天起，你不再是我的弟子。”")
    services.create_episode(series, 2, "满月之约", hook_line="剑光一闪，山门的灯全灭了。")
