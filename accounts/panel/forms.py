"""Control-panel forms (crispy-forms, Bootstrap 5): they validate input; services decide."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from billing.errors import InvalidAmount
from billing.services import parse_amount


def _helper(submit: str, *, css: str, action: str = "") -> FormHelper:
    helper = FormHelper()
    helper.form_method = "post"
    if action:
        helper.form_action = action
    button = Submit("submit", submit)
    button.field_classes = f"btn {css}"  # not on top of crispy's default btn-primary
    helper.add_input(button)
    return helper


class LoginForm(AuthenticationForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Sign in"), css="btn-primary w-100")
        self.fields["username"].widget.attrs["autofocus"] = True


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
        self.helper = _helper(_("Continue to payment"), css="btn-primary")

    def clean_amount(self):
        try:
            return parse_amount(self.cleaned_data["amount"])
        except InvalidAmount as exc:
            raise forms.ValidationError(exc.message) from None


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
        self.helper = _helper(_("Order"), css="btn-primary")


def plan_label(plan) -> str:
    model = plan.get_billing_model_display()
    extra = _(", pay-as-you-go") if plan.pay_as_you_go else ""
    trial = _(", trial available") if plan.trial_allowed else ""
    return f"{plan.name} — {plan.price} {plan.currency} per {plan.period_months} mo ({model}{extra}{trial})"


class CancelForm(forms.Form):
    option = forms.ChoiceField(label=_("When"), choices=())

    def __init__(self, *args, options, action: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["option"].choices = options
        self.helper = _helper(_("Cancel the subscription"), css="btn-danger w-100", action=action)


class ChangePlanForm(forms.Form):
    plan = forms.ModelChoiceField(queryset=None, label=_("New plan"), empty_label=None)

    def __init__(self, *args, plans, action: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = plans
        self.fields["plan"].label_from_instance = plan_label
        self.helper = _helper(_("Change plan"), css="btn-outline-primary w-100", action=action)


class ContactDetailsForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("Email address"), max_length=254)

    def __init__(self, *args, user, editable: bool, **kwargs):
        kwargs.setdefault(
            "initial",
            {"first_name": user.first_name, "last_name": user.last_name, "email": user.email},
        )
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Save contact details"), css="btn-primary")
        if not editable:
            self.helper.inputs = []
            for field in self.fields.values():
                field.disabled = True
