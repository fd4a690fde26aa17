"""The operator groups of DESIGN §1 and their permissions, used by the data migration and tests.

Permissions are named as strings ("app_label.codename") so this module imports no app above
accounts. Each group holds everything of the group before it: Support agent ⊂ Billing manager ⊂
Administrator. Functions take the model classes so the migration can pass its historical models.
"""

SUPPORT_AGENT = "Support agent"
BILLING_MANAGER = "Billing manager"
ADMINISTRATOR = "Administrator"

# Support agents look everything up and run Unlock / Lock User Account (GFI seed, R-G2).
SUPPORT_AGENT_PERMISSIONS = (
    "auth.view_user",
    "accounts.view_account",
    "accounts.view_accountstatustype",
    "accounts.view_statusreason",
    "accounts.view_membership",
    "accounts.view_statuschange",
    "accounts.view_scheduledstatuschange",
    "accounts.view_unlockattempt",
    "accounts.view_accountaudit",
    "accounts.view_webhookdelivery",
    "accounts.view_outboxevent",
    "billing.view_ledgerentry",
    "billing.view_invoice",
    "billing.view_openitem",
    "billing.view_settlement",
    "billing.view_dunningpolicy",
    "billing.view_dunningstep",
    "subscriptions.view_plan",
    "subscriptions.view_subscription",
    "subscriptions.view_subscriptionchange",
    "subscriptions.view_resource",
    "accounts.unlock_user_account",
    "accounts.lock_user_account",
    "accounts.view_reseller",  # issue 17: whose account it is (R-R1)
    # issue 16: the notice templates and the notices sent (R-D7)
    "billing.view_stepnotice",
    "billing.view_remindernotice",
    "billing.view_noticelog",
)
# Billing managers: payments, thresholds, approvals, status changes and the dunning policies.
BILLING_MANAGER_PERMISSIONS = (
    *SUPPORT_AGENT_PERMISSIONS,
    "accounts.change_account_status",
    "billing.record_payment",
    "billing.set_financial_blocking_threshold",
    "billing.bill_account",
    "subscriptions.approve_subscription",
    "billing.add_dunningpolicy",
    "billing.change_dunningpolicy",
    "billing.add_dunningstep",
    "billing.change_dunningstep",
    "billing.delete_dunningstep",
    "billing.add_stepnotice",  # issue 16: notice templates (R-D7)
    "billing.change_stepnotice",
    "billing.delete_stepnotice",
    "billing.add_remindernotice",
    "billing.change_remindernotice",
    "billing.delete_remindernotice",
    "billing.view_recurringcharge",
    "accounts.view_jobfailure",  # issue 15: the batch jobs' failures, where an operator sees them
)
# Administrators: the setup pages and the operators themselves.
ADMINISTRATOR_PERMISSIONS = (
    *BILLING_MANAGER_PERMISSIONS,
    "accounts.add_account",
    "accounts.change_account",
    "accounts.add_membership",
    "accounts.change_membership",
    "accounts.delete_membership",
    "accounts.add_accountstatustype",
    "accounts.change_accountstatustype",
    "accounts.delete_accountstatustype",
    "accounts.add_statusreason",
    "accounts.change_statusreason",
    "accounts.delete_statusreason",
    "accounts.add_scheduledstatuschange",
    "accounts.view_webhookendpoint",
    "accounts.add_webhookendpoint",
    "accounts.change_webhookendpoint",
    "accounts.delete_webhookendpoint",
    "accounts.view_serviceapikey",
    "accounts.add_serviceapikey",
    "accounts.change_serviceapikey",
    "billing.delete_dunningpolicy",
    "subscriptions.add_plan",
    "subscriptions.change_plan",
    "auth.add_user",
    "auth.change_user",
    "auth.view_group",
    "auth.add_group",
    "auth.change_group",
    # issue 17: resellers, their operators, moving an account between them (R-R1, R-R3)
    "accounts.add_reseller",
    "accounts.change_reseller",
    "accounts.move_account_reseller",
    "accounts.view_operatorprofile",
    "accounts.add_operatorprofile",
    "accounts.change_operatorprofile",
    "accounts.delete_operatorprofile",
)
OPERATOR_GROUPS = {
    SUPPORT_AGENT: SUPPORT_AGENT_PERMISSIONS,
    BILLING_MANAGER: BILLING_MANAGER_PERMISSIONS,
    ADMINISTRATOR: ADMINISTRATOR_PERMISSIONS,
}


def _permissions(permission_model, names):
    found = {}
    for name in names:
        app_label, codename = name.split(".", 1)
        permission = permission_model.objects.filter(
            content_type__app_label=app_label, codename=codename
        ).first()
        if permission is None:
            raise LookupError(f"The permission {name} does not exist; is its migration applied?")
        found[name] = permission
    return list(found.values())


def ensure_operator_groups(group_model, permission_model) -> None:
    """Create any missing operator group with its permissions; existing groups are left as
    administrators set them."""
    for name, permission_names in OPERATOR_GROUPS.items():
        group, created = group_model.objects.get_or_create(name=name)
        if created:
            group.permissions.set(_permissions(permission_model, permission_names))


# Permissions added to the groups after they were first created: a data migration grants them to
# the existing groups of that name (an administrator's own edits of the group are kept).
ADDED_LATER = {
    SUPPORT_AGENT: ("billing.view_openitem", "billing.view_settlement"),
    BILLING_MANAGER: (
        "billing.view_openitem",
        "billing.view_settlement",
        "accounts.view_jobfailure",
    ),
    ADMINISTRATOR: (
        "billing.view_openitem",
        "billing.view_settlement",
        "accounts.view_jobfailure",
    ),
}


def grant_added_permissions(group_model, permission_model) -> None:
    """Give the existing operator groups the permissions added to them since they were made."""
    for name, permission_names in ADDED_LATER.items():
        group = group_model.objects.filter(name=name).first()
        if group is not None:
            group.permissions.add(*_permissions(permission_model, permission_names))


# Issue 17's permissions, granted to the existing groups by accounts' migration 0016.
RESELLER_PERMISSIONS = {
    SUPPORT_AGENT: ("accounts.view_reseller",),
    BILLING_MANAGER: ("accounts.view_reseller",),
    ADMINISTRATOR: tuple(
        p for p in ADMINISTRATOR_PERMISSIONS if "reseller" in p or "operatorprofile" in p
    ),
}


def grant_reseller_permissions(group_model, permission_model) -> None:
    """Give the existing operator groups issue 17's permissions (resellers, R-R1–R-R3)."""
    for name, permission_names in RESELLER_PERMISSIONS.items():
        group = group_model.objects.filter(name=name).first()
        if group is not None:
            group.permissions.add(*_permissions(permission_model, permission_names))


# Issue 16's permissions (notice templates and the notice log, R-D7), granted to the existing
# groups by billing's migration 0014.
NOTICE_PERMISSIONS = {
    SUPPORT_AGENT: tuple(p for p in SUPPORT_AGENT_PERMISSIONS if "notice" in p),
    BILLING_MANAGER: tuple(p for p in BILLING_MANAGER_PERMISSIONS if "notice" in p),
    ADMINISTRATOR: tuple(p for p in BILLING_MANAGER_PERMISSIONS if "notice" in p),
}


def grant_notice_permissions(group_model, permission_model) -> None:
    """Give the existing operator groups issue 16's notice permissions (R-D7)."""
    for name, permission_names in NOTICE_PERMISSIONS.items():
        group = group_model.objects.filter(name=name).first()
        if group is not None:
            group.permissions.add(*_permissions(permission_model, permission_names))
