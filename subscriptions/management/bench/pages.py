"""The page benchmark's people and in-process timings: an operator and a customer on the bench
data set, each page requested through django.test.Client after a warm-up, p50/p95 and the number
of queries one request makes."""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Account, BackendStatus, Membership

OPERATOR = "bench-pages-operator"
CUSTOMER = "bench-pages-customer"
SEED = 8


@dataclass
class Timing:
    """One page's timings in milliseconds and the queries of one request."""

    page: str
    url: str
    runs: list[float]
    queries: int

    @property
    def p50(self) -> float:
        return statistics.median(self.runs)

    @property
    def p95(self) -> float:
        return statistics.quantiles(self.runs, n=20, method="inclusive")[18]


def people() -> tuple[object, object, Account]:
    """A superuser operator and a customer member of one Active account with a ledger entry."""
    users = get_user_model()
    operator = users.objects.filter(username=OPERATOR).first() or users.objects.create_superuser(
        OPERATOR, f"{OPERATOR}@example.invalid", None
    )
    account = (
        Account.objects.filter(status_type__backend_status=BackendStatus.ACTIVE, balance__gt=0)
        .order_by("pk")
        .first()
    )
    customer = users.objects.filter(username=CUSTOMER).first() or users.objects.create_user(
        CUSTOMER, f"{CUSTOMER}@example.invalid", None
    )
    Membership.objects.get_or_create(user=customer, account=account)
    return operator, customer, account


def sample_accounts(count: int) -> list[Account]:
    """Accounts spread over the id range (every status bucket of the data set)."""
    bounds = Account.objects.order_by("pk").values_list("pk", flat=True)
    low, high = bounds.first(), bounds.last()
    rng = random.Random(SEED)  # noqa: S311 - a repeatable sample, not a secret
    wanted = sorted({rng.randint(low, high) for _ in range(count * 2)})[: count * 2]
    found = list(Account.objects.filter(pk__in=wanted).order_by("?")[:count])
    return found or list(Account.objects.all()[:count])


def client_for(user) -> Client:
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    return client


def measure(
    page: str, client: Client, urls: Callable[[int], str], runs: int, warmup: int, before=None
) -> Timing:
    """GET urls(i) `warmup` times untimed, then `runs` times timed; every answer must be 200."""
    for i in range(warmup):
        _get(client, urls(i))
    timings = []
    for i in range(runs):
        if before is not None:
            before()
        url = urls(warmup + i)
        started = time.perf_counter()
        _get(client, url)
        timings.append((time.perf_counter() - started) * 1000)
    if before is not None:
        before()
    with CaptureQueriesContext(connection) as queries:
        _get(client, urls(0))
    return Timing(page, urls(0), timings, len(queries))


def _get(client: Client, url: str) -> None:
    response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}")


def in_process(operator, customer, account: Account, *, runs: int, warmup: int) -> list[Timing]:
    """Every page the issue names, measured one after the other in this process."""
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "127.0.0.1"]
    admin, panel = client_for(operator), client_for(customer)
    changelist = reverse("admin:accounts_account_changelist")
    count = Account.objects.count()
    rng = random.Random(SEED)  # noqa: S311
    numbers = [f"{rng.randint(1, count):010d}" for _ in range(runs + warmup)]
    fragments = [f"account {rng.randint(1000, 9999)}" for _ in range(runs + warmup)]
    overview = [
        reverse("admin:accounts_account_overview", args=[a.pk])
        for a in sample_accounts(runs + warmup)
    ]
    dashboard = reverse("panel:dashboard", args=[account.number])
    index = reverse("admin:index")
    statuses = [BackendStatus.CREDIT_HOLD, BackendStatus.SUSPENDED, BackendStatus.CANCELLED]

    def status_filter(i):
        return f"{changelist}?status_type__backend_status__exact={statuses[i % len(statuses)]}"

    pages = [
        ("Admin account list", admin, lambda i: changelist, None),
        ("Admin account list, status filter", admin, status_filter, None),
        (
            "Admin account list, search by number",
            admin,
            lambda i: f"{changelist}?q={numbers[i]}",
            None,
        ),
        (
            "Admin account list, search by name fragment",
            admin,
            lambda i: f"{changelist}?q={fragments[i].replace(' ', '+')}",
            None,
        ),
        ("Admin account list, page 2", admin, lambda i: f"{changelist}?p=2", None),
        ("Admin index with Account Statistics (cached)", admin, lambda i: index, None),
        ("Admin index with Account Statistics (counted)", admin, lambda i: index, cache.clear),
        ("Account overview", admin, lambda i: overview[i % len(overview)], None),
        ("Control-panel dashboard", panel, lambda i: dashboard, None),
    ]
    return [
        measure(name, client, urls, runs, warmup, before) for name, client, urls, before in pages
    ]
