"""Revenue: coefficient policies, imported revenue lines, settlement runs and the
double-entry ledger the statements are read from."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 16, "decimal_places": 2}
EXACT = {"max_digits": 30, "decimal_places": 10}


class PolicyVersion(models.Model):
    """A coefficient policy, effective from valid_from until the next version's. The
    coefficients are kept as decimal strings in `data` (the import file's shape)."""

    name = models.CharField(_("name"), max_length=200)
    valid_from = models.DateField(_("valid from"), unique=True)
    data = models.JSONField(_("coefficients"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["valid_from"]
        verbose_name = _("policy version")

    def __str__(self) -> str:
        return f"{self.valid_from} {self.name}"

    def save(self, *args, **kwargs):
        if self.is_used():
            raise ValueError("a policy version used by a settlement is never edited")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.is_used():
            raise ValueError("a policy version used by a settlement is never deleted")
        return super().delete(*args, **kwargs)

    def is_used(self) -> bool:
        """Used by a settlement: it priced a line, it was a run's end-of-period policy
        (uplift and hit bonus), or it priced an episode's minimum guarantee (the version
        effective on the publish date of an episode whose advance is posted)."""
        if self.pk is None:
            return False
        if (RevenueLine.objects.filter(policy_id=self.pk).exists()
                or SettlementRun.all_runs.filter(policy_id=self.pk).exists()):
            return True
        # As stored, not as edited in memory: the dates it was effective on.
        since = PolicyVersion.objects.filter(pk=self.pk).values_list("valid_from", flat=True)
        since = since.first()
        if since is None:
            return False
        until = (PolicyVersion.objects.filter(valid_from__gt=since).order_by("valid_from")
                 .values_list("valid_from", flat=True).first())
        advances = LedgerEntry.objects.filter(kind="mg_advance", episode__published_on__gte=since)
        if until is not None:
            advances = advances.filter(episode__published_on__lt=until)
        return advances.exists()


class ImportBatch(models.Model):
    """One uploaded revenue file: accepted whole, or refused with every bad row."""

    class Status(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        REFUSED = "refused", _("Refused")
        # Taken back by finance before any of its lines was settled: the lines are gone,
        # the record of the file stays.
        WITHDRAWN = "withdrawn", _("Withdrawn")

    platform = models.SlugField(_("platform"), max_length=40)
    filename = models.CharField(_("file"), max_length=255)
    sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=Status.choices)
    rows = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+")
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["sha256"], condition=models.Q(status="accepted"),
                name="revenue_batch_unique_content",
            )
        ]

    def __str__(self) -> str:
        return f"{self.platform} {self.filename} ({self.status})"

    def problems(self) -> list[str]:
        """Why the file was refused, in the reader's language (errors keeps each problem's
        message and values: revenue.services.Problem)."""
        from revenue.services import stored_problem_text

        return [stored_problem_text(stored) for stored in self.errors]


class SettlementLock(models.Model):
    """One row locked (select_for_update) by every settlement, so runs are serial."""

    key = models.CharField(max_length=20, unique=True)

    def __str__(self) -> str:
        return self.key


class ClosedRuns(models.Manager):
    """Settled periods only: what every statement, page and check means by a run."""

    def get_queryset(self):
        return super().get_queryset().filter(open=False)


class SettlementRun(models.Model):
    """One period's settlement. Imports file each line under the run of its own period
    while that period is open (`open=True`, the line priced provisionally at import);
    settling closes the run. `objects` sees closed runs only; `all_runs` sees both."""

    period = models.CharField(_("period"), max_length=7, unique=True)  # YYYY-MM
    open = models.BooleanField(default=False)
    # The policy effective on the period's last day; set when the run closes.
    policy = models.ForeignKey(PolicyVersion, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="runs")
    lines = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    all_runs = models.Manager()
    objects = ClosedRuns()

    class Meta:
        ordering = ["-period"]
        default_manager_name = "objects"
        base_manager_name = "all_runs"

    def __str__(self) -> str:
        return self.period


class RevenueLineQuerySet(models.QuerySet):
    def settled(self):
        return self.filter(settled_in__isnull=False, settled_in__open=False)

    def unsettled(self):
        return self.filter(models.Q(settled_in__isnull=True) | models.Q(settled_in__open=True))


class RevenueLine(models.Model):
    """A distribution line as imported. The import prices it with the policy effective on
    its date (policy, coefficients, parts, and the `pricing` key naming what they were
    computed from) and files it under its period's open run; settlement re-prices only the
    lines whose key no longer matches (a new policy version, a changed series or license)
    and closes the run. A line imported for an already closed period waits with no run
    and is settled, late, by the next run."""

    date = models.DateField()
    platform = models.SlugField(max_length=40, db_index=False)
    episode = models.ForeignKey("creators.Episode", on_delete=models.PROTECT,
                                related_name="revenue_lines")
    episode_ref = models.CharField(max_length=40)
    valid_views = models.PositiveBigIntegerField()
    valid_minutes = models.DecimalField(**MONEY)
    ad_revenue = models.DecimalField(**MONEY)
    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="lines")
    # The run that takes the line: its period's run (open until settled), or none while a
    # late line waits for the next run.
    settled_in = models.ForeignKey(SettlementRun, null=True, blank=True, db_index=False,
                                   on_delete=models.PROTECT, related_name="revenue_lines")
    policy = models.ForeignKey(PolicyVersion, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="lines")
    coefficients = models.JSONField(null=True, blank=True)
    license = models.ForeignKey("library.License", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="revenue_lines")
    minute_part = models.DecimalField(null=True, blank=True, **EXACT)
    ad_part = models.DecimalField(null=True, blank=True, **EXACT)
    base = models.DecimalField(null=True, blank=True, **MONEY)
    royalty = models.DecimalField(null=True, blank=True, **MONEY)
    studio_share = models.DecimalField(null=True, blank=True, **MONEY)
    late = models.BooleanField(default=False)
    pricing = models.CharField(max_length=80, blank=True, default="")

    objects = RevenueLineQuerySet.as_manager()

    class Meta:
        ordering = ["date", "episode_ref", "platform"]
        constraints = [
            models.UniqueConstraint(fields=["date", "platform", "episode_ref"],
                                    name="revenue_line_unique_day"),
        ]
        indexes = [
            models.Index(fields=["settled_in", "date"]),
            # Lines waiting for a run (late ones): few, found without touching the rest.
            models.Index(fields=["date"], condition=models.Q(settled_in__isnull=True),
                         name="revenue_line_waiting"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.platform} {self.episode_ref}"


class RunTotal(models.Model):
    """What an open run's lines add up to, per episode and pricing key: kept by the import
    as it files lines under the run, so that settling reads a few thousand totals instead
    of every line. Only a cache of the lines: settlement trusts it when its line count
    equals the run's on-time lines and every key is still current, and otherwise sums the
    lines themselves. The pricing key names the license, so it is part of the key."""

    run = models.ForeignKey(SettlementRun, on_delete=models.CASCADE, related_name="totals",
                            db_index=False)
    episode = models.ForeignKey("creators.Episode", on_delete=models.PROTECT, related_name="+",
                                db_index=False)
    license = models.ForeignKey("library.License", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+", db_index=False)
    pricing = models.CharField(max_length=80)
    first_date = models.DateField()
    last_date = models.DateField()
    # In fen: every import adds to them in SQL, and SQLite adds decimal columns as doubles
    # (exact only while the sum keeps 15 significant digits); integers add exactly anywhere.
    studio_share_fen = models.BigIntegerField()
    royalty_fen = models.BigIntegerField()
    valid_views = models.PositiveBigIntegerField()
    lines = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "episode", "pricing"],
                                    name="revenue_run_total_key"),
        ]

    def __str__(self) -> str:
        return f"{self.run_id} {self.episode_id} {self.pricing}"


