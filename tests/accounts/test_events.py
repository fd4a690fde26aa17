"""Provisioning events (R-X6): an outbox row with every status change, in its transaction;
fan-out to matching endpoints; signed POSTs to a real receiver on 127.0.0.1, retried, given up."""

import hashlib
import hmac
import json
import socket
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts import events, services
from accounts.errors import InvalidEvent
from accounts.events import ACCOUNT_STATUS_CHANGED, deliver, dispatch, emit, fan_out
from accounts.models import OutboxEvent, WebhookDelivery, WebhookEndpoint
from accounts.tasks import deliver_webhook
from tests.accounts.factories import AccountFactory

pytestmark = pytest.mark.django_db
SECRET = "receiver-shared-secret"
Status = WebhookDelivery.Status


class Receiver:
    """A real HTTP server on loopback that checks signatures like a provider's switch would."""

    def __init__(self):
        self.requests = []
        self.replies = []  # status codes to answer, in order; 200 once they run out
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
                receiver.requests.append(
                    {
                        "headers": dict(self.headers),
                        "body": json.loads(body),
                        "verified": hmac.compare_digest(
                            expected, self.headers.get("X-Lifecycle-Signature", "")
                        ),
                    }
                )
                code = receiver.replies.pop(0) if receiver.replies else 200
                self.send_response(code)
                self.end_headers()
                self.wfile.write(b"ok" if code < 400 else b"receiver says no")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/lifecycle"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def endpoint(receiver):
    return WebhookEndpoint.objects.create(name="Fax server", url=receiver.url, secret=SECRET)


@pytest.fixture
def no_broker(monkeypatch):
    """The broker is the only thing left out: collect what would be enqueued."""
    enqueued = []
    monkeypatch.setattr(events, "_enqueue_deliveries", enqueued.extend)
    return enqueued


def suspend(account, operator):
    return services.change_status(account, "Suspended", actor=operator, reason="Customer request")


def one_delivery(account, operator):
    OutboxEvent.objects.all().delete()
    suspend(account, operator)
    fan_out(enqueue=False)
    return WebhookDelivery.objects.get()


def test_r_x6_every_account_status_change_writes_one_outbox_event(operator):
    account = AccountFactory(actor=operator)
    created = OutboxEvent.objects.get(account=account)
    assert created.payload["from"] == {"type": None, "backend_status": None}
    change = suspend(account, operator)
    event = OutboxEvent.objects.filter(account=account).first()
    assert event.event_type == ACCOUNT_STATUS_CHANGED
    assert event.subject == f"account:{account.number}"
    assert event.payload["to"] == {"type": "Suspended", "backend_status": "suspended"}
    assert event.payload["from"]["backend_status"] == "active"
    assert event.payload["status_change_id"] == change.pk
    assert event.payload["actor"] == {"kind": "operator", "user": operator.username, "rule_id": ""}
    assert OutboxEvent.objects.filter(account=account).count() == 2


def test_r_x6_a_rolled_back_change_leaves_no_event(operator):
    account = AccountFactory(actor=operator)
    before = OutboxEvent.objects.count()

    def change_then_fail():
        with transaction.atomic():
            suspend(account, operator)
            raise RuntimeError("the caller's transaction fails after the change")

    with pytest.raises(RuntimeError):
        change_then_fail()
    assert OutboxEvent.objects.count() == before


def test_emit_stores_json_and_refuses_what_it_cannot_send(operator):
    event = emit("subscription.status_changed", "subscription:7", {"on": timezone.now().date()})
    assert isinstance(event.payload["on"], str)
    with pytest.raises(InvalidEvent, match="lower-case words joined by dots"):
        emit("Subscription Changed", "subscription:7", {})
    with pytest.raises(InvalidEvent, match="subject"):
        emit("subscription.status_changed", "", {})
    with pytest.raises(InvalidEvent, match="JSON object"):
        emit("subscription.status_changed", "subscription:7", {"x": object()})


