"""Forms of the operator portal's actions. They check input only; every rule is the services'."""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from billing.errors import BillingError
from billing.services import parse_amount
from subscriptions.cancellation import CANCEL_OPTIONS, TAKES_A_DATE

from .models import AccountStatusType, BackendStatus, StatusReason
from .services import MSG_REASON_DOES_NOT_FIT
from .transitions import label

CANCEL_OPTION_LABELS = {
    "immediately_prorated_refund": _("Immediately with prorated refund"),
    "immediately_full_refund": _("Immediately with full refund"),
    "immediately_no_refund": _("Immediately with no refund"),
    "period_end": _("Period end"),
    "specific_date_prorated_refund": _("Specific date with prorated refund"),
    "immediately_prorated_as_of_date": _(
        "Immediately with prorated transaction as of a specific date"
    ),
}
MSG_DATE_NEEDED = _("“{option}” needs a date.")
MSG_NO_DATE = _("“{option}” takes no date; leave the date empty.")


class DateInput(forms.DateInput):
    input_type = "date"


class ReasonSelect(forms.Select):
    """Each reason carries the back-end statuses it fits, so the page can hide the others."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-fits"] = " ".join(instance.backend_statuses)
        return option


class StatusTypeSelect(forms.Select):
    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-backend"] = instance.backend_status
        return option


class StatusTypeChoiceField(forms.ModelChoiceField):
    widget = StatusTypeSelect

    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.get_backend_status_display()})"


def _reasons(*backend_statuses: str):
    reasons = StatusReason.objects.order_by("name")
    if not backend_statuses:
        return reasons
    fitting = [r.pk for r in reasons if any(r.fits(s) for s in backend_statuses)]
    return reasons.filter(pk__in=fitting)


class StatusForm(forms.Form):
    """Change status… (and Suspend…): a type, a reason that fits it (R-E3) and a note."""

    status_type = StatusTypeChoiceField(AccountStatusType.objects.none(), label=_("New status"))
    reason = forms.ModelChoiceField(
        StatusReason.objects.none(), label=_("Status reason"), widget=ReasonSelect
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea({"rows": 2}))

    def __init__(self, *args, account=None, backend_statuses=(), **kwargs):
        super().__init__(*args, **kwargs)
        types = AccountStatusType.objects.order_by("backend_status", "name")
        if backend_statuses:
            types = types.filter(backend_status__in=backend_statuses)
        if account is not None:
            types = types.exclude(pk=account.status_type_id)
        self.fields["status_type"].queryset = types
        self.fields["reason"].queryset = _reasons(*backend_statuses)

    def clean(self):
        data = super().clean()
        status_type, reason = data.get("status_type"), data.get("reason")
        if status_type and reason and not reason.fits(status_type.backend_status):
            self.add_error(
                "reason",
                MSG_REASON_DOES_NOT_FIT.format(
                    reason=reason.name, status=label(status_type.backend_status)
                ),
            )
        return data


class ScheduleForm(StatusForm):
    """Schedule status change… (R-E4): the same choice, effective on a date."""

    effective_on = forms.DateField(label=_("Effective on"), widget=DateInput)

    field_order = ["status_type", "reason", "effective_on", "note"]


class ReasonForm(forms.Form):
    """A reason that fits one back-end status, and a note (Lock, Enable)."""

    reason = forms.ModelChoiceField(StatusReason.objects.none(), label=_("Status reason"))
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea({"rows": 2}))

    def __init__(self, *args, backend_status: str, default_reason: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].queryset = _reasons(backend_status)
        if default_reason:
            self.fields["reason"].initial = StatusReason.objects.filter(name=default_reason).first()


class CancelForm(forms.Form):
    """Cancel…: one of the six options of R-E5, a date for the dated ones, and a reason."""

    option = forms.ChoiceField(
        label=_("Cancel option"),
        choices=[(option, CANCEL_OPTION_LABELS[option]) for option in CANCEL_OPTIONS],
        widget=forms.RadioSelect,
    )
    on_date = forms.DateField(
        label=_("Date"),
        required=False,
        widget=DateInput,
        help_text=_("Only for “Specific date…” and “…as of a specific date”."),
    )
    reason = forms.ModelChoiceField(StatusReason.objects.none(), label=_("Status reason"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].queryset = _reasons(BackendStatus.CANCELLED)
        self.fields["reason"].initial = StatusReason.objects.filter(name="Customer request").first()

    def clean(self):
        data = super().clean()
        option, on_date = data.get("option"), data.get("on_date")
        if option in TAKES_A_DATE and on_date is None and "on_date" not in self.errors:
            self.add_error("on_date", MSG_DATE_NEEDED.format(option=CANCEL_OPTION_LABELS[option]))
        if option and option not in TAKES_A_DATE and on_date is not None:
            self.add_error("on_date", MSG_NO_DATE.format(option=CANCEL_OPTION_LABELS[option]))
        return data


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
    threshold = AmountField(label=_("Financial blocking threshold"), positive=False)


class ScheduledChangeForm(forms.Form):
    scheduled = forms.IntegerField(widget=forms.HiddenInput)


class ConfirmForm(forms.Form):
    """An action that needs no input, only a confirmation."""
