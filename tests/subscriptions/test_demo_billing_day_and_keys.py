"""seed_demo shows R-S1 (Acme's Fax Basic ordered on a 31st renews on its billing day) and R-S3
(Cobalt: the fax server's key refused, the VoIP switch's allowed)."""

import io
import re
from datetime import date

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from billing.models import Invoice
from billing.recurring import add_months
from subscriptions.demo import last_31st
from subscriptions.models import Subscription

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 11, 30), date(2026, 10, 31)),
        (date(2026, 10, 31), date(2026, 10, 31)),
        (date(2026, 3, 5), date(2026, 1, 31)),
        (date(2026, 1, 2), date(2025, 12, 31)),
    ],
)
def test_last_31st(day, expected):
    assert last_31st(day) == expected


def test_r_s1_the_demo_fax_line_ordered_on_a_31st_renews_on_its_billing_day():
    call_command("seed_demo", password="demo-pass-123", stdout=io.StringIO())
    sub = Subscription.objects.get(account__number="9000000001", plan__name="Fax Basic")
    anchor = sub.billing_anchor
    assert anchor.day == 31
    days = list(
        Invoice.objects.filter(account=sub.account, description__startswith="Fax Basic")
        .order_by("billing_date")
        .values_list("billing_date", flat=True)
    )
    assert days == [add_months(anchor, n) for n in range(len(days))]
    assert len(days) >= 3 and sub.period_start == days[-1] <= timezone.localdate()
    assert sub.period_end == add_months(anchor, len(days))


def test_r_s3_the_demo_keys_answer_for_cobalt_per_service(client):
    out = io.StringIO()
    call_command("seed_demo", password="demo-pass-123", stdout=out)
    keys = dict(re.findall(r"Service API key (\S+): (\S+)", out.getvalue()))
    assert set(keys) == {"demo-fax-server", "demo-voip-switch"}

    def ask(name):
        url = reverse("api:entitlement", args=["9000000003"])
        return client.get(url, HTTP_AUTHORIZATION=f"Bearer {keys[name]}").json()

    assert ask("demo-fax-server") == {
        "allowed": False,
        "error": "ERROR: Account is locked or Invalid",
    }
    assert ask("demo-voip-switch") == {"allowed": True}
    again = io.StringIO()
    call_command("seed_demo", password="demo-pass-123", stdout=again)
    assert "Service API key" not in again.getvalue()  # shown once
