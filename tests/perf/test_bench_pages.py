"""`manage.py bench_pages` on a tiny data set: it completes, times every page, runs the load test
against a real gunicorn on loopback and writes its section between the markers (timings are
documented in docs/PERFORMANCE.md, never asserted here)."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from accounts.models import Account, ServiceApiKey
from subscriptions.management.commands.bench_pages import MARK_END, MARK_START

from .busy import accounts_of_every_status

PAGES = [
    "Admin account list",
    "Admin account list, status filter",
    "Admin account list, search by number",
    "Admin account list, search by name fragment",
    "Admin account list, page 2",
    "Admin index with Account Statistics (cached)",
    "Admin index with Account Statistics (counted)",
    "Account overview",
    "Control-panel dashboard",
]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_bench_pages_times_every_page_and_writes_its_section(tmp_path, on_postgres):
    report = tmp_path / "PERFORMANCE.md"
    report.write_text(
        f"# Performance\n\nkept above\n\n{MARK_START}\nold numbers\n{MARK_END}\n\nkept below\n"
    )
    call_command(
        "bench_pages",
        accounts=500,
        runs=2,
        warmup=0,
        seconds=1,
        connections=2,
        workers=2,
        write=True,
        output=report,
    )
    text = report.read_text()
    assert "kept above" in text and "kept below" in text and "old numbers" not in text
    assert text.count(MARK_START) == 1 and text.count(MARK_END) == 1
    assert "## Admin pages and control panel at 500 accounts" in text
    for page in PAGES:
        assert f"| {page} (`" in text, page
    for endpoint in ("Control-panel dashboard |", "Entitlement, one Active account |"):
        assert f"| {endpoint}" in text, endpoint
    assert "| Entitlement, a random account per request |" in text
    assert "bench_pages --accounts 500 --reset --write" in text
    assert Account.objects.count() == 500
    assert not ServiceApiKey.objects.filter(name__startswith="bench-pages-").exists()


@pytest.mark.postgres
@pytest.mark.django_db
def test_bench_pages_refuses_a_database_with_accounts_without_reset(operator, on_postgres):
    accounts_of_every_status(operator)
    with pytest.raises(CommandError, match="has accounts; use a bench database, or --reset"):
        call_command("bench_pages", accounts=500)
    assert Account.objects.count() == 7


@pytest.mark.django_db
def test_bench_pages_refuses_sqlite_with_a_clear_message(monkeypatch):
    monkeypatch.setattr(connection, "vendor", "sqlite")
    with pytest.raises(CommandError, match="bench_pages needs PostgreSQL"):
        call_command("bench_pages", accounts=500)
