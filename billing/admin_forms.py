"""Forms of billing's items in the account's gear menu: money typed by an operator is parsed by
billing's one `parse_amount` (R-B1), so the form and the service agree on what an amount is."""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from .errors import BillingError
from .models import EntryKind, LedgerEntry, OpenItem
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


# --- Correcting money (R-D8): each form carries the operator's reason for the audit trail ---


class DateInput(forms.DateInput):
    input_type = "date"


def reason_field():
    return forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea({"rows": 2}),
        help_text=_("Kept in the account's audit trail with your name (R-D8)."),
    )


class CorrectionForm(forms.Form):
    """A correction's form, given the account it corrects."""

    def __init__(self, *args, account=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.account = account


class KeyedForm(CorrectionForm):
    """A posting form with an idempotency key made when it is shown: a double submit posts once."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["idempotency_key"].initial = f"admin-{uuid.uuid4().hex}"


class AdjustmentForm(KeyedForm):
    amount = AmountField(
        label=_("Amount"),
        positive=False,
        help_text=_("Signed: a positive amount credits the account, a negative one debits it."),
    )
    description = forms.CharField(label=_("Description"), initial="Adjustment", max_length=200)
    reason = reason_field()


class ChargeForm(KeyedForm):
    amount = AmountField(label=_("Amount charged"))
    description = forms.CharField(label=_("Description"), initial="Charge", max_length=200)
    reason = reason_field()


class InvoiceForm(CorrectionForm):
    amount = AmountField(label=_("Amount"))
    billing_date = forms.DateField(label=_("Billing date"), widget=DateInput)
    due_date = forms.DateField(
        label=_("Due date"),
        required=False,
        widget=DateInput,
        help_text=_("Empty: the billing date."),
    )
    description = forms.CharField(label=_("Description"), initial="Invoice", max_length=200)
    reason = reason_field()


class PaymentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.created_at:%Y-%m-%d} · {obj.amount} {obj.currency} · {obj.description}"


class ReversePaymentForm(CorrectionForm):
    """Refund / reverse a payment: the payment's exact opposite; its items open again (R-B3)."""

    payment = PaymentChoiceField(LedgerEntry.objects.none(), label=_("Payment"))
    reason = reason_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        account = self.account
        self.fields["payment"].queryset = LedgerEntry.objects.filter(
            account=account, kind=EntryKind.PAYMENT, reversed_by__isnull=True
        ).order_by("-created_at", "-id")


class OpenItemChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.entry.description} · {obj.outstanding} outstanding · due {obj.due_date}"


class WriteOffForm(CorrectionForm):
    item = OpenItemChoiceField(OpenItem.objects.none(), label=_("Open item"))
    reason = reason_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        account = self.account
        self.fields["item"].queryset = (
            OpenItem.objects.filter(account=account, settled_at__isnull=True)
            .select_related("entry")
            .order_by("due_date", "id")
        )


class CreditNoteForm(CorrectionForm):
    amount = AmountField(label=_("Amount credited"))
    description = forms.CharField(label=_("Description"), initial="Credit note", max_length=200)
    reason = reason_field()


class ExemptionForm(CorrectionForm):
    """Dunning exemption… (R-X2): the VIP flag and "do not suspend before" a date."""

    exempt = forms.BooleanField(label=_("Exempt from dunning (VIP)"), required=False)
    until = forms.DateField(
        label=_("Exempt until"),
        required=False,
        widget=DateInput,
        help_text=_("Do not suspend before this date; empty: no dated exemption."),
    )
    reason = reason_field()
