"""Users, studios and their members, series and episodes: who makes what."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person on the platform; roles are flags because one person may hold several."""

    email = models.EmailField(_("email address"), blank=True)
    is_creator = models.BooleanField(_("creator"), default=True)
    is_rights_holder = models.BooleanField(_("rights holder"), default=False)
    is_reviewer = models.BooleanField(_("reviewer"), default=False)
    is_finance = models.BooleanField(_("finance"), default=False)

    ROLE_FIELDS = {
        "creator": "is_creator",
        "rights_holder": "is_rights_holder",
        "reviewer": "is_reviewer",
        "finance": "is_finance",
        "staff": "is_staff",
    }

    def has_role(self, role: str) -> bool:
        return bool(getattr(self, self.ROLE_FIELDS[role]))

    @property
    def roles(self) -> list[str]:
        return [role for role in self.ROLE_FIELDS if self.has_role(role)]


class Studio(models.Model):
    """The payee: revenue, credits and works belong to a studio; members act for it."""

    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=120)
    bio = models.TextField(_("bio"), blank=True)
    avatar = models.ImageField(_("avatar"), upload_to="studios/avatars/", blank=True)
    # Kept server-side only: never rendered to members other than owners.
    payout_details = models.TextField(_("payout details"), blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="studios"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("studio")
        verbose_name_plural = _("studios")

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        MEMBER = "member", _("Member")

    studio = models.ForeignKey(Studio, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["studio", "user"], name="membership_unique_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.studio} ({self.role})"


class Invitation(models.Model):
    """An owner's offer of a place in the studio: the person joins only by accepting it.

    ``addressed_to`` keeps what the owner typed (a username or an email), so the owner's
    list never turns an email into a username, and an address that names nobody reads the
    same as one that names a person who has not answered yet. A username invitation waits
    on that user's invitations page; an email invitation is a link mailed to the address,
    taken up by whoever opens it there (signed in or after signing up)."""

    LIFETIME_DAYS = 14

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for an answer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    studio = models.ForeignKey(Studio, on_delete=models.CASCADE, related_name="invitations")
    addressed_to = models.CharField(_("username or email"), max_length=254)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
        related_name="invitations",
    )
    role = models.CharField(_("role"), max_length=10, choices=Membership.Role.choices,
                            default=Membership.Role.MEMBER)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    # An invitation to an email is answered through the link mailed there: sha256 of the
    # link's token (the token itself is never stored). Signing up does not prove an email,
    # so the account that claims an address is not who an email invitation goes to.
    token_hash = models.CharField(max_length=64, blank=True, default="", db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["studio", "addressed_to"], condition=models.Q(status="pending"),
                name="invitation_one_pending_per_address",
            )
        ]
        indexes = [models.Index(fields=["user", "status"], name="invitation_user_status")]

    def __str__(self) -> str:
        return f"{self.addressed_to} → {self.studio} ({self.status})"


class Category(models.TextChoices):
    AI_REAL = "ai_real", _("AI simulated-human drama")
    PREMIUM_3D = "premium_3d", _("Premium 3D drama")
    PREMIUM_2D = "premium_2d", _("Premium 2D drama")
    NARRATED = "narrated", _("Narrated comic")
    STANDARD = "standard", _("Standard drama")


class Grade(models.TextChoices):
    S = "S", "S"
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"


