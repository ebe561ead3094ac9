"""Admin of the review app: items are read-mostly, the audit trail is read-only."""

from django.contrib import admin

from config.admin import ReadOnlyAdmin
from review.models import Decision, ReviewItem


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "episode", "kind", "grade", "reviewer")
    list_filter = ("kind", "grade")
    readonly_fields = [f.name for f in Decision._meta.fields]


@admin.register(ReviewItem)
class ReviewItemAdmin(ReadOnlyAdmin):
    list_display = ("episode", "studio", "state", "submitted_at", "claimed_by", "flags")
    list_filter = ("state", "category", "source")
    readonly_fields = [f.name for f in ReviewItem._meta.fields]
