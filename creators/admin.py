"""Admin for users, studios, series and episodes."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from creators.models import Episode, Invitation, Membership, Series, Studio, User
from creators.queries import license_locked
from creators.services import TransitionError, take_down


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


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Read-only: an invitation is the owner's offer and the invitee's answer; staff look,
    they do not answer for anyone."""

    list_display = ("addressed_to", "studio", "role", "status", "created_at", "expires_at")
    list_filter = ("status", "role")
    search_fields = ("addressed_to", "studio__slug", "studio__name")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


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
    """Titles and pictures may be mended here; what the workflow and the money follow
    (status, grade, publication day, the video and what the probe read from it, the
    reference revenue files name) moves only through the services: review decides, the
    take-down action below is the one status change offered."""

    list_display = ("ref", "title", "series", "status", "grade", "published_on")
    list_filter = ("status", "grade", "source")
    search_fields = ("ref", "title")
    readonly_fields = ("series", "number", "ref", "status", "source", "grade", "published_on",
                       "duration_seconds", "video", "preview", "width", "height", "fps",
                       "video_codec", "probe_state", "probe_progress", "probe_error")
    actions = ["take_down_selected"]

    def has_add_permission(self, request) -> bool:
        return False  # an episode is made in its studio, with its checks

    @admin.action(description=gettext_lazy("Take down the selected published episodes"),
                  permissions=["change"])
    def take_down_selected(self, request, queryset):
        done, refused = 0, []
        for episode in queryset:
            try:
                take_down(episode)
                done += 1
            except TransitionError:
                refused.append(episode.ref)
        if done:
            self.message_user(request, ngettext("%(n)s episode taken down.",
                                                "%(n)s episodes taken down.", done) % {"n": done},
                              messages.SUCCESS)
        if refused:
            self.message_user(request, _("Not published, left as they were: %(refs)s") % {
                "refs": ", ".join(refused)}, messages.WARNING)
