"""App config for dashboard: a studio's and a rights holder's revenue, statements, payouts."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = _("Revenue dashboard")

    def ready(self):
        from . import signals

        signals.connect()
