"""Admin for users, studios, series and episodes."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from creators.models import Episode, Membership, Series, Studio, User
from creators.queries import license_locked


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("Roles", {"fields": ("is_creator", "is_rights_holder", "is_reviewer", "is_finance")}),
    )
    list_display = ("username", "email", "is_creator", "is_rights_holder", "is_reviewer",
                    "is_finance", "is_staff")


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0


@admin.register(Studio)
class StudioAdmin(admin.ModelAdmin):
    list_display = ("slug", "name", "created_at")
    search_fields = ("slug", "name")
    inlines = [MembershipInline]


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    list_display = ("slug", "title", "studio", "category", "exclusive")
    list_filter = ("category", "exclusive")
    search_fields = ("slug", "title")

    def get_readonly_fields(self, request, obj=None):
        # Saved here without the service, so a license that earns is not even offered.
        fields = tuple(super().get_readonly_fields(request, obj))
        if obj is not None and license_locked(obj):
            fields += ("license",)
        return fields


@admin.register(Episode)
class EpisodeAdmin(admin.ModelAdmin):
    list_display = ("ref", "title", "series", "status", "grade", "published_on")
    list_filter = ("status", "grade", "source")
    search_fields = ("ref", "title")
