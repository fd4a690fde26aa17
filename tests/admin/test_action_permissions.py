"""Issue 15 item 4: every change-list action needs the permission its gear equivalent needs.

The table is generated from `admin.site._registry`: an action added anywhere without a row in
ACTION_PERMISSIONS fails here, so a new action is covered from its first commit."""

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.admin_groups import ADMINISTRATOR, BILLING_MANAGER, SUPPORT_AGENT
from accounts.models import OutboxEvent, ScheduledStatusChange, WebhookDelivery, WebhookEndpoint
from tests.accounts.factories import AccountFactory

from .conftest import staff_in

pytestmark = pytest.mark.django_db

GROUPS = (SUPPORT_AGENT, BILLING_MANAGER, ADMINISTRATOR)
# (model label, action) → the permission it needs; "delete_selected" needs the model's delete.
ACTION_PERMISSIONS = {
    ("accounts.scheduledstatuschange", "cancel_selected"): "accounts.change_account_status",
    ("accounts.webhookdelivery", "send_again"): "accounts.change_webhookendpoint",
    ("accounts.account", "exempt_from_dunning"): "accounts.change_account",
    ("accounts.account", "end_dunning_exemption"): "accounts.change_account",
    ("accounts.accountstatustype", "delete_unused_types"): "accounts.delete_accountstatustype",
    ("axes.accessattempt", "cleanup_expired_attempts"): "axes.delete_accessattempt",
    # None: never offered (status types are deleted only by delete_unused_types, with checks).
    ("accounts.accountstatustype", "delete_selected"): None,
}


def registered_actions():
    for model, model_admin in admin.site._registry.items():
        for _func, name, _description in model_admin._get_base_actions():
            yield model._meta.label_lower, model, name


def required_permission(label, model, name):
    if (label, name) in ACTION_PERMISSIONS:
        return ACTION_PERMISSIONS[(label, name)]
    if name == "delete_selected":
        return f"{model._meta.app_label}.delete_{model._meta.model_name}"
    assert (label, name) in ACTION_PERMISSIONS, (
        f"the admin action {label}.{name} has no row in ACTION_PERMISSIONS: say which "
        "permission it needs (the one its gear equivalent needs) and add it"
    )
    return ACTION_PERMISSIONS[(label, name)]


CASES = [(label, name, group) for label, _m, name in registered_actions() for group in GROUPS]


@pytest.mark.parametrize(("label", "action", "group"), CASES)
def test_issue15_a_change_list_action_is_offered_only_with_its_permission(label, action, group):
    model = next(m for lbl, m, _n in registered_actions() if lbl == label)
    model_admin = admin.site._registry[model]
    user = staff_in(group, f"op-{group.split()[0].lower()}")
    request = RequestFactory().get("/")
    request.user = user

    offered = model_admin.has_view_or_change_permission(request) and action in (
        model_admin.get_actions(request)
    )

    permission = required_permission(label, model, action)
    assert offered == (permission is not None and user.has_perm(permission))


def test_issue15_every_registered_action_is_in_the_table():
    missing = [
        (label, name)
        for label, _model, name in registered_actions()
        if name != "delete_selected" and (label, name) not in ACTION_PERMISSIONS
    ]
    assert missing == []


def _scheduled(operator):
    account = AccountFactory(actor=operator)
    return services.schedule_status_change(
        account,
        services.get_status_type("Suspended"),
        reason="Customer request",
        effective_on=timezone.localdate().replace(year=2999),
        actor=operator,
    )


@pytest.mark.parametrize(("group", "cancelled"), [(SUPPORT_AGENT, False), (BILLING_MANAGER, True)])
def test_issue15_cancelling_scheduled_changes_from_the_list_needs_change_account_status(
    client, operator, group, cancelled
):
    scheduled = _scheduled(operator)
    client.force_login(staff_in(group, "lister"))

    client.post(
        reverse("admin:accounts_scheduledstatuschange_changelist"),
        {"action": "cancel_selected", "_selected_action": [scheduled.pk]},
    )

    scheduled.refresh_from_db()
    assert (scheduled.state == ScheduledStatusChange.State.CANCELLED) is cancelled


@pytest.mark.parametrize(
    ("group", "sent_again"),
    [(SUPPORT_AGENT, False), (BILLING_MANAGER, False), (ADMINISTRATOR, True)],
)
def test_issue15_sending_webhooks_again_needs_the_endpoints_change_permission(
    client, operator, group, sent_again
):
    endpoint = WebhookEndpoint.objects.create(name="Fax", url="https://fax.example.com/hook")
    event = OutboxEvent.objects.create(
        event_type="account.status_changed", subject="x", payload={}, created_at=timezone.now()
    )
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event=event, status=WebhookDelivery.Status.FAILED, attempts=8
    )
    client.force_login(staff_in(group, "resender"))

    client.post(
        reverse("admin:accounts_webhookdelivery_changelist"),
        {"action": "send_again", "_selected_action": [delivery.pk]},
    )

    delivery.refresh_from_db()
    assert (delivery.status != WebhookDelivery.Status.FAILED) is sent_again
