"""seed_demo covers every back-end status and is idempotent."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from accounts.models import Account, BackendStatus, Membership, StatusChange

pytestmark = pytest.mark.django_db


def counts():
    return (
        Account.objects.count(),
        get_user_model().objects.count(),
        Membership.objects.count(),
        StatusChange.objects.count(),
    )


def test_seed_demo_creates_accounts_in_every_back_end_status():
    call_command("seed_demo", password="demo-pass-123")
    statuses = {a.backend_status for a in Account.objects.select_related("status_type")}
    assert statuses == set(BackendStatus.values)
    assert get_user_model().objects.get(username="operator").check_password("demo-pass-123")


def test_seed_demo_twice_creates_nothing_twice():
    call_command("seed_demo", password="demo-pass-123")
    first = counts()
    call_command("seed_demo", password="demo-pass-123")
    assert counts() == first


def test_every_demo_status_was_reached_with_a_history_row():
    call_command("seed_demo", password="demo-pass-123")
    for account in Account.objects.all():
        last = StatusChange.objects.filter(account=account).first()
        assert last.to_type_id == account.status_type_id


def test_seed_demo_shows_an_exemption_a_scheduled_change_and_an_inactive_endpoint():
    from accounts.models import ScheduledStatusChange, WebhookEndpoint

    call_command("seed_demo", password="demo-pass-123")
    assert Account.objects.get(number="9000000003").dunning_exempt_until is not None  # R-X2
    assert ScheduledStatusChange.objects.pending().filter(account__number="9000000001").count() == 1
    assert WebhookEndpoint.objects.get(name="Demo fax server").active is False
