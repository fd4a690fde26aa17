"""bench_pages' Account Statistics case (issue 18): it adds the history once, times the page
cached, after a status change and counted, and writes its own section of the report."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from accounts.models import StatusChange
from billing.models import DunningEvent, Settlement
from subscriptions.management.bench.statistics import MARK_END, MARK_START

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run(report, **options):
    call_command(
        "bench_pages",
        accounts=500,
        runs=2,
        warmup=0,
        statistics_only=True,
        write=True,
        output=report,
        **options,
    )


def test_the_statistics_case_writes_its_section_and_adds_the_history_once(tmp_path, on_postgres):
    report = tmp_path / "PERFORMANCE.md"
    report.write_text(f"# Performance\n\nkept\n\n{MARK_START}\nold\n{MARK_END}\n")
    run(report)
    text = report.read_text()
    assert "kept" in text and "old" not in text and text.count(MARK_START) == 1
    assert "## Account Statistics page at 500 accounts (issue 18)" in text
    for case in ("cached", "after a status change", "counted"):
        assert f"| Account Statistics page ({case}) (`" in text, case
    assert "| Beat task refresh_account_statistics (full count) |" in text
    history = StatusChange.objects.filter(note__startswith="bench").count()
    assert history >= 500 and DunningEvent.objects.exists() and Settlement.objects.exists()
    run(report, reuse_data=True)  # the same data set: no second history
    assert StatusChange.objects.filter(note__startswith="bench").count() == history
