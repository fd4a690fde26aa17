"""The Users list of the operator portal: Unlock / Lock User Account in the gear menu (GFI seed,
R-G2, R-G3), and each user's accounts with their status."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import Prefetch
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from . import services
from .admin_forms import ReasonForm
from .admin_gear import GearAction, GearMenuMixin
from .admin_paging import LargeListAdmin
from .errors import AccountsError
from .models import BackendStatus, Membership
from .unlocking import LOCK_REASON

User = get_user_model()


class PortalUserAdmin(LargeListAdmin, GearMenuMixin, UserAdmin):
    list_display = ["username", "email", "accounts_and_status", "is_staff", "is_active"]
    gear_actions = (
        GearAction(
            "unlock", "Unlock User Account", "accounts.unlock_user_account", "unlock_action"
        ),
        GearAction("lock", "Lock User Account", "accounts.lock_user_account", "lock_action"),
    )

    def get_queryset(self, request):
        memberships = Membership.objects.select_related("account__status_type").order_by(
            "account__number"
        )
        return (
            super()
            .get_queryset(request)
            .prefetch_related(Prefetch("memberships", queryset=memberships))
        )

    @admin.display(description="Accounts")
    def accounts_and_status(self, user):
        rows = [
            (m.account.number, m.account.status_type.backend_status, m.account.status_type.name)
            for m in user.memberships.all()
        ]
        if not rows:
            return "—"
        return format_html_join(
            mark_safe("<br>"),  # noqa: S308 - a constant
            '{} <span class="status-pill status-{}">{}</span>',
            rows,
        )

    def unlock_action(self, request, user, action):
        """R-G2: every decision is shown; a refusal is the service's message, verbatim."""
        try:
            attempts = services.unlock_user_account(user, actor=request.user)
        except AccountsError as exc:
            return self.gear_done(request, user, exc.message, messages.ERROR)
        for attempt in attempts:
            level = messages.SUCCESS if attempt.allowed else messages.WARNING
            self.message_user(request, attempt.message, level)
        return self.gear_done(request, user, None)

    def lock_action(self, request, user, action):
        def perform(data):
            changes = services.lock_user_account(
                user, actor=request.user, reason=data["reason"], note=data["note"]
            )
            numbers = ", ".join(change.account.number for change in changes)
            return f"Locked {len(changes)} account(s) of {user}: {numbers or 'none changed'}."

        return self.run_form_action(
            request,
            user,
            action,
            form_class=ReasonForm,
            perform=perform,
            form_kwargs={
                "backend_status": BackendStatus.ADMINISTRATIVE_HOLD,
                "default_reason": LOCK_REASON,
            },
            intro=f"Every Active, Credit hold or Suspended account of {user} goes to "
            "Administrative hold; the customer cannot use the service until an operator "
            "unlocks it.",
        )


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, PortalUserAdmin)
