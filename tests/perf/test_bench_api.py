"""Issue 19's bench (`manage.py bench_api`) at a tiny size: payments through the REST API under
wrk (each request its own account and Idempotency-Key) while the credit-hold and dunning sweeps
loop on the same database, then GET account; it prints the table and the ledger checks. Timings
are documented in docs/PERFORMANCE.md, never asserted here. Needs wrk (apt-get install -y wrk)."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from accounts.models import ServiceApiKey
from billing.models import EntryKind, LedgerEntry


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # gunicorn and the sweeps read the data on their own
def test_bench_api_runs_payments_beside_the_sweeps_and_prints_the_table(on_postgres):
    out = StringIO()
    call_command(
        "bench_api",
        accounts=200,
        seconds=3,
        warmup=1,
        requests=50,
        cpu_requests=5,
        connections=4,
        workers=2,
        threads=2,  # gthread workers, as in the Procfile
        cache_url=settings.CELERY_BROKER_URL,  # this suite's own Redis database
        stdout=out,
    )
    report = out.getvalue()
    assert "2 gunicorn workers × 2 threads" in report
    assert "| run | requests | requests/s | p50 | p95 | p99 | non-2xx | socket errors |" in report
    rows = {
        row[0]: row[1:]
        for row in re.findall(
            r"^\| (POST payments|GET account) \| ([\d,]+) \|.*\| (\d+) \| (\d+) \|$", report, re.M
        )  # fmt: skip
    }
    assert set(rows) == {"POST payments", "GET account"}
    for label, (requests, non2xx, socket_errors) in rows.items():
        assert int(requests.replace(",", "")) > 0 and (non2xx, socket_errors) == ("0", "0"), label
    assert re.search(r"CPU per request.*POST payments [\d.]+ ms, GET account [\d.]+ ms", report)
    assert "accounts whose ledger sum ≠ cached balance: 0" in report  # R-B1
    assert re.search(r"sweep rounds during the runs: [1-9]", report)
    timed = r"^api:bench-[0-9a-f]{8}-"  # the warm-up's keys end their nonce with "w"
    paid = LedgerEntry.objects.filter(kind=EntryKind.PAYMENT, idempotency_key__regex=timed)
    answered = int(rows["POST payments"][0].replace(",", ""))
    assert answered <= paid.count() <= answered + 4  # + those in flight when wrk stopped
    assert not ServiceApiKey.objects.filter(name__startswith="bench-api-").exists()


@pytest.mark.django_db
def test_bench_api_refuses_sqlite_with_a_clear_message(monkeypatch):
    monkeypatch.setattr(connection, "vendor", "sqlite")
    with pytest.raises(CommandError, match="bench_api needs PostgreSQL"):
        call_command("bench_api", accounts=200)


@pytest.mark.postgres
@pytest.mark.django_db
def test_bench_api_refuses_a_redis_that_is_not_on_this_machine(on_postgres):
    with pytest.raises(CommandError, match="--cache-url must be a Redis on 127.0.0.1"):
        call_command("bench_api", accounts=200, cache_url="redis://example.com:6379/0")


@pytest.mark.postgres
@pytest.mark.django_db
def test_bench_api_refuses_a_thread_count_out_of_range(on_postgres):
    with pytest.raises(CommandError, match="--threads must be between 0"):
        call_command("bench_api", accounts=200, threads=-1)