class Series(models.Model):
    studio = models.ForeignKey(Studio, on_delete=models.PROTECT, related_name="series")
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=200)
    synopsis = models.TextField(_("synopsis"), blank=True)
    cover = models.ImageField(_("cover"), upload_to="series/covers/", blank=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    exclusive = models.BooleanField(_("exclusive"), default=False)
    # An adaptation names the license it is made under; an original series names none.
    license = models.ForeignKey(
        "library.License",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="series",
        verbose_name=_("license"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["studio", "title"]
        verbose_name = _("series")
        verbose_name_plural = _("series")

    def __str__(self) -> str:
        return self.title

    @property
    def is_original(self) -> bool:
        return self.license_id is None


class Episode(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        IN_REVIEW = "in_review", _("In review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        PUBLISHED = "published", _("Published")
        TAKEN_DOWN = "taken_down", _("Taken down")

    class Source(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded")
        GENERATED = "generated", _("Generated on the platform")
        IMPORTED = "imported", _("Imported catalog")

    class Probe(models.TextChoices):
        NONE = "", _("Not probed")
        PENDING = "pending", _("Waiting for the probe")
        RUNNING = "running", _("Probing")
        DONE = "done", _("Probed")
        FAILED = "failed", _("Probe failed")

    series = models.ForeignKey(Series, on_delete=models.PROTECT, related_name="episodes")
    number = models.PositiveIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=200)
    hook_line = models.CharField(_("hook line (first 3 seconds)"), max_length=300, blank=True)
    # The public reference used by distribution platforms' revenue files.
    ref = models.CharField(_("reference"), max_length=40, unique=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    source = models.CharField(
        _("source"), max_length=12, choices=Source.choices, default=Source.UPLOADED
    )
    grade = models.CharField(_("grade"), max_length=1, choices=Grade.choices, blank=True)
    published_on = models.DateField(_("published on"), null=True, blank=True)
    duration_seconds = models.DecimalField(
        _("duration (s)"), max_digits=8, decimal_places=3, null=True, blank=True
    )
    video = models.FileField(_("video"), upload_to="episodes/videos/", blank=True)
    cover = models.ImageField(_("cover"), upload_to="episodes/covers/", blank=True)
    poster = models.ImageField(_("poster"), upload_to="episodes/posters/", blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    fps = models.DecimalField(max_digits=7, decimal_places=3, null=True, blank=True)
    video_codec = models.CharField(max_length=40, blank=True)
    preview = models.FileField(_("preview"), upload_to="episodes/previews/", blank=True)
    # The post-upload probe (a cpu task): state and percent shown live on the episode page.
    probe_state = models.CharField(max_length=10, choices=Probe.choices, blank=True)
    probe_progress = models.PositiveSmallIntegerField(default=0)
    probe_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["series", "number"]
        verbose_name = _("episode")
        verbose_name_plural = _("episodes")
        constraints = [
            models.UniqueConstraint(fields=["series", "number"], name="episode_unique_number")
        ]
        indexes = [models.Index(fields=["status", "published_on"])]

    def __str__(self) -> str:
        return f"{self.ref} {self.title}"

    @property
    def scheduled(self) -> bool:
        """Approved for a publish day still ahead: 'published' in the books (its status),
        not yet out to viewers; the creator reads it as scheduled."""
        from django.utils import timezone

        return (self.status == self.Status.PUBLISHED and self.published_on is not None
                and self.published_on > timezone.localdate())

    @property
    def studio(self) -> Studio:
        return self.series.studio


class Upload(models.Model):
    """A resumable upload in progress: bytes land in one part file per upload, appended
    only at `offset`, which moves by conditional UPDATE."""

    class Kind(models.TextChoices):
        VIDEO = "video", _("Episode video")
        COVER = "cover", _("Episode cover")

    class Status(models.TextChoices):
        RECEIVING = "receiving", _("Receiving")
        VALIDATING = "validating", _("Validating")
        DONE = "done", _("Done")
        REFUSED = "refused", _("Refused")

    id = models.UUIDField(primary_key=True)
    studio = models.ForeignKey(Studio, on_delete=models.CASCADE, related_name="uploads")
    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="uploads")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="uploads"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    filename = models.CharField(max_length=255)
    size = models.BigIntegerField()
    offset = models.BigIntegerField(default=0)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RECEIVING)
    reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(offset__gte=0) & models.Q(offset__lte=models.F("size")),
                name="upload_offset_within_size",
            )
        ]
        indexes = [models.Index(fields=["status", "updated_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.filename} {self.offset}/{self.size}"
