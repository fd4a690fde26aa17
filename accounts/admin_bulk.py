"""Bulk actions on the account list (issue 18): the apps' `account_list.bulk` items as admin
actions, each as form → preview (per account: current status → result, or "refused: …";
nothing written) → confirm (the action's service per account; a message with the outcome).

The pages post back to the change list's own URL with the selected pks (`_selected_action`), as
Django's "delete selected" confirmation does, so the list's filters, search and scope
(get_queryset, R-R3) decide again which accounts the action may touch. An action is offered only
to an operator with its permission (get_actions), and Django accepts only offered actions.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IS_POPUP_VAR
from django.template.response import TemplateResponse

from . import bulk_actions, scoping
from .admin_forms import ReasonForm, ScheduleForm
from .admin_list_frames import BulkAction, account_list
from .errors import AccountsError
from .models import BackendStatus as S
from .unlocking import LOCK_REASON

BULK_LIMIT = 500
MSG_TOO_MANY = "A bulk action takes at most {limit} accounts at a time; narrow the list first."
MSG_DONE = "{label}: {done} account(s) done, {unchanged} unchanged, {refused} refused."
MSG_REFUSED_ONE = "{number}: {message}"
CHANGE_STATUS = "accounts.change_account_status"
LOCK = "accounts.lock_user_account"


def action_name(action: BulkAction) -> str:
    return "bulk_" + action.slug.replace("-", "_")


class BulkActionsMixin:
    """Adds every registered bulk action the operator may run to the list's actions."""

    bulk_template = "admin/accounts/account/bulk_action.html"

    def get_actions(self, request):
        actions = super().get_actions(request)
        if self.actions is None or IS_POPUP_VAR in request.GET:
            return actions
        for action in account_list.bulk.items():
            if request.user.has_perm(action.permission):
                name = action_name(action)
                actions[name] = (self._bulk_function(action), name, action.label)
        return actions

    def _bulk_function(self, action: BulkAction):
        def run(modeladmin, request, queryset):
            return modeladmin.run_bulk_action(request, queryset, action)

        run.__name__ = action_name(action)
        return run

    def run_bulk_action(self, request, queryset, action: BulkAction):
        accounts = list(queryset.select_related("status_type").order_by("number")[: BULK_LIMIT + 1])
        if len(accounts) > BULK_LIMIT:
            self.message_user(request, MSG_TOO_MANY.format(limit=BULK_LIMIT), messages.ERROR)
            return None
        step = request.POST.get("_bulk_step")
        form = action.form_class(request.POST if step else None, **action.form_kwargs())
        scoping.scope_form(form, request.user)  # R-R3: a reseller operator's choices only
        if step not in ("preview", "confirm") or not form.is_valid():
            return self.bulk_page(request, action, accounts, form)
        try:
            if step == "preview":
                rows = action.preview(accounts, form.cleaned_data, request.user)
                return self.bulk_page(request, action, accounts, form, rows=rows)
            rows = action.perform(accounts, form.cleaned_data, request.user)
        except AccountsError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return self.bulk_page(request, action, accounts, form)
        self.bulk_done(request, action, rows)
        return None  # Django redirects to the list, its filters kept

    def bulk_done(self, request, action: BulkAction, rows) -> None:
        refused = [row for row in rows if row.refused]
        unchanged = [row for row in rows if not row.refused and not row.changes]
        done = len(rows) - len(refused) - len(unchanged)
        text = MSG_DONE.format(
            label=action.label, done=done, unchanged=len(unchanged), refused=len(refused)
        )
        self.message_user(request, text, messages.WARNING if refused else messages.SUCCESS)
        for row in refused[:10]:
            self.message_user(
                request,
                MSG_REFUSED_ONE.format(number=row.account.number, message=row.refused),
                messages.WARNING,
            )

    def bulk_page(self, request, action: BulkAction, accounts, form, rows=None):
        opts = self.model._meta
        context = {
            **self.admin_site.each_context(request),
            "opts": opts,
            "title": action.label.rstrip("…"),
            "action": action,
            "action_name": action_name(action),
            "accounts": accounts,
            "form": form,
            "rows": rows,
            "confirming": rows is not None,
            "will_change": sum(1 for r in rows or () if not r.refused and r.changes),
            "refused": sum(1 for r in rows or () if r.refused),
            "checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "back_url": request.get_full_path(),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.bulk_template, context)


def _lock_form_kwargs() -> dict:
    return {"backend_status": S.ADMINISTRATIVE_HOLD, "default_reason": LOCK_REASON}


account_list.bulk.register(
    BulkAction(
        "schedule-status", 10, "Schedule a status change (R-E4)…", CHANGE_STATUS,
        ScheduleForm, bulk_actions.preview_schedule, bulk_actions.perform_schedule,
        intro="Each account gets its own scheduled change, listed on its overview and "
        "cancellable until its date; the lifecycle is checked again when it runs.",
    ),
    BulkAction(
        "lock", 20, "Lock (administrative hold)…", LOCK,
        ReasonForm, bulk_actions.preview_lock, bulk_actions.perform_lock,
        intro="Locked accounts lose service and control-panel access until an operator "
        "releases them; their renewal deadline (R-G3) no longer applies.",
        form_kwargs=_lock_form_kwargs,
    ),
)  # fmt: skip
