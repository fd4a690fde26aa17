"""R-X7: `manage.py simulate` runs every sweep day by day and prints what changed."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Account, StatusChange
from billing import services
from tests.accounts.factories import AccountFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def overdue(operator):
    account = AccountFactory(actor=operator, name="Overdue Ltd")
    services.set_financial_blocking_threshold(account, "-500", actor=operator)
    services.issue_invoice(account, amount="30", billing_date=date(2026, 11, 1), actor=operator)
    return account


def simulate(*args):
    out = StringIO()
    call_command("simulate", *args, stdout=out)
    return out.getvalue()


def test_r_x7_simulate_prints_each_step_and_keeps_nothing_by_default(overdue):
    rows = StatusChange.objects.count()
    output = simulate("--from", "2026-11-01", "--to", "2026-11-20")
    assert "2026-11-03" in output
    assert "Active → Suspended until Paid (R-D1)" in output
    assert "Closed until Paid → Terminated (R-D3)" in output
    assert "rolled back" in output
    assert StatusChange.objects.count() == rows
    assert Account.objects.get(pk=overdue.pk).status_type.name == "Active"


def test_r_x7_simulate_with_commit_keeps_the_result(overdue):
    simulate("--from", "2026-11-01", "--to", "2026-11-09", "--commit")
    assert Account.objects.get(pk=overdue.pk).status_type.name == "Closed until Paid"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--from", "yesterday", "--to", "2026-11-01"), "must be a date"),
        (("--from", "2026-11-02", "--to", "2026-11-01"), "before --from"),
        (("--from", "2000-01-01", "--to", "2026-11-01"), "At most"),
    ],
)
def test_r_x7_bad_dates_are_refused_with_a_message(args, message):
    with pytest.raises(CommandError, match=message):
        simulate(*args)
