"""Forms of billing's items in the account's gear menu: money typed by an operator is parsed by
billing's one `parse_amount` (R-B1), so the form and the service agree on what an amount is."""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from .errors import BillingError
from .services import parse_amount


class AmountField(forms.CharField):
    """Money typed by a person: an exact decimal with at most 2 places (billing's parse_amount)."""

    def __init__(self, *args, positive: bool = True, **kwargs):
        self.positive = positive
        super().__init__(*args, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        try:
            return parse_amount(value, positive=self.positive, allow_zero=not self.positive)
        except BillingError as exc:
            raise forms.ValidationError(exc.message) from None


class PaymentForm(forms.Form):
    """Record payment…: the key is made when the form is shown, so a double submit records once."""

    amount = AmountField(label=_("Amount"))
    description = forms.CharField(label=_("Description"), initial="Payment", max_length=200)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["idempotency_key"].initial = f"admin-{uuid.uuid4().hex}"


class ThresholdForm(forms.Form):
    """Set threshold (R-CH3), from its own page or the overview's money section."""

    threshold = AmountField(label=_("Financial blocking threshold"), positive=False)
