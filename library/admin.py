"""Admin for the IP library. Application events are shown read-only: they are append-only."""

from django.contrib import admin

from config.admin import ReadOnlyAdmin
from library.models import IP, ApplicationEvent, License, LicenseApplication, Tag


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ("name",)


@admin.register(IP)
class IPAdmin(admin.ModelAdmin):
    list_display = ("slug", "title", "kind", "rights_holder", "exclusive_allowed")
    list_filter = ("kind", "exclusive_allowed")
    search_fields = ("slug", "title", "original_author")
    autocomplete_fields = ("tags",)
    raw_id_fields = ("rights_holder",)


@admin.register(License)
class LicenseAdmin(ReadOnlyAdmin):
    """Shown, never written: a license is granted by accepting an application (which checks
    exclusivity against every other license of the IP), and its share and guarantee are
    what the royalties and recoupments already posted were computed from."""

    list_display = ("ip", "studio", "exclusive", "starts_on", "ends_on", "licensor_share")
    list_filter = ("exclusive",)
    search_fields = ("ip__title", "studio__name", "studio__slug")


class ApplicationEventInline(admin.TabularInline):
    model = ApplicationEvent
    extra = 0
    can_delete = False
    readonly_fields = ("at", "actor", "action", "terms", "note")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(LicenseApplication)
class LicenseApplicationAdmin(admin.ModelAdmin):
    list_display = ("ip", "studio", "status", "exclusive", "starts_on", "ends_on", "updated_at")
    list_filter = ("status",)
    raw_id_fields = ("ip", "studio", "applicant", "license")
    inlines = [ApplicationEventInline]
