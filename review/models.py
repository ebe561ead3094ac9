"""The review queue: one item per submission, its automatic checks, the append-only
audit trail of decisions, and perceptual hashes of published episodes' frames."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from creators.models import Category, Episode, Grade, Series, Studio


class ReviewItem(models.Model):
    """One submission of an episode. A resubmission makes a new item; old ones stay."""

    class State(models.TextChoices):
        OPEN = "open", _("Waiting for review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Checks(models.TextChoices):
        PENDING = "pending", _("Checks pending")
        DONE = "done", _("Checked")
        FAILED = "failed", _("Checks failed to run")

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="review_items")
    # Copied from the episode at submission so the queue filters without joins.
    studio = models.ForeignKey(Studio, on_delete=models.CASCADE, related_name="review_items")
    series = models.ForeignKey(Series, on_delete=models.CASCADE, related_name="review_items")
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    source = models.CharField(_("source"), max_length=12, choices=Episode.Source.choices)
    state = models.CharField(_("state"), max_length=20, choices=State.choices,
                             default=State.OPEN)
    submitted_at = models.DateTimeField(_("submitted at"))
    claimed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="review_claims")
    claim_expires_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    checks_state = models.CharField(max_length=10, choices=Checks.choices,
                                    default=Checks.PENDING)
    checks = models.JSONField(default=list, blank=True)
    # ",license,duplicate," — the codes of failed or warning checks, for the flag filter.
    flags = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        ordering = ["submitted_at", "id"]
        constraints = [
            # At most one open item per episode: a submission is queued once.
            models.UniqueConstraint(fields=["episode"], condition=models.Q(state="open"),
                                    name="review_one_open_item_per_episode"),
        ]
        indexes = [
            models.Index(fields=["state", "submitted_at", "id"], name="review_queue_idx"),
            models.Index(fields=["studio", "state", "submitted_at"], name="review_studio_idx"),
            models.Index(fields=["series", "state", "submitted_at"], name="review_series_idx"),
            models.Index(fields=["category", "state", "submitted_at"],
                         name="review_category_idx"),
            models.Index(fields=["state", "claim_expires_at"], name="review_claim_idx"),
            models.Index(fields=["state", "decided_at"], name="review_decided_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.episode_id} {self.state} {self.submitted_at:%Y-%m-%d %H:%M}"

    def claim_active(self, now) -> bool:
        return bool(self.claimed_by_id and self.claim_expires_at and self.claim_expires_at > now)


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("decisions are append-only")

    def delete(self):
        raise PermissionError("decisions are append-only")


class Decision(models.Model):
    """The audit trail: who decided what, when, and what the checks said. Never edited."""

    class Kind(models.TextChoices):
        APPROVE = "approve", _("Approved")
        REJECT = "reject", _("Rejected")
        CHANGES = "changes", _("Changes requested")

    class Reason(models.TextChoices):
        COPYRIGHT = "copyright", _("Copyright")
        LABELLING = "labelling", _("AI labelling")
        QUALITY = "quality", _("Quality")
        POLICY = "policy", _("Content policy")
        DUPLICATE = "duplicate", pgettext_lazy("rejection reason", "Duplicate")

    item = models.ForeignKey(ReviewItem, on_delete=models.PROTECT, related_name="decisions")
    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="decisions")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="review_decisions")
    kind = models.CharField(_("decision"), max_length=10, choices=Kind.choices)
    grade = models.CharField(_("grade"), max_length=1, choices=Grade.choices, blank=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices,
                                blank=True)
    category_corrected = models.BooleanField(default=False)
    publish_on = models.DateField(_("publish on"), null=True, blank=True)
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    note = models.TextField(_("note"), blank=True)
    checks = models.JSONField(_("checks at the time"), default=list, blank=True)
    waited_seconds = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(_("decided at"), auto_now_add=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["created_at"], name="review_decision_time_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.episode_id} by {self.reviewer_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("decisions are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("decisions are append-only")


class FrameHash(models.Model):
    """A 64-bit perceptual hash of one sampled frame (1 per second) of a submission; the
    rows of published episodes are the library every new submission is compared with."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="frame_hashes")
    second = models.PositiveIntegerField()
    value = models.BigIntegerField()
    # Hashes from different algorithms never compare (the GPU and CPU paths must agree).
    algo = models.CharField(max_length=20)
    published = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["episode", "algo", "second"],
                                    name="review_framehash_unique"),
        ]
        indexes = [models.Index(fields=["published", "algo"], name="review_framehash_lib_idx")]

    def __str__(self) -> str:
        return f"{self.episode_id}@{self.second}s {self.algo}"
