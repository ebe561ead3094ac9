"""App config for storyboard: characters, shots, keyframes and episode assembly."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StoryboardConfig(AppConfig):
    name = "storyboard"
    verbose_name = _("Storyboard")
