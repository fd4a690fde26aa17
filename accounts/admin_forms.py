"""Forms of accounts' gear-menu actions. They check input only; every rule is the services'.

billing's and subscriptions' actions keep their forms in their own admin_forms.py."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import AccountStatusType, StatusReason
from .services import MSG_REASON_DOES_NOT_FIT
from .transitions import label


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


def reasons_for(*backend_statuses: str):
    """The status reasons that fit any of `backend_statuses` (all of them when none is given)."""
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
        self.fields["reason"].queryset = reasons_for(*backend_statuses)

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
        self.fields["reason"].queryset = reasons_for(backend_status)
        if default_reason:
            self.fields["reason"].initial = StatusReason.objects.filter(name=default_reason).first()


class ScheduledChangeForm(forms.Form):
    scheduled = forms.IntegerField(widget=forms.HiddenInput)


class ConfirmForm(forms.Form):
    """An action that needs no input, only a confirmation."""
