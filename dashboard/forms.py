"""Forms of the dashboard: the payout request."""

from django import forms
from django.utils.translation import gettext_lazy as _


class PayoutForm(forms.Form):
    """What the owner typed; request_payout() reads and judges the amount, and its
    refusal is put back on the field, next to the input kept as typed."""

    amount = forms.CharField(label=_("Amount (¥)"), max_length=64,
                             widget=forms.TextInput(attrs={"inputmode": "decimal"}))
