"""Payout requests of a payee, a studio or a rights holder: requested → approved | rejected."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _


class Payout(models.Model):
    """A payout to exactly one payee: a studio (requested by an owner) or a rights holder
    (`licensor`, requested by that user), paid from the payee's ledger account."""

    class State(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        APPROVED = "approved", pgettext_lazy("payout", "Approved")
        REJECTED = "rejected", _("Rejected")

    studio = models.ForeignKey("creators.Studio", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="payouts")
    licensor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="payouts_received")
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
            models.CheckConstraint(
                condition=(Q(studio__isnull=False, licensor__isnull=True)
                           | Q(studio__isnull=True, licensor__isnull=False)),
                name="dashboard_payout_one_payee"),
            models.UniqueConstraint(fields=["studio", "idempotency_key"],
                                    name="dashboard_payout_key_per_studio"),
            models.UniqueConstraint(fields=["licensor", "idempotency_key"],
                                    name="dashboard_payout_key_per_licensor"),
        ]
        indexes = [models.Index(fields=["studio", "state"]),
                   models.Index(fields=["licensor", "state"])]

    def __str__(self) -> str:
        return f"{self.payee} ¥{self.amount} {self.state}"

    @property
    def payee(self):
        """The studio or the rights holder (a User) paid."""
        return self.studio if self.studio_id else self.licensor

    @property
    def for_licensor(self) -> bool:
        return self.licensor_id is not None

    def payee_label(self) -> str:
        """The payee as a sentence names it: the studio's name, or the rights holder."""
        if self.studio_id:
            return self.studio.name
        return gettext("rights holder %(username)s") % {"username": self.licensor.username}
