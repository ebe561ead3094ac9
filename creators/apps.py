"""App config for creators: creators and studios."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreatorsConfig(AppConfig):
    name = "creators"
    verbose_name = _("Creators and studios")

    def ready(self):
        from creators.notify import connect_revocation

        connect_revocation()
