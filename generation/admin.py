"""Admin: jobs and the credit history are read-only (the history is append-only); staff
grant credits from the wallet list or at /generation/credits/grant/."""

from django import forms
from django.contrib import admin, messages
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from config.admin import ReadOnlyAdmin
from generation import credits
from generation.models import CreditEntry, Job, Wallet


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    list_display = ["id", "studio", "model_key", "state", "price", "created_at", "worker"]
    list_filter = ["state", "kind", "model_key"]
    search_fields = ["id", "studio__slug"]


@admin.register(CreditEntry)
class CreditEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "studio", "kind", "amount", "balance_after", "job", "note"]
    list_filter = ["kind"]
    search_fields = ["studio__slug"]


class GrantAmountForm(forms.Form):
    amount = forms.IntegerField(label=_("Credits"), min_value=1, max_value=1_000_000)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


@admin.register(Wallet)
class WalletAdmin(ReadOnlyAdmin):
    list_display = ["studio", "balance"]
    actions = ["grant_credits"]

    @admin.action(description=_("Grant credits to the selected studios"))
    def grant_credits(self, request, queryset):
        form = GrantAmountForm(request.POST if "amount" in request.POST else None)
        if form.is_valid():
            for wallet in queryset.select_related("studio"):
                credits.grant(wallet.studio, form.cleaned_data["amount"], by=request.user,
                              note=form.cleaned_data["note"])
            self.message_user(request, _("Credits granted."), messages.SUCCESS)
            return None
        return render(request, "generation/admin_grant.html",
                      {"form": form, "wallets": queryset, "title": _("Grant credits")})