def test_r_x6_fan_out_makes_one_delivery_per_matching_active_endpoint_once(operator):
    everything = WebhookEndpoint.objects.create(name="All", url="http://127.0.0.1:9/a")
    accounts_only = WebhookEndpoint.objects.create(
        name="Accounts", url="http://127.0.0.1:9/b", event_types=["account.*"]
    )
    WebhookEndpoint.objects.create(name="Off", url="http://127.0.0.1:9/c", active=False)
    account = AccountFactory(actor=operator)
    OutboxEvent.objects.all().delete()
    suspend(account, operator)
    emit("subscription.status_changed", "subscription:1", {})
    assert fan_out(enqueue=False) == 3  # "All" takes both events, "Accounts" the account one
    pairs = set(WebhookDelivery.objects.values_list("endpoint__name", "event__event_type"))
    assert pairs == {
        ("All", ACCOUNT_STATUS_CHANGED),
        ("All", "subscription.status_changed"),
        ("Accounts", ACCOUNT_STATUS_CHANGED),
    }
    assert fan_out(enqueue=False) == 0
    assert not WebhookDelivery.objects.filter(endpoint__name="Off").exists()
    assert everything.deliveries.count() == 2 and accounts_only.deliveries.count() == 1


def test_r_x6_delivery_is_signed_and_verified_by_the_receiver(endpoint, receiver, operator):
    delivery = one_delivery(AccountFactory(actor=operator), operator)
    now = timezone.now()
    delivered = deliver(delivery.pk, now=now)
    assert delivered.status == Status.DELIVERED and delivered.attempts == 1
    assert delivered.last_status_code == 200 and delivered.delivered_at == now
    [request] = receiver.requests
    assert request["verified"] is True
    assert request["headers"]["X-Lifecycle-Timestamp"] == str(int(now.timestamp()))
    assert request["headers"]["X-Lifecycle-Event"] == ACCOUNT_STATUS_CHANGED
    assert request["body"]["id"] == str(delivery.event.uuid)
    assert request["body"]["data"]["to"]["backend_status"] == "suspended"
    assert deliver(delivery.pk, now=now) is None  # delivered once, never again


def test_r_x6_a_wrong_secret_fails_the_receivers_check(endpoint, receiver, operator):
    endpoint.secret = "not-the-receivers-secret"
    endpoint.save()
    deliver(one_delivery(AccountFactory(actor=operator), operator).pk)
    assert receiver.requests[0]["verified"] is False


def test_r_x6_a_500_is_retried_after_the_backoff_and_then_delivered(
    endpoint, receiver, operator, settings
):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 30
    receiver.replies = [500]
    delivery = one_delivery(AccountFactory(actor=operator), operator)
    now = timezone.now()
    failed_once = deliver(delivery.pk, now=now)
    assert failed_once.status == Status.PENDING and failed_once.last_status_code == 500
    assert "HTTP 500" in failed_once.last_error
    assert failed_once.next_attempt_at == now + timedelta(seconds=30)
    assert deliver(delivery.pk, now=now + timedelta(seconds=29)) is None  # not due yet
    retried = deliver(delivery.pk, now=now + timedelta(seconds=30))
    assert retried.status == Status.DELIVERED and retried.attempts == 2
    assert len(receiver.requests) == 2 and all(r["verified"] for r in receiver.requests)


def test_r_x6_backoff_doubles_and_is_capped(settings):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 30
    settings.WEBHOOK_RETRY_MAX_SECONDS = 100
    assert [events.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 100, 100]


