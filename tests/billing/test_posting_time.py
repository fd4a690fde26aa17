"""R-B4: a posting takes effect at the time it is given — "negative since", due dates and
history rows use it, never the wall clock (so time travel, R-X7, keeps the allowed period P)."""

import re
from datetime import date, datetime, timedelta
from decimal import Decimal as D
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import StatusChange
from billing import services
from billing.errors import InvalidDate
from billing.models import DunningPolicy, OpenItem, RecurringCharge
from tests.accounts.factories import AccountFactory

pytestmark = pytest.mark.django_db
START = date(2031, 3, 1)  # far from the wall clock: a stamp from it would show


def at(day: date, hour: int = 12) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()) + timedelta(hours=hour))


@pytest.fixture
def patient(operator):
    """A postpaid account allowed 5 days in the red, with no ladder steps to hold it first."""
    account = AccountFactory(actor=operator, name="Patient Ltd")
    quiet = DunningPolicy.objects.create(name="No ladder", default_allowed_negative_days=5)
    services.assign_policy(account, quiet, actor=operator)
    services.set_financial_blocking_threshold(account, "-1000", actor=operator)
    return account


def test_r_b4_a_60_day_simulate_with_p_5_holds_on_day_6(patient):
    RecurringCharge.objects.create(
        account=patient, description="Line", amount=D("40.00"), next_billing_date=START
    )
    out = StringIO()
    end = START + timedelta(days=59)
    call_command("simulate", "--from", f"{START}", "--to", f"{end}", stdout=out)
    days = re.findall(
        r"^(\d{4}-\d\d-\d\d):.*\n(?:  .*\n)*?  \S+ Patient Ltd: Active →", out.getvalue(), re.M
    )
    assert days[:1] == [f"{START + timedelta(days=5)}"], out.getvalue()


def test_r_b4_negative_since_and_the_hold_take_the_postings_time(patient, operator):
    when = at(START)
    services.post_charge(patient, "10.00", description="usage", actor=operator, now=when)
    patient.refresh_from_db()
    assert patient.negative_since == when
    assert OpenItem.objects.get(account=patient).due_date == START
    services.set_financial_blocking_threshold(
        patient, "0", actor=operator, now=when + timedelta(hours=1)
    )
    change = StatusChange.objects.filter(account=patient).first()
    assert change.effective_at == when + timedelta(hours=1)


def test_r_b4_an_invoice_for_another_day_takes_effect_on_its_billing_date(patient, operator):
    services.issue_invoice(patient, amount="10.00", billing_date=START, actor=operator)
    patient.refresh_from_db()
    assert patient.negative_since == at(START, 0)


def test_r_b4_a_payment_takes_its_time_too(patient, operator):
    services.post_charge(patient, "10.00", description="usage", actor=operator, now=at(START))
    services.record_payment(
        patient, "10.00", idempotency_key="p", actor=operator, now=at(START + timedelta(days=2))
    )
    item = OpenItem.objects.get(account=patient)
    assert item.settled_at == at(START + timedelta(days=2))


@pytest.mark.parametrize("bad", [date(2031, 3, 1), datetime(2031, 3, 1, 12), "2031-03-01", 5])
def test_r_b4_a_posting_time_that_is_not_an_aware_datetime_is_refused(patient, operator, bad):
    with pytest.raises(InvalidDate, match="posting time"):
        services.post_charge(patient, "1.00", description="x", actor=operator, now=bad)
    patient.refresh_from_db()
    assert patient.balance == D("0")


def test_r_b4_a_backdated_invoice_holds_no_earlier_than_the_status_it_leaves(operator):
    """An invoice billed before the account's last change takes effect on its billing date for
    money (negative since), but the hold's history row never precedes the status it leaves."""
    account = AccountFactory(actor=operator, allowed_negative_days=0)
    billed = timezone.localdate() - timedelta(days=10)
    services.issue_invoice(account, amount="10.00", billing_date=billed, actor=operator)
    account.refresh_from_db()
    assert account.negative_since == at(billed, 0)
    rows = list(StatusChange.objects.filter(account=account).order_by("id"))
    assert rows[-1].to_type.backend_status == "credit_hold"
    assert [r.effective_at for r in rows] == sorted(r.effective_at for r in rows)
