"""A studio's payout requests: requested → approved | rejected."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Payout(models.Model):
    class State(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        APPROVED = "approved", pgettext_lazy("payout", "Approved")
        REJECTED = "rejected", _("Rejected")

    studio = models.ForeignKey("creators.Studio", on_delete=models.PROTECT,
                               related_name="payouts")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    state = models.CharField(max_length=10, choices=State.choices, default=State.REQUESTED)
    idempotency_key = models.CharField(max_length=64)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="payouts_requested")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="payouts_decided")
    transaction = models.ForeignKey("revenue.LedgerTransaction", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["studio", "idempotency_key"],
                                    name="dashboard_payout_key_per_studio"),
        ]
        indexes = [models.Index(fields=["studio", "state"])]

    def __str__(self) -> str:
        return f"{self.studio} ¥{self.amount} {self.state}"
