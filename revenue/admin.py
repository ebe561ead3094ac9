"""Admin: read-only views of the ledger and the imports; policies are created through the
finance page or `import_policy`, never edited here."""

from django.contrib import admin

from revenue.models import (
    Account,
    ImportBatch,
    LedgerEntry,
    LedgerTransaction,
    PolicyVersion,
    SettlementRun,
)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PolicyVersion)
class PolicyVersionAdmin(ReadOnly):
    list_display = ["valid_from", "name", "created_at"]


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnly):
    list_display = ["created_at", "platform", "filename", "status", "rows"]
    list_filter = ["status", "platform"]


@admin.register(SettlementRun)
class SettlementRunAdmin(ReadOnly):
    list_display = ["period", "policy", "lines", "created_at"]


@admin.register(Account)
class AccountAdmin(ReadOnly):
    list_display = ["id", "kind", "studio", "user"]
    list_filter = ["kind"]


class EntryInline(admin.TabularInline):
    model = LedgerEntry
    extra = 0
    can_delete = False
    fields = ["account", "kind", "amount", "series", "episode", "license"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(LedgerTransaction)
class LedgerTransactionAdmin(ReadOnly):
    list_display = ["id", "period", "day", "memo", "run"]
    list_filter = ["period"]
    inlines = [EntryInline]