def test_r_x6_gives_up_after_the_limit_and_shows_failed_in_the_admin(
    endpoint, receiver, operator, settings, client
):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    receiver.replies = [500, 502, 503, 200]
    delivery = one_delivery(AccountFactory(actor=operator), operator)
    now = timezone.now()
    for _ in range(3):
        now += timedelta(hours=2)
        last = deliver(delivery.pk, now=now)
    assert last.status == Status.FAILED and last.attempts == 3
    assert last.last_error.startswith("Gave up after 3 attempts: HTTP 503")
    assert deliver(delivery.pk, now=now + timedelta(days=1)) is None
    assert len(receiver.requests) == 3
    client.force_login(operator)
    page = client.get(reverse("admin:accounts_webhookdelivery_changelist") + "?status=failed")
    assert page.status_code == 200 and "Gave up after 3 attempts" in page.content.decode()


def test_r_x6_a_refused_connection_is_retried(operator):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    WebhookEndpoint.objects.create(name="Down", url=f"http://127.0.0.1:{port}/", secret=SECRET)
    delivery = deliver(one_delivery(AccountFactory(actor=operator), operator).pk)
    assert delivery.status == Status.PENDING and delivery.last_error.startswith("Connection error")
    assert delivery.next_attempt_at is not None


def test_r_x6_a_4xx_is_final(endpoint, receiver, operator):
    receiver.replies = [400]
    delivery = deliver(one_delivery(AccountFactory(actor=operator), operator).pk)
    assert delivery.status == Status.FAILED and delivery.last_status_code == 400
    assert "receiver says no" in delivery.last_error


def test_r_x6_dispatch_fans_out_and_enqueues_due_deliveries_only(endpoint, operator, no_broker):
    account = AccountFactory(actor=operator)
    OutboxEvent.objects.all().delete()
    suspend(account, operator)
    now = timezone.now()
    result = dispatch(now=now)
    assert result["fanned_out"] == 1 and result["enqueued"] == 1
    [delivery] = WebhookDelivery.objects.all()
    assert no_broker == [delivery.pk]
    WebhookDelivery.objects.update(next_attempt_at=now + timedelta(minutes=5))
    assert dispatch(now=now)["enqueued"] == 0


def test_r_x6_dispatch_gives_up_a_last_attempt_that_never_reported_back(
    endpoint, operator, no_broker, settings
):
    delivery = one_delivery(AccountFactory(actor=operator), operator)
    now = timezone.now()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        attempts=settings.WEBHOOK_MAX_ATTEMPTS, next_attempt_at=now - timedelta(seconds=1)
    )
    assert dispatch(now=now)["gave_up"] == 1
    delivery.refresh_from_db()
    assert delivery.status == Status.FAILED and "did not report back" in delivery.last_error


def test_r_x6_an_operator_can_send_a_failed_delivery_again(
    endpoint, receiver, operator, no_broker, django_capture_on_commit_callbacks
):
    receiver.replies = [410]
    delivery = deliver(one_delivery(AccountFactory(actor=operator), operator).pk)
    assert delivery.status == Status.FAILED
    with django_capture_on_commit_callbacks(execute=True):
        again = events.retry_delivery(delivery, actor=operator)
    assert (again.status, again.attempts, no_broker) == (Status.PENDING, 0, [delivery.pk])
    assert deliver_webhook(delivery.pk) == Status.DELIVERED


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_r_x6_a_status_change_reaches_the_receiver_through_a_real_worker(
    celery_worker, receiver, operator
):
    WebhookEndpoint.objects.create(
        name="Switch", url=receiver.url, secret=SECRET, event_types=["account.status_changed"]
    )
    account = AccountFactory(actor=operator)
    suspend(account, operator)  # committed: on_commit enqueues the fan-out, which enqueues delivery
    deadline = timezone.now() + timedelta(seconds=60)
    while (
        timezone.now() < deadline
        and WebhookDelivery.objects.filter(status=Status.DELIVERED).count() < 2
    ):
        threading.Event().wait(0.2)
    assert WebhookDelivery.objects.filter(status=Status.DELIVERED).count() == 2
    assert {r["body"]["data"]["to"]["type"] for r in receiver.requests} == {"Active", "Suspended"}
    assert all(r["verified"] for r in receiver.requests)
