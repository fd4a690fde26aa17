"""R-X2 dunning exemptions (shown and audited) and the admin for locks, schedules and events."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from accounts import services
from accounts.actors import Actor
from accounts.errors import InvalidExemption
from accounts.models import Account, AccountAudit, ScheduledStatusChange, WebhookDelivery
from tests.accounts.factories import AccountFactory

pytestmark = pytest.mark.django_db
TODAY = date(2031, 3, 1)


def test_r_x2_an_exempt_account_is_left_out_of_dunning_and_the_change_is_audited(operator):
    account = AccountFactory(actor=operator)
    rows = services.set_dunning_exemption(
        account, exempt=True, actor=operator, note="VIP", today=TODAY
    )
    assert [(r.field, r.old_value, r.new_value, r.note) for r in rows] == [
        ("dunning_exempt", "no", "yes", "VIP")
    ]
    assert rows[0].actor_user == operator
    assert account.is_dunning_exempt(TODAY)
    assert list(Account.objects.exempt_from_dunning(TODAY)) == [account]
    assert account not in Account.objects.subject_to_dunning(TODAY)
    assert services.set_dunning_exemption(account, exempt=True, actor=operator, today=TODAY) == []


def test_r_x2_exempt_until_a_date_lets_dunning_act_from_that_day(operator):
    account = AccountFactory(actor=operator)
    other = AccountFactory(actor=operator)
    until = TODAY + timedelta(days=10)
    services.set_dunning_exemption(account, exempt=False, until=until, actor=operator, today=TODAY)
    account.refresh_from_db()
    assert account.dunning_exempt_until == until
    for day, exempt in [(until - timedelta(days=1), True), (until, False)]:
        assert account.is_dunning_exempt(day) is exempt
        assert Account.objects.exempt_from_dunning(day).filter(pk=account.pk).exists() is exempt
        assert set(Account.objects.subject_to_dunning(day)) == (
            {other} if exempt else {account, other}
        )
    audit = AccountAudit.objects.get(account=account)
    assert (audit.field, audit.new_value) == ("dunning_exempt_until", until.isoformat())


def test_r_x2_exemption_refuses_past_dates_and_customers(operator, customer):
    account = AccountFactory(actor=operator)
    with pytest.raises(InvalidExemption, match="after today"):
        services.set_dunning_exemption(
            account, exempt=False, until=TODAY, actor=operator, today=TODAY
        )
    with pytest.raises(InvalidExemption, match="Only an operator"):
        services.set_dunning_exemption(account, exempt=True, actor=Actor.customer(customer))
    assert not AccountAudit.objects.exists()


@pytest.mark.parametrize(
    "model",
    [
        "accountaudit",
        "unlockattempt",
        "scheduledstatuschange",
        "webhookendpoint",
        "outboxevent",
        "webhookdelivery",
    ],
)
def test_every_new_accounts_model_has_an_admin_list(model, client, operator):
    client.force_login(operator)
    assert client.get(reverse(f"admin:accounts_{model}_changelist")).status_code == 200


def test_r_x2_admin_action_exempts_and_the_account_page_shows_the_audit(client, operator):
    account = AccountFactory(actor=operator)
    client.force_login(operator)
    client.post(
        reverse("admin:accounts_account_changelist"),
        {"action": "exempt_from_dunning", "_selected_action": [account.pk]},
    )
    account.refresh_from_db()
    assert account.dunning_exempt is True
    page = client.get(reverse("admin:accounts_account_change", args=[account.pk])).content.decode()
    assert "exempt from dunning" in page.lower() and "dunning_exempt" in page


def test_r_e4_admin_schedules_through_the_service_and_refuses_a_past_date(client, operator):
    account = AccountFactory(actor=operator)
    client.force_login(operator)
    form = {
        "account": account.pk,
        "status_type": services.get_status_type("Suspended").pk,
        "reason": services.get_reason("Customer request", "suspended").pk,
        "effective_on": "2000-01-01",
        "note": "",
    }
    page = client.post(reverse("admin:accounts_scheduledstatuschange_add"), form)
    assert page.status_code == 200 and "has passed" in page.content.decode()
    form["effective_on"] = "2999-01-01"
    assert client.post(reverse("admin:accounts_scheduledstatuschange_add"), form).status_code == 302
    scheduled = ScheduledStatusChange.objects.get()
    assert (scheduled.author, scheduled.actor_kind) == (operator, "operator")
    client.post(
        reverse("admin:accounts_scheduledstatuschange_changelist"),
        {"action": "cancel_selected", "_selected_action": [scheduled.pk]},
    )
    scheduled.refresh_from_db()
    assert scheduled.state == ScheduledStatusChange.State.CANCELLED


def test_r_x6_delivery_log_is_read_only_in_the_admin(client, operator):
    client.force_login(operator)
    assert client.get(reverse("admin:accounts_webhookdelivery_add")).status_code == 403
    assert WebhookDelivery.objects.count() == 0
