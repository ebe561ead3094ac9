"""Admin: read-only views of the ledger and the imports; policies are created through the
finance page or `import_policy`, never edited here."""

from django.contrib import admin

from config.admin import ReadOnlyAdmin
from revenue.models import (
    Account,
    ImportBatch,
    LedgerEntry,
    LedgerTransaction,
    PolicyVersion,
    SettlementRun,
)


@admin.register(PolicyVersion)
class PolicyVersionAdmin(ReadOnlyAdmin):
    list_display = ["valid_from", "name", "created_at"]


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "platform", "filename", "status", "rows"]
    list_filter = ["status", "platform"]


@admin.register(SettlementRun)
class SettlementRunAdmin(ReadOnlyAdmin):
    list_display = ["period", "policy", "lines", "created_at"]


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
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
class LedgerTransactionAdmin(ReadOnlyAdmin):
    list_display = ["id", "period", "day", "memo", "run"]
    list_filter = ["period"]
    inlines = [EntryInline]
