"""billing's control-panel form: the amount to top up, parsed by billing's one money parser."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.panel.forms import form_helper
from billing.errors import InvalidAmount
from billing.services import parse_amount


class TopUpForm(forms.Form):
    amount = forms.CharField(
        label=_("Amount"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )

    def __init__(self, *args, currency: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["amount"].help_text = _("In {currency}, up to 2 decimals.").format(
            currency=currency
        )
        self.helper = form_helper(_("Continue to payment"), css="btn-primary")

    def clean_amount(self):
        try:
            return parse_amount(self.cleaned_data["amount"])
        except InvalidAmount as exc:
            raise forms.ValidationError(exc.message) from None