class Account(models.Model):
    class Kind(models.TextChoices):
        STUDIO = "studio", _("Studio")
        LICENSOR = "licensor", _("Rights holder")
        PLATFORM_REVENUE = "platform_revenue", _("Platform: distribution revenue")
        PLATFORM_INCENTIVES = "platform_incentives", _("Platform: incentives")
        PLATFORM_ADVANCES = "platform_advances", _("Platform: advances")
        PLATFORM_CASH = "platform_cash", _("Platform: cash")

    kind = models.CharField(max_length=24, choices=Kind.choices)
    studio = models.OneToOneField("creators.Studio", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="revenue_account")
    user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True,
                                on_delete=models.PROTECT, related_name="revenue_account")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind"],
                condition=models.Q(studio__isnull=True, user__isnull=True),
                name="revenue_one_platform_account_per_kind",
            )
        ]

    def __str__(self) -> str:
        return str(self.studio or self.user or self.get_kind_display())


class LedgerTransaction(models.Model):
    """A balanced set of entries. Never edited: corrections are reversing transactions."""

    period = models.CharField(max_length=7, db_index=True)
    day = models.DateField()
    memo = models.CharField(max_length=200)
    run = models.ForeignKey(SettlementRun, null=True, blank=True, on_delete=models.PROTECT,
                            related_name="transactions")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.period} {self.memo}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("ledger transactions are never edited")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("ledger transactions are never deleted")


class LedgerEntry(models.Model):
    """Signed amount: positive credits the account (the platform owes the payee more)."""

    class Kind(models.TextChoices):
        SHARE = "share", _("Revenue share")
        ROYALTY = "royalty", _("Royalty")
        UPLIFT = "uplift", _("Continuous-creation uplift")
        HIT_BONUS = "hit_bonus", _("Hit bonus")
        MG_ADVANCE = "mg_advance", _("Minimum guarantee advanced")
        MG_RECOUP = "mg_recoup", _("Minimum guarantee recouped")
        PAYOUT = "payout", _("Payout")
        PLATFORM = "platform", _("Platform side")

    transaction = models.ForeignKey(LedgerTransaction, on_delete=models.PROTECT,
                                    related_name="entries")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    amount = models.DecimalField(**MONEY)
    series = models.ForeignKey("creators.Series", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    episode = models.ForeignKey("creators.Episode", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    license = models.ForeignKey("library.License", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["account", "kind"])]

    def __str__(self) -> str:
        return f"{self.account} {self.kind} {self.amount}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("ledger entries are never edited")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("ledger entries are never deleted")
