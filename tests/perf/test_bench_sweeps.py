"""bench_sweeps (issue 8) runs end to end on a small data set: the floor and the sweeps make the
same transitions, nothing is doubled. Timings live in docs/PERFORMANCE.md, not in tests."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from accounts.models import StatusChange


def name() -> str:
    return connection.settings_dict["NAME"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # it reads the history back on its own connection
def test_bench_sweeps_makes_the_floors_transitions_once_each(on_postgres):
    out = StringIO()
    call_command(
        "bench_sweeps", accounts=400, sample=20, repeat=2, reset=True, skip_workers=True, stdout=out
    )
    report = out.getvalue()
    # 38 before issue 16; the Standard ladder's credit-limit step (R-D1, seed 001) now also moves
    # the accounts the credit sweep holds on to Suspended until Paid: 70 on both sides.
    assert "transitions: floor 70, sweeps 70" in report
    assert "Accounts with two rows for one rule: 0" in report
    assert "Floor 1 (raw SQL, committed)" in report and "Floor 2 (raw SQL, committed)" in report
    assert "Project sweeps 2 (one process)" in report  # and both turns wrote the same history
    # The timed runs worked on copies, each dropped: the generated data itself is untouched.
    assert not StatusChange.objects.filter(rule_id="R-CH1").exists()
    with connection.cursor() as cursor:
        copies = [f"{name()}_{run}" for run in ("floor", "sweeps", "workers")]
        cursor.execute("SELECT count(*) FROM pg_database WHERE datname = ANY(%s)", [copies])
        assert cursor.fetchone()[0] == 0


@pytest.mark.django_db
def test_bench_sweeps_refuses_a_database_with_accounts_unless_reset(operator):
    from tests.accounts.factories import AccountFactory

    AccountFactory(actor=operator)
    with pytest.raises(CommandError, match="PostgreSQL|has accounts"):
        call_command("bench_sweeps", accounts=400, sample=10, skip_workers=True)


@pytest.mark.postgres
@pytest.mark.django_db
def test_bench_sweeps_refuses_zero_turns_with_a_message(on_postgres):
    with pytest.raises(CommandError, match="--repeat at least 1"):
        call_command("bench_sweeps", accounts=400, sample=10, repeat=0, skip_workers=True)
