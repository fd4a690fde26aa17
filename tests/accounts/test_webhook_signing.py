"""Standard Webhooks signing (issue 19, deliverable 3): a receiver on 127.0.0.1 checks a real
delivery with the official `standardwebhooks` library, configured as the README says; a body
replayed under a fresh timestamp fails; the deprecated X-Lifecycle-* headers are still sent."""

import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone
from standardwebhooks import Webhook, WebhookVerificationError

from accounts import services, webhooks
from accounts.events import deliver, fan_out
from accounts.models import OutboxEvent, WebhookDelivery, WebhookEndpoint
from tests.accounts.factories import AccountFactory

pytestmark = pytest.mark.django_db
SECRET = "9f2c4e1a7b3d5f60"  # as the admin shows it once (hex, like every generated secret)


class RawReceiver:
    """A real HTTP server that keeps each request's raw body and headers, as a receiver reads
    them before verifying."""

    def __init__(self):
        self.requests: list[tuple[bytes, dict]] = []
        self.replies: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((body, {k.lower(): v for k, v in self.headers.items()}))
                self.send_response(receiver.replies.pop(0) if receiver.replies else 200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver():
    server = RawReceiver()
    yield server
    server.server.shutdown()
    server.server.server_close()


@pytest.fixture
def delivery(receiver, operator):
    WebhookEndpoint.objects.create(name="Switch", url=receiver.url, secret=SECRET)
    account = AccountFactory(actor=operator)
    OutboxEvent.objects.all().delete()
    services.change_status(account, "Suspended", actor=operator, reason="Customer request")
    fan_out(enqueue=False, now=timezone.now() - timedelta(minutes=2))
    return WebhookDelivery.objects.get()


def receivers_library():
    """The receiver's side, configured as the README says: whsec_ + base64 of the secret."""
    return Webhook(webhooks.receiver_secret(SECRET))


def test_standard_webhooks_a_delivery_verifies_with_the_official_library(receiver, delivery):
    now = timezone.now()
    deliver(delivery.pk, now=now)
    [(body, headers)] = receiver.requests
    data = receivers_library().verify(body, headers)
    assert data["id"] == str(delivery.event.uuid) == headers["webhook-id"]
    assert headers["webhook-timestamp"] == str(int(now.timestamp()))
    assert headers["webhook-signature"].startswith("v1,")
    assert webhooks.receiver_secret(SECRET) == "whsec_OWYyYzRlMWE3YjNkNWY2MA=="


def test_standard_webhooks_a_replayed_body_with_a_fresh_timestamp_fails(receiver, delivery):
    deliver(delivery.pk, now=timezone.now() - timedelta(minutes=1))
    [(body, headers)] = receiver.requests
    replayed = {**headers, "webhook-timestamp": str(int(timezone.now().timestamp()))}
    with pytest.raises(WebhookVerificationError):
        receivers_library().verify(body, replayed)
    receivers_library().verify(body, headers)  # the original still verifies


def test_standard_webhooks_an_other_secret_fails(receiver, delivery):
    deliver(delivery.pk, now=timezone.now())
    [(body, headers)] = receiver.requests
    with pytest.raises(WebhookVerificationError):
        Webhook(webhooks.receiver_secret("someone-else")).verify(body, headers)


def test_standard_webhooks_the_id_is_stable_across_retries_and_the_time_is_each_attempts(
    receiver, delivery
):
    receiver.replies = [500]
    first = timezone.now() - timedelta(seconds=60)
    deliver(delivery.pk, now=first)
    deliver(delivery.pk, now=first + timedelta(seconds=60))
    (body1, h1), (body2, h2) = receiver.requests
    assert body1 == body2 and h1["webhook-id"] == h2["webhook-id"] == str(delivery.event.uuid)
    assert int(h2["webhook-timestamp"]) - int(h1["webhook-timestamp"]) == 60
    assert h1["webhook-signature"] != h2["webhook-signature"]
    receivers_library().verify(body2, h2)


def test_standard_webhooks_the_deprecated_headers_are_still_sent(receiver, delivery):
    now = timezone.now()
    deliver(delivery.pk, now=now)
    [(body, headers)] = receiver.requests
    assert webhooks.verify(SECRET, body, headers["x-lifecycle-signature"])
    assert headers["x-lifecycle-timestamp"] == headers["webhook-timestamp"]
    assert headers["x-lifecycle-event-id"] == headers["webhook-id"]
    assert headers["x-lifecycle-event"] == "account.status_changed"


def test_standard_webhooks_the_key_is_shown_once_with_the_secret(client):
    from django.urls import reverse

    from accounts.admin_groups import ADMINISTRATOR
    from tests.admin.conftest import staff_in

    client.force_login(staff_in(ADMINISTRATOR, "admin-operator"))
    page = client.post(
        reverse("admin:accounts_webhookendpoint_add"),
        {"name": "Fax", "url": "https://fax.example.com/hook", "active": "on", "event_types": "[]"},
    ).content.decode()
    endpoint = WebhookEndpoint.objects.get(name="Fax")
    assert webhooks.receiver_secret(endpoint.secret) in page
    changelist = client.get(reverse("admin:accounts_webhookendpoint_changelist")).content.decode()
    assert webhooks.receiver_secret(endpoint.secret) not in changelist
