"""The Users list of the operator portal: Unlock / Lock User Account in the gear menu (GFI seed,
R-G2, R-G3), and each user's accounts with their status."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, Permission
from django.db.models import Prefetch, Q
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from . import services
from .admin_forms import ReasonForm
from .admin_gear import GearAction, GearMenuMixin
from .admin_paging import LargeListAdmin
from .admin_saving import SaveChangedFieldsMixin
from .errors import AccountsError
from .models import BackendStatus, Membership
from .unlocking import LOCK_REASON

User = get_user_model()


def grantable_permissions(user):
    """The permissions `user` may hand out: those they hold (issue 15 item 9: no escalation)."""
    if user.is_superuser:
        return Permission.objects.all()
    held = Q(pk__in=[])
    for name in user.get_all_permissions():
        app_label, codename = name.split(".", 1)
        held |= Q(content_type__app_label=app_label, codename=codename)
    return Permission.objects.filter(held)


def grantable_groups(user):
    """The groups `user` may hand out: those whose every permission they hold."""
    if user.is_superuser:
        return Group.objects.all()
    beyond = Permission.objects.exclude(pk__in=grantable_permissions(user).values("pk"))
    return Group.objects.exclude(permissions__in=beyond)


class GrantOnlyWhatYouHoldMixin:
    """Only a superuser edits a superuser or hands out superuser status; anyone else grants
    only the permissions and groups they hold themselves."""

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name in ("permissions", "user_permissions"):
            kwargs["queryset"] = grantable_permissions(request.user)
        elif db_field.name == "groups":
            kwargs["queryset"] = grantable_groups(request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        if obj is not None and not request.user.is_superuser:
            if getattr(obj, "is_superuser", False):
                return False
            if isinstance(obj, Group) and not grantable_groups(request.user).filter(pk=obj.pk):
                return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        superuser_target = obj is not None and getattr(obj, "is_superuser", False)
        if superuser_target and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)


class PortalUserAdmin(
    SaveChangedFieldsMixin, GrantOnlyWhatYouHoldMixin, LargeListAdmin, GearMenuMixin, UserAdmin
):
    list_display = ["username", "email", "accounts_and_status", "is_staff", "is_active"]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly.append("is_superuser")  # issue 15 item 9
        return readonly

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


class PortalGroupAdmin(SaveChangedFieldsMixin, GrantOnlyWhatYouHoldMixin, GroupAdmin):
    """Groups: an Administrator cannot give their own group more than they hold."""


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, PortalUserAdmin)
if admin.site.is_registered(Group):
    admin.site.unregister(Group)
admin.site.register(Group, PortalGroupAdmin)
