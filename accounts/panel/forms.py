"""Control-panel forms (crispy-forms, Bootstrap 5): they validate input; services decide.

`form_helper` is the one look of every panel form; billing's and subscriptions' panel forms
use it too.
"""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


def form_helper(submit: str, *, css: str, action: str = "") -> FormHelper:
    """A POST form helper with one submit button styled `css` (posting to `action` if given)."""
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
        self.helper = form_helper(_("Sign in"), css="btn-primary w-100")
        self.fields["username"].widget.attrs["autofocus"] = True


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
        self.helper = form_helper(_("Save contact details"), css="btn-primary")
        if not editable:
            self.helper.inputs = []
            for field in self.fields.values():
                field.disabled = True
