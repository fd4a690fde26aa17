"""End to end on a real Celery worker (Redis broker): beat-style ticks drive a whole ladder."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from accounts.models import StatusChange
from billing import services
from billing.models import DunningEvent, DunningStep, LedgerEntry
from billing.tasks import credit_hold_sweep, dunning_sweep
from tests.accounts.factories import AccountFactory

BILLING_DAY = date(2026, 11, 1)


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_r_d1_to_r_d3_a_worker_drives_the_whole_ladder_by_advancing_today(celery_worker, operator):
    DunningStep.objects.filter(policy__name="Standard ladder").update(fee=Decimal("2.50"))
    account = AccountFactory(actor=operator)
    services.set_financial_blocking_threshold(account, "-500", actor=operator)
    services.issue_invoice(account, amount="49.90", billing_date=BILLING_DAY, actor=operator)
    seen = []
    for offset in range(0, 16):
        today = BILLING_DAY + timedelta(days=offset)
        dunning_sweep.delay(today=today.isoformat()).get(timeout=60)
        credit_hold_sweep.delay(now=f"{today.isoformat()}T12:00:00+00:00").get(timeout=60)
        account.refresh_from_db()
        if not seen or seen[-1][1] != account.status_type.name:
            seen.append((offset, account.status_type.name))
    assert seen == [
        (0, "Active"),
        (2, "Suspended until Paid"),
        (7, "Closed until Paid"),
        (14, "Terminated"),
    ]
    assert DunningEvent.objects.filter(account=account).count() == 3
    assert LedgerEntry.objects.filter(account=account, kind="fee").count() == 3
    assert StatusChange.objects.filter(account=account).exclude(rule_id="").count() == 3
    assert account.balance == services.ledger_sum(account) == Decimal("-57.40")
