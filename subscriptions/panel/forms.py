"""subscriptions' control-panel forms (crispy-forms, Bootstrap 5): they validate; services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.panel.forms import form_helper


class OrderForm(forms.Form):
    plan = forms.ModelChoiceField(queryset=None, label=_("Plan"), empty_label=None)
    trial = forms.BooleanField(
        label=_("Start as a trial"),
        required=False,
        help_text=_("Only for plans that offer a trial."),
    )

    def __init__(self, *args, plans, allow_trial: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = plans
        self.fields["plan"].label_from_instance = plan_label
        if not allow_trial:
            self.fields["trial"].help_text = _("Trials cannot be ordered in the current status.")
        # The first step of two: the quote shows the price and first charge before Confirm.
        self.helper = form_helper(_("Review order"), css="btn-primary")


def plan_label(plan) -> str:
    """How a plan reads in the panel's choices: name, price per period and its billing model."""
    model = plan.get_billing_model_display()
    extra = _(", pay-as-you-go") if plan.pay_as_you_go else ""
    trial = _(", trial available") if plan.trial_allowed else ""
    return f"{plan.name} — {plan.price} {plan.currency} per {plan.period_months} mo ({model}{extra}{trial})"


class CancelForm(forms.Form):
    option = forms.ChoiceField(label=_("When"), choices=())

    def __init__(self, *args, options, action: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["option"].choices = options
        self.helper = form_helper(
            _("Cancel the subscription"), css="btn-danger w-100", action=action
        )


class ChangePlanForm(forms.Form):
    plan = forms.ModelChoiceField(queryset=None, label=_("New plan"), empty_label=None)

    def __init__(self, *args, plans, action: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = plans
        self.fields["plan"].label_from_instance = plan_label
        self.helper = form_helper(_("Change plan"), css="btn-outline-primary w-100", action=action)
