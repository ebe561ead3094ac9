"""Characters of a series, the storyboard of an episode (ordered shots) and its assemblies."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Character(models.Model):
    series = models.ForeignKey(
        "creators.Series", on_delete=models.CASCADE, related_name="characters"
    )
    name = models.CharField(_("name"), max_length=80)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["series", "name"]
        constraints = [
            models.UniqueConstraint(fields=["series", "name"], name="character_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class ReferenceImage(models.Model):
    """A reference picture of a character; conditions keyframes through image-to-image."""

    character = models.ForeignKey(Character, on_delete=models.CASCADE,
                                  related_name="references")
    image = models.ImageField(_("image"), upload_to="storyboard/references/")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.image.name


class Storyboard(models.Model):
    episode = models.OneToOneField(
        "creators.Episode", on_delete=models.CASCADE, related_name="storyboard"
    )
    # An optional voice/music track, muxed as AAC into the assembled episode.
    audio = models.FileField(_("voice or music track"), upload_to="storyboard/audio/",
                             blank=True)
    fps = models.PositiveSmallIntegerField(default=8)
    width = models.PositiveIntegerField(default=144)
    height = models.PositiveIntegerField(default=256)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"storyboard of {self.episode_id}"


REFERENCE_STRENGTH_DEFAULT = "0.70"
REFERENCE_STRENGTH_MIN = "0.05"


class Camera(models.TextChoices):
    CLOSE_UP = "close_up", _("Close-up")
    MEDIUM = "medium", _("Medium shot")
    WIDE = "wide", _("Wide shot")
    OVER_SHOULDER = "over_shoulder", _("Over the shoulder")
    LOW_ANGLE = "low_angle", _("Low angle")
    TOP_DOWN = "top_down", _("Top-down")


class Shot(models.Model):
    storyboard = models.ForeignKey(Storyboard, on_delete=models.CASCADE, related_name="shots")
    order = models.PositiveIntegerField(_("order"))
    prompt = models.TextField(_("prompt"), blank=True)
    characters = models.ManyToManyField(Character, blank=True, related_name="shots")
    camera = models.CharField(_("camera"), max_length=20, choices=Camera.choices,
                              default=Camera.MEDIUM)
    # One subtitle line per line of text, shown over the shot's duration in equal parts.
    dialogue = models.TextField(_("dialogue / subtitles"), blank=True)
    duration = models.DecimalField(_("duration (s)"), max_digits=5, decimal_places=2,
                                   default=3)
    keyframe_job = models.ForeignKey(
        "generation.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Which of the job's candidates (its outputs) was picked: a nine-grid job has nine.
    keyframe_index = models.PositiveSmallIntegerField(default=0)
    # The latest keyframe job(s) whose candidates the creator picks from.
    grid_jobs = models.JSONField(default=list, blank=True)
    # How far a keyframe may move away from the first character's reference picture
    # (image-to-image strength: 1 ignores it, small values copy it).
    reference_strength = models.DecimalField(
        _("reference strength"), max_digits=3, decimal_places=2,
        default=Decimal(REFERENCE_STRENGTH_DEFAULT),
        help_text=_("How far the keyframe may move away from the character's reference "
                    "picture: 0.05 keeps it, 1.00 ignores it."))
    clip_job = models.ForeignKey(
        "generation.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    use_last_frame = models.BooleanField(_("end on the next shot's keyframe"), default=False)

    class Meta:
        ordering = ["storyboard", "order"]
        constraints = [
            models.UniqueConstraint(fields=["storyboard", "order"], name="shot_unique_order",
                                    deferrable=models.Deferrable.DEFERRED),
            models.CheckConstraint(condition=Q(duration__gt=0), name="shot_duration_positive"),
            models.CheckConstraint(
                condition=Q(reference_strength__gte=Decimal(REFERENCE_STRENGTH_MIN),
                            reference_strength__lte=Decimal("1")),
                name="shot_reference_strength_range"),
        ]

    def __str__(self) -> str:
        return f"shot {self.order}"

    @property
    def is_hook(self) -> bool:
        return self.order == 1

    def lines(self) -> list[str]:
        return [line.strip() for line in self.dialogue.splitlines() if line.strip()]


class Assembly(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Assembling")
        SUCCEEDED = "succeeded", _("Assembled")
        FAILED = "failed", _("Failed")

    storyboard = models.ForeignKey(Storyboard, on_delete=models.CASCADE,
                                   related_name="assemblies")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    # Everything the encoder needs, frozen when the assembly was asked for.
    snapshot = models.JSONField(default=dict)
    progress = models.PositiveSmallIntegerField(default=0)
    output = models.CharField(max_length=300, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"assembly {self.pk} ({self.state})"
