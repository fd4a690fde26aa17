"""One broker for the bench's sender and its two workers, and a bound on every wait (issue 15,
item 12).

Celery reads CELERY_BROKER_URL and CELERY_RESULT_BACKEND from the environment before the
`broker=`/`backend=` an app is given, so a sender built with `broker=BENCH_BROKER_URL` in a
shell that exports CELERY_BROKER_URL published where no bench worker listened, and waited an
hour. The sender now lives in an environment that names the bench broker (the same dict the
workers' environment is built from) and checks what it got; the workers must answer a ping on
that broker within a minute, and each phase must finish within the task timeout while both
worker processes are alive — otherwise a BenchError says which wait ran out."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

from celery import Celery

DEFAULT_BENCH_BROKER = "redis://127.0.0.1:6379/11"
CONNECT_TIMEOUT_S = 60.0
TASK_TIMEOUT_S = 1800.0
POLL_S = 0.2
MSG_WRONG_BROKER = "The bench sender would publish to {got}, not to the workers' broker {want}."
MSG_NO_WORKERS = (
    "The bench workers did not answer on {broker} within {seconds:.0f} s "
    "(is Redis running there? BENCH_BROKER_URL sets it)."
)
MSG_WORKER_EXITED = "Bench worker {number} exited with code {code}: {stderr}"
MSG_TASK_TIMEOUT = "The bench's {task} did not finish within {seconds:.0f} s on {broker}."


class BenchError(RuntimeError):
    """A bench run that cannot go on; the command shows the message."""


def bench_broker_url() -> str:
    return os.environ.get("BENCH_BROKER_URL", DEFAULT_BENCH_BROKER)


def broker_env() -> dict[str, str]:
    """The broker and result backend, as both the sender and the workers read them."""
    url = bench_broker_url()
    return {"CELERY_BROKER_URL": url, "CELERY_RESULT_BACKEND": url}


@contextmanager
def sender_app() -> Iterator[Celery]:
    """A Celery app that publishes to and reads results from the bench broker, whatever this
    process's environment said (it is restored afterwards)."""
    wanted = broker_env()
    saved = {key: os.environ.get(key) for key in wanted}
    os.environ.update(wanted)
    url = wanted["CELERY_BROKER_URL"]
    sender = Celery("bench", broker=url, backend=url)
    try:
        for got in (sender.conf.broker_url, sender.conf.result_backend):
            if got != url:
                raise BenchError(MSG_WRONG_BROKER.format(got=got, want=url))
        yield sender
    finally:
        sender.close()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def check_alive(workers: list[subprocess.Popen]) -> None:
    for number, worker in enumerate(workers, start=1):
        code = worker.poll()
        if code is not None:
            stderr = worker.stderr.read().decode(errors="replace")[-2000:] if worker.stderr else ""
            raise BenchError(MSG_WORKER_EXITED.format(number=number, code=code, stderr=stderr))


def wait_for_workers(sender: Celery, prefix: str, workers: list, timeout: float) -> None:
    """Until every worker named `prefix`… answers a ping on the sender's broker."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        check_alive(workers)
        replies = sender.control.ping(timeout=1.0) or []
        if len({name for reply in replies for name in reply if name.startswith(prefix)}) >= len(
            workers
        ):
            return
    raise BenchError(MSG_NO_WORKERS.format(broker=sender.conf.broker_url, seconds=timeout))


def wait_for_results(results: list, workers: list, timeout: float, broker: str) -> None:
    """Every result ready within `timeout` while the workers live; a task's error is raised."""
    deadline = time.monotonic() + timeout
    for result in results:
        while not result.ready():
            check_alive(workers)
            if time.monotonic() > deadline:
                raise BenchError(
                    MSG_TASK_TIMEOUT.format(task=result.name, seconds=timeout, broker=broker)
                )
            time.sleep(POLL_S)
        result.get(timeout=CONNECT_TIMEOUT_S)


def stop_workers(workers: list[subprocess.Popen]) -> None:
    """Terminate, then kill what has not stopped within 30 s."""
    for worker in workers:
        worker.terminate()
    for worker in workers:
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(10)
