"""Plain admin pages for the new models, and R-X6 events for subscription status changes."""

import pytest
from django.urls import reverse

from accounts.models import OutboxEvent
from subscriptions import services
from tests.subscriptions.factories import PlanFactory, ResourceFactory, funded_account

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", ["plan", "resource", "subscription", "subscriptionchange"])
def test_the_admin_lists_and_shows_each_subscriptions_model(model, operator, client):
    account = funded_account(operator)
    ResourceFactory()
    sub = services.order(
        account, PlanFactory(resource_kind="fax number", resources_included=1), actor=operator
    )
    obj = {
        "plan": sub.plan,
        "resource": sub.resources.get(),
        "subscription": sub,
        "subscriptionchange": sub.history.first(),
    }[model]
    client.force_login(operator)
    changelist = client.get(reverse(f"admin:subscriptions_{model}_changelist"))
    change = client.get(reverse(f"admin:subscriptions_{model}_change", args=[obj.pk]))
    assert changelist.status_code == 200 and change.status_code == 200


def test_r_x6_every_subscription_status_change_writes_an_outbox_event(operator):
    account = funded_account(operator)
    sub = services.order(account, PlanFactory(), actor=operator)
    services.stop(sub, actor=operator)
    events = OutboxEvent.objects.filter(event_type="subscription.status_changed").order_by("id")
    assert [(e.payload["from"], e.payload["to"]) for e in events] == [
        (None, "activating"),
        ("activating", "active"),
        ("active", "stopping"),
        ("stopping", "stopped"),
    ]
    assert {e.subject for e in events} == {f"subscription:{sub.pk}"}
