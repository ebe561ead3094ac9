"""The IP library: novels and comics offered for adaptation, and the licenses granted."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


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
    term_months = models.PositiveIntegerField(_("term (months)"), default=12)
    territories = models.CharField(_("territories"), max_length=200, default="CN")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("IP")
        verbose_name_plural = _("IPs")

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
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on"]
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
