"""Admin of the review app: items are read-mostly, the audit trail is read-only."""

from django.contrib import admin

from review.models import Decision, ReviewItem


@admin.register(Decision)
class DecisionAdmin(admin.ModelAdmin):
    list_display = ("created_at", "episode", "kind", "grade", "reviewer")
    list_filter = ("kind", "grade")
    readonly_fields = [f.name for f in Decision._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ReviewItem)
class ReviewItemAdmin(admin.ModelAdmin):
    list_display = ("episode", "studio", "state", "submitted_at", "claimed_by", "flags")
    list_filter = ("state", "category", "source")
    readonly_fields = [f.name for f in ReviewItem._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
