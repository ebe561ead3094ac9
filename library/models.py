"""The IP library: novels and comics offered for adaptation, and the licenses granted."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from library.territories import validate as validate_territories


class Tag(models.Model):
    """A genre or theme (都市异能, 玄幻, 系统 …); one row per name so search is an index hit."""

    name = models.CharField(_("name"), max_length=40, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class IP(models.Model):
    class Kind(models.TextChoices):
        NOVEL = "novel", _("Novel")
        COMIC = "comic", _("Comic")
        SCRIPT = "script", _("Original script")

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=200)
    original_author = models.CharField(_("original author"), max_length=120, blank=True)
    rights_holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ips"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    synopsis = models.TextField(_("synopsis"), blank=True)
    cover = models.ImageField(_("cover"), upload_to="ip/covers/", blank=True)
    # Terms the holder offers; an application may propose others.
    exclusive_allowed = models.BooleanField(_("exclusive licenses offered"), default=True)
    licensor_share = models.DecimalField(
        _("licensor share"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.30"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )
    minimum_guarantee = models.DecimalField(
        _("minimum guarantee"), max_digits=14, decimal_places=2, default=Decimal("0.00")
    )
    term_months = models.PositiveIntegerField(
        _("term (months)"), default=12,
        validators=[MinValueValidator(1), MaxValueValidator(1200)])
    territories = models.CharField(_("territories"), max_length=200, default="CN",
                                   validators=[validate_territories])
    tags = models.ManyToManyField(Tag, blank=True, related_name="ips", verbose_name=_("tags"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("IP")
        verbose_name_plural = _("IPs")
        indexes = [
            models.Index(fields=["kind", "id"], name="ip_kind_id"),
            models.Index(fields=["title"], name="ip_title"),
            models.Index(fields=["original_author"], name="ip_author"),
        ]

    def __str__(self) -> str:
        return self.title


class License(models.Model):
    ip = models.ForeignKey(IP, on_delete=models.PROTECT, related_name="licenses")
    studio = models.ForeignKey(
        "creators.Studio", on_delete=models.PROTECT, related_name="licenses"
    )
    exclusive = models.BooleanField(_("exclusive"))
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    licensor_share = models.DecimalField(
        _("licensor share"),
        max_digits=5,
        decimal_places=4,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )
    minimum_guarantee = models.DecimalField(
        _("minimum guarantee"), max_digits=14, decimal_places=2, default=Decimal("0.00")
    )
    territories = models.CharField(_("territories"), max_length=200, default="CN")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on"]
        indexes = [models.Index(fields=["ip", "ends_on"], name="license_ip_ends")]
        verbose_name = _("license")
        verbose_name_plural = _("licenses")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="license_term_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(licensor_share__gte=0) & models.Q(licensor_share__lte=1),
                name="license_share_fraction",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ip} → {self.studio} ({self.starts_on}–{self.ends_on})"

    def covers(self, day) -> bool:
        return self.starts_on <= day <= self.ends_on


class LicenseApplication(models.Model):
    """A studio's request for a license on proposed terms; the holder (or staff) accepts,
    counters or declines, and the studio may accept a counter. Accepted → a License."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the rights holder")
        COUNTERED = "countered", _("Countered: waiting for the studio")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    ip = models.ForeignKey(IP, on_delete=models.PROTECT, related_name="applications")
    studio = models.ForeignKey(
        "creators.Studio", on_delete=models.PROTECT, related_name="license_applications"
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="license_applications"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    # The terms on the table: the studio's proposal, or the holder's latest counter.
    exclusive = models.BooleanField(_("exclusive"), default=False)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    licensor_share = models.DecimalField(
        _("licensor share"),
        max_digits=5,
        decimal_places=4,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )
    minimum_guarantee = models.DecimalField(
        _("minimum guarantee"), max_digits=14, decimal_places=2, default=Decimal("0.00")
    )
    territories = models.CharField(_("territories"), max_length=200, default="CN")
    license = models.OneToOneField(
        License, on_delete=models.PROTECT, null=True, blank=True, related_name="application"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("license application")
        verbose_name_plural = _("license applications")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="application_term_ordered",
            ),
        ]
        indexes = [models.Index(fields=["studio", "status"], name="application_studio")]

    def __str__(self) -> str:
        return f"{self.ip} ← {self.studio} ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.PENDING, self.Status.COUNTERED)

    def terms(self) -> dict:
        return {
            "exclusive": self.exclusive,
            "starts_on": self.starts_on.isoformat(),
            "ends_on": self.ends_on.isoformat(),
            "licensor_share": str(self.licensor_share),
            "minimum_guarantee": str(self.minimum_guarantee),
            "territories": self.territories,
        }


class ApplicationEvent(models.Model):
    """One step of an application, with who and when. Append-only: never edited."""

    class Action(models.TextChoices):
        APPLIED = "applied", _("Applied")
        COUNTERED = "countered", _("Countered")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    application = models.ForeignKey(
        LicenseApplication, on_delete=models.PROTECT, related_name="events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    terms = models.JSONField(_("terms"), default=dict)
    note = models.TextField(_("note"), blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("application event")
        verbose_name_plural = _("application events")

    def __str__(self) -> str:
        return f"{self.application_id} {self.action} by {self.actor_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Application events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Application events are append-only.")
