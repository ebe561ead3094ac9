"""Generation jobs and the studio credit wallet (灵感值) that pays for them."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Wallet(models.Model):
    """A studio's spendable credits. Only changed by conditional UPDATEs in credits.py,
    each with a CreditEntry beside it: the balance is the sum of the studio's entries."""

    studio = models.OneToOneField(
        "creators.Studio", on_delete=models.CASCADE, related_name="credit_wallet"
    )
    balance = models.BigIntegerField(_("balance"), default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="wallet_balance_not_negative")
        ]

    def __str__(self) -> str:
        return f"{self.studio}: {self.balance}"


class CreditEntry(models.Model):
    """One line of the append-only credit history."""

    class Kind(models.TextChoices):
        GRANT = "grant", _("Grant")
        RESERVE = "reserve", _("Reserved")
        CHARGE = "charge", _("Charged")
        REFUND = "refund", _("Refunded")

    studio = models.ForeignKey(
        "creators.Studio", on_delete=models.CASCADE, related_name="credit_entries"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    # Change to the spendable balance: grant +, reserve −, charge 0 (the hold becomes
    # final), refund + (the hold comes back).
    amount = models.BigIntegerField(_("amount"))
    balance_after = models.BigIntegerField(_("balance after"))
    job = models.ForeignKey(
        "generation.Job", null=True, blank=True, on_delete=models.PROTECT,
        related_name="credit_entries",
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("credit entry")
        verbose_name_plural = _("credit entries")
        constraints = [
            # Each job is reserved, charged and refunded at most once.
            models.UniqueConstraint(
                fields=["job", "kind"], condition=Q(job__isnull=False),
                name="credit_entry_once_per_job",
            )
        ]

    def __str__(self) -> str:
        return f"{self.studio} {self.kind} {self.amount:+d}"


class Job(models.Model):
    class Kind(models.TextChoices):
        KEYFRAME = "keyframe", _("Keyframe")
        MOTION = "motion", _("Shot")

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        CANCELED = "canceled", _("Canceled")

    FINISHED = (State.SUCCEEDED, State.FAILED, State.CANCELED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    studio = models.ForeignKey("creators.Studio", on_delete=models.CASCADE, related_name="jobs")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="generation_jobs",
    )
    episode = models.ForeignKey(
        "creators.Episode", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="generation_jobs",
    )
    rerun_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reruns"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    model_key = models.CharField(_("model"), max_length=80)
    params = models.JSONField(_("parameters"), default=dict)
    price = models.PositiveIntegerField(_("price"))
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.QUEUED, db_index=True
    )
    cancel_requested = models.BooleanField(default=False)
    step = models.PositiveIntegerField(default=0)
    total_steps = models.PositiveIntegerField(default=0)
    # The claim: which Celery delivery runs it, on which worker, in which attempt.
    claim_task_id = models.CharField(max_length=64, blank=True, db_index=True)
    worker = models.CharField(_("worker"), max_length=200, blank=True)
    attempt = models.PositiveIntegerField(default=0)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    load_seconds = models.FloatField(null=True, blank=True)
    run_seconds = models.FloatField(null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    outputs = models.JSONField(_("outputs"), default=list)
    provenance = models.JSONField(_("provenance"), default=dict)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("generation job")
        verbose_name_plural = _("generation jobs")
        indexes = [models.Index(fields=["state", "studio", "created_at"])]

    def __str__(self) -> str:
        return f"{self.model_key} {self.id} ({self.state})"

    @property
    def finished(self) -> bool:
        return self.state in self.FINISHED
