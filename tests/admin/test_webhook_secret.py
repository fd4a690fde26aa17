"""Issue 15 item 11: an endpoint's signing secret is shown once (created, rotated), masked on every
other page, and rotated only by a role that may change endpoints, with a history row."""

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from accounts.admin_groups import ADMINISTRATOR, BILLING_MANAGER, SUPPORT_AGENT
from accounts.models import WebhookEndpoint
from accounts.webhook_secrets import mask_secret

from .conftest import staff_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_operator(db):
    return staff_in(ADMINISTRATOR, "admin-operator")


def _pages(client, endpoint):
    return "".join(
        client.get(url).content.decode()
        for url in (
            reverse("admin:accounts_webhookendpoint_changelist"),
            reverse("admin:accounts_webhookendpoint_change", args=[endpoint.pk]),
            reverse("admin:accounts_webhookendpoint_history", args=[endpoint.pk]),
        )
    )


def test_issue15_the_secret_is_shown_once_at_creation_then_masked(client, admin_operator):
    client.force_login(admin_operator)

    page = client.post(
        reverse("admin:accounts_webhookendpoint_add"),
        {"name": "Fax", "url": "https://fax.example.com/hook", "active": "on", "event_types": "[]"},
    )

    endpoint = WebhookEndpoint.objects.get(name="Fax")
    assert page.status_code == 200 and endpoint.secret in page.content.decode()
    others = _pages(client, endpoint)
    assert endpoint.secret not in others
    assert mask_secret(endpoint.secret) in others


def test_issue15_the_add_form_does_not_take_a_secret(client, admin_operator):
    client.force_login(admin_operator)
    client.post(
        reverse("admin:accounts_webhookendpoint_add"),
        {
            "name": "Fax",
            "url": "https://fax.example.com/hook",
            "secret": "chosen",
            "event_types": "[]",
        },
    )

    assert WebhookEndpoint.objects.get(name="Fax").secret != "chosen"


def test_issue15_rotating_asks_first_then_shows_the_new_secret_once_and_records_it(
    client, admin_operator
):
    endpoint = WebhookEndpoint.objects.create(name="VoIP", url="https://voip.example.com/hook")
    old = endpoint.secret
    url = reverse("admin:accounts_webhookendpoint_rotate-secret", args=[endpoint.pk])
    client.force_login(admin_operator)

    assert client.get(url).status_code == 405
    asked = client.post(url)
    endpoint.refresh_from_db()
    assert asked.status_code == 200 and endpoint.secret == old  # the confirmation page first

    shown = client.post(url, {"_step": "confirm", "note": "leaked in a ticket"})

    endpoint.refresh_from_db()
    assert endpoint.secret != old and endpoint.secret in shown.content.decode()
    assert endpoint.secret not in _pages(client, endpoint)
    entry = LogEntry.objects.get(object_id=str(endpoint.pk))
    assert entry.user == admin_operator
    assert entry.get_change_message() == "Rotated the signing secret. leaked in a ticket"


@pytest.mark.parametrize("group", [SUPPORT_AGENT, BILLING_MANAGER])
def test_issue15_rotating_needs_the_endpoints_change_permission(client, group):
    endpoint = WebhookEndpoint.objects.create(name="VoIP", url="https://voip.example.com/hook")
    old = endpoint.secret
    client.force_login(staff_in(group, "rotator"))

    response = client.post(
        reverse("admin:accounts_webhookendpoint_rotate-secret", args=[endpoint.pk]),
        {"_step": "confirm"},
    )

    endpoint.refresh_from_db()
    assert response.status_code == 403 and endpoint.secret == old


def test_issue15_the_mask_shows_only_the_last_four_characters():
    assert mask_secret("a" * 60 + "beef") == "••••••••beef"
    assert mask_secret("") == "—"
