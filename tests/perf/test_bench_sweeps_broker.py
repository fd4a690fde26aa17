"""Issue 15, item 12: bench_sweeps' sender and its two workers use one broker whatever
CELERY_BROKER_URL says in the environment, and no wait is unbounded."""

import os
import subprocess
import sys
import time
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command

from subscriptions.management.bench import broker

ELSEWHERE = "redis://127.0.0.1:1/0"  # nothing listens there


@pytest.fixture
def bench_broker(monkeypatch):
    """The bench on this suite's own Redis database; the shell's variable points elsewhere."""
    monkeypatch.setenv("BENCH_BROKER_URL", settings.CELERY_BROKER_URL)
    monkeypatch.setenv("CELERY_BROKER_URL", ELSEWHERE)
    monkeypatch.setenv("CELERY_RESULT_BACKEND", ELSEWHERE)
    return settings.CELERY_BROKER_URL


def test_the_sender_and_the_workers_get_the_bench_broker_not_the_environments(bench_broker):
    assert broker.broker_env() == {
        "CELERY_BROKER_URL": bench_broker,
        "CELERY_RESULT_BACKEND": bench_broker,
    }
    with broker.sender_app() as sender:
        assert sender.conf.broker_url == bench_broker
        assert sender.conf.result_backend == bench_broker
    assert os.environ["CELERY_BROKER_URL"] == ELSEWHERE  # restored


def test_a_task_no_worker_takes_is_given_up_after_the_timeout_with_a_message(bench_broker):
    with broker.sender_app() as sender:
        result = sender.send_task("billing.tasks.dunning_sweep", queue="bench-nobody-listens")
        started = time.monotonic()
        with pytest.raises(broker.BenchError, match="did not finish within 1 s"):
            broker.wait_for_results([result], [], timeout=1.0, broker=bench_broker)
        assert time.monotonic() - started < 10
        sender.control.purge()


def test_workers_that_never_answer_are_given_up_with_a_message(bench_broker):
    silent = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])  # noqa: S603
    try:
        with broker.sender_app() as sender, pytest.raises(broker.BenchError, match="not answer"):
            broker.wait_for_workers(sender, "bench-nobody", [silent], timeout=1.0)
    finally:
        broker.stop_workers([silent])


def test_a_worker_that_dies_is_reported_with_its_exit_code(bench_broker):
    dead = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])  # noqa: S603
    dead.wait(10)
    with broker.sender_app() as sender, pytest.raises(broker.BenchError, match="code 3"):
        broker.wait_for_workers(sender, "bench-nobody", [dead], timeout=30.0)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # the command copies the database for the workers
def test_bench_sweeps_two_worker_phase_runs_with_celery_broker_url_set_elsewhere(
    bench_broker, on_postgres
):
    out = StringIO()
    call_command(
        "bench_sweeps",
        accounts=400,
        sample=20,
        repeat=1,
        slices=2,
        reset=True,
        worker_timeout=300,
        stdout=out,
    )
    report = out.getvalue()
    assert "Two workers:" in report and f"'broker': '{bench_broker}'" in report
    assert "doubled rows 0" in report
