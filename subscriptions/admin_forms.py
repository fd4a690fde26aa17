"""The form of Cancel… in the account's gear menu: one of the six options of R-E5."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.admin_forms import DateInput, reasons_for
from accounts.models import BackendStatus, StatusReason

from .cancellation import CANCEL_OPTIONS, TAKES_A_DATE

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
        self.fields["reason"].queryset = reasons_for(BackendStatus.CANCELLED)
        self.fields["reason"].initial = StatusReason.objects.filter(name="Customer request").first()

    def clean(self):
        data = super().clean()
        option, on_date = data.get("option"), data.get("on_date")
        if option in TAKES_A_DATE and on_date is None and "on_date" not in self.errors:
            self.add_error("on_date", MSG_DATE_NEEDED.format(option=CANCEL_OPTION_LABELS[option]))
        if option and option not in TAKES_A_DATE and on_date is not None:
            self.add_error("on_date", MSG_NO_DATE.format(option=CANCEL_OPTION_LABELS[option]))
        return data
