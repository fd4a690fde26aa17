"""Times with offsets Python accepts and PostgreSQL cannot read (beyond ±15:59) are taken in UTC
by the money and status services: never a database error (issue 15 item 10, found by
schemathesis on the REST API)."""

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from django.utils import timezone as dj_timezone

from accounts import services as account_services
from accounts.actors import Actor
from accounts.models import BackendStatus as S
from billing import services
from billing.models import LedgerEntry
from tests.accounts.states import account_in

pytestmark = pytest.mark.django_db
FAR_WEST = timezone(-timedelta(hours=17, minutes=47))


def test_a_charge_stamped_with_a_far_offset_marks_negative_since_at_that_instant(operator):
    account = account_in(S.ACTIVE, operator, allowed_negative_days=30)
    now = (dj_timezone.now() - timedelta(hours=1)).astimezone(FAR_WEST)

    entry = services.post_charge(
        account, Decimal("5.00"), description="Usage", actor=Actor.system("test"), now=now
    )

    account.refresh_from_db()
    assert LedgerEntry.objects.filter(pk=entry.pk).exists()
    assert account.balance == Decimal("-5.00") and account.negative_since == now


def test_a_status_change_effective_at_a_far_offset_is_written(operator):
    account = account_in(S.ACTIVE, operator)
    when = (dj_timezone.now() - timedelta(minutes=5)).astimezone(FAR_WEST)

    change = account_services.change_status(
        account, "Suspended", actor=Actor.system("R-X3"), reason="Non-payment", effective_at=when
    )

    assert change.effective_at == when


def test_a_time_that_leaves_the_calendar_in_utc_is_a_domain_error(operator):
    account = account_in(S.ACTIVE, operator)
    edge = datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1)))

    with pytest.raises(services.BillingError):
        services.record_payment(
            account, Decimal("5.00"), idempotency_key="edge", actor=Actor.system("t"), now=edge
        )
