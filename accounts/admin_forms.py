"""Forms of accounts' gear-menu actions. They check input only; every rule is the services'.

billing's and subscriptions' actions keep their forms in their own admin_forms.py."""

from __future__ import annotations

from django import forms
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _

from .errors import InvalidTransition
from .models import AccountStatusType, ActorKind, StatusReason
from .models import BackendStatus as S
from .services import MSG_REASON_DOES_NOT_FIT
from .transitions import TABLE, label, next_state

# Why "Change status…" does not offer a back-end status (issue 18): one short clause each.
WHY_AUTOMATIC = _("automatic: change the threshold or the balance (Post adjustment…)")
WHY_NEVER_PROSPECT = _("an account never returns to Prospect (R-E7)")
WHY_LIFECYCLE = _("the lifecycle does not allow it from {current}")
WHY_NOT_OPERATOR = _("only the system does that")
MSG_NOT_OFFERED = _("Not offered: {reasons}.")


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


def backend_statuses_of(types) -> list[str]:
    """The back-end statuses the status types `types` have, each once, in the table's order."""
    present = set(types.values_list("backend_status", flat=True))
    return [status for status in S if status in present]


def reasons_for(*backend_statuses: str):
    """The status reasons that fit any of `backend_statuses` (all of them when none is given)."""
    reasons = StatusReason.objects.order_by("name")
    if not backend_statuses:
        return reasons
    fitting = [r.pk for r in reasons if any(r.fits(s) for s in backend_statuses)]
    return reasons.filter(pk__in=fitting)


class OfferedChoices(forms.models.ModelChoiceIterator):
    """The choices a select shows: a narrower queryset than the one the field validates."""

    def __init__(self, field, queryset):
        super().__init__(field)
        self.queryset = queryset


def why_not_offered(current: str, target: str) -> str | None:
    """Why an operator may not move an account from `current` to `target` (None: they may)."""
    try:
        next_state(current, target, ActorKind.OPERATOR)
        return None
    except InvalidTransition:
        pass
    if target == S.PROSPECT:
        return str(WHY_NEVER_PROSPECT)
    allowed = TABLE.get((current, target))
    if allowed is None:
        return str(WHY_LIFECYCLE).format(current=label(current))
    if S.CREDIT_HOLD in (current, target):
        return str(WHY_AUTOMATIC)  # R-CH1, R-CH5: credit hold follows the money
    return str(WHY_NOT_OPERATOR)


def not_offered_line(current: str, targets) -> str:
    """One line naming each back-end status left out of the choice and why."""
    reasons = [
        f"{label(target)} ({why})"
        for target in targets
        if (why := why_not_offered(current, target)) is not None
    ]
    return str(MSG_NOT_OFFERED).format(reasons="; ".join(reasons)) if reasons else ""


class StatusForm(forms.Form):
    """Change status… (and Suspend…): a type, a reason that fits it (R-E3) and a note."""

    status_type = StatusTypeChoiceField(AccountStatusType.objects.none(), label=_("New status"))
    reason = forms.ModelChoiceField(
        StatusReason.objects.none(), label=_("Status reason"), widget=ReasonSelect
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea({"rows": 2}))

    # Offer only the statuses the transition table lets an operator reach from the account's
    # (issue 18). The field still accepts any type, so a crafted post is refused by the service
    # with its own message. A scheduled change is checked on its date instead (R-E4).
    offer_only_allowed = True
    not_offered = ""

    def __init__(self, *args, account=None, backend_statuses=(), **kwargs):
        super().__init__(*args, **kwargs)
        types = AccountStatusType.objects.order_by("backend_status", "name")
        if backend_statuses:
            types = types.filter(backend_status__in=backend_statuses)
        if account is not None:
            types = types.exclude(pk=account.status_type_id)
        field = self.fields["status_type"]
        field.queryset = types
        self.fields["reason"].queryset = reasons_for(*backend_statuses)
        if account is not None and self.offer_only_allowed:
            self._offer_allowed(field, types, account.status_type.backend_status)

    def _offer_allowed(self, field, types, current: str) -> None:
        targets = backend_statuses_of(types)
        allowed = [t for t in targets if why_not_offered(current, t) is None]
        field.widget.choices = OfferedChoices(field, types.filter(backend_status__in=allowed))
        self.not_offered = not_offered_line(current, [t for t in targets if t not in allowed])
        if self.not_offered:
            field.help_text = escape(self.not_offered)  # the template marks help text safe

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

    offer_only_allowed = False  # the lifecycle is checked on the date (R-E4)

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
