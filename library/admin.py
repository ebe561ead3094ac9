"""Admin for the IP library."""

from django.contrib import admin

from library.models import IP, License


@admin.register(IP)
class IPAdmin(admin.ModelAdmin):
    list_display = ("slug", "title", "kind", "rights_holder")
    search_fields = ("slug", "title", "original_author")


@admin.register(License)
class LicenseAdmin(admin.ModelAdmin):
    list_display = ("ip", "studio", "exclusive", "starts_on", "ends_on", "licensor_share")
