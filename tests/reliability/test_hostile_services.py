"""Issue 15, item 10 (acceptance): every DESIGN §6 service, one argument at a time, meets hostile
values — NUL bytes, overlong text, out-of-range numbers, bools and floats where ints or decimals
go, non-dates, datetimes where dates go. Whatever comes in, only the app's domain error (a
subclass of accounts.errors.AccountsError, which billing's and subscriptions' errors extend)
escapes, with a message, and a refusal writes nothing. Each example runs in a savepoint that is
rolled back afterwards, so every example starts from the same accounts."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts import services as accounts
from accounts.actors import Actor
from accounts.errors import AccountsError
from accounts.models import (
    Account,
    AccountAudit,
    OutboxEvent,
    ScheduledStatusChange,
    StatusChange,
    UnlockAttempt,
)
from accounts.services import MSG_NUMBER_TAKEN
from billing import ladder
from billing import services as billing
from billing.models import Invoice, LedgerEntry
from subscriptions import services as subscriptions
from subscriptions.models import Subscription, SubscriptionChange
from tests.accounts.factories import AccountFactory, MembershipFactory, UserFactory
from tests.subscriptions.factories import PlanFactory, funded_account

pytestmark = pytest.mark.django_db
EXAMPLES = 25
HOSTILE_RUN = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)
TODAY = date(2026, 3, 10)

HOSTILE = st.one_of(
    st.sampled_from(
        [
            "\x00",
            "a\x00b",
            "x" * 10_000,
            "",
            " ",
            "NaN",
            "Infinity",
            "1e400",
            "-1",
            "9" * 40,
            str(2**70),
            "１２３",
            "2026-02-30",
            "‮",
            "US",
            "USDD",
            None,
            True,
            False,
            0,
            -1,
            2**63,
            -(2**70),
            1.5,
            float("nan"),
            float("inf"),
            Decimal("NaN"),
            Decimal("sNaN"),
            Decimal("Infinity"),
            Decimal("1e40"),
            Decimal("0.001"),
            Decimal("-99999999999999.99"),
            date(1, 1, 1),
            date(9999, 12, 31),
            datetime(2026, 3, 10, 12, 0, tzinfo=UTC),
            datetime(2026, 3, 10, 12, 0),  # naive
            [],
            {},
            b"bytes",
            object(),
        ]
    ),
    st.text(max_size=300),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(),
    st.decimals(),
    st.dates(),
    st.datetimes(),
    st.booleans(),
)

WRITTEN = (
    Account,
    AccountAudit,
    OutboxEvent,
    ScheduledStatusChange,
    StatusChange,
    UnlockAttempt,
    Invoice,
    LedgerEntry,
    Subscription,
    SubscriptionChange,
)


def rows() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in WRITTEN}


class World:
    """The valid arguments each call starts from; one of them is replaced by a hostile value."""

    def __init__(self, operator):
        self.operator = operator
        self.actor = Actor.operator(operator)
        self.account = funded_account(operator, balance="500.00")
        self.plan = PlanFactory(price=Decimal("10.00"))
        self.subscription = subscriptions.order(
            self.account, self.plan, actor=self.actor, today=TODAY
        )
        self.payment = LedgerEntry.objects.filter(account=self.account, kind="payment").first()
        self.user = UserFactory()
        MembershipFactory(user=self.user, account=AccountFactory(actor=operator))
        self.scheduled = accounts.schedule_status_change(
            self.account,
            "Suspended",
            reason="Customer request",
            effective_on=date(2099, 1, 1),
            actor=self.actor,
            today=TODAY,
        )
        self.cancelled = AccountFactory(actor=operator)
        accounts.change_status(
            self.cancelled, "Cancelled", actor=self.actor, reason="Customer request"
        )


# service → (callable taking the world and the keyword arguments to override, hostile names)
SERVICES = {
    "create_account": (
        lambda w, **kw: accounts.create_account(**{"name": "Acme", "actor": w.actor, **kw}),
        [
            "name",
            "number",
            "currency",
            "status_type",
            "financial_blocking_threshold",
            "allowed_negative_days",
            "next_payment_date",
        ],
    ),
    "change_status": (
        lambda w, **kw: accounts.change_status(
            w.account,
            kw.pop("status_type", "Suspended"),
            **{"actor": w.actor, "reason": "Customer request", **kw},
        ),
        ["status_type", "reason", "effective_at", "note"],
    ),
    "unlock_user_account": (
        lambda w, **kw: accounts.unlock_user_account(w.user, actor=w.actor, **kw),
        ["today"],
    ),
    "record_payment": (
        lambda w, **kw: billing.record_payment(
            w.account,
            kw.pop("amount", "10.00"),
            **{"idempotency_key": "k-1", "actor": w.actor, **kw},
        ),
        ["amount", "idempotency_key", "currency", "description"],
    ),
    "post_charge": (
        lambda w, **kw: billing.post_charge(
            w.account, kw.pop("amount", "1.00"), **{"description": "usage", "actor": w.actor, **kw}
        ),
        ["amount", "description"],
    ),
    "post_adjustment": (
        lambda w, **kw: billing.post_adjustment(
            w.account, kw.pop("amount", "-1.00"), **{"description": "fix", "actor": w.actor, **kw}
        ),
        ["amount", "description"],
    ),
    "required_payment": (lambda w, **kw: billing.required_payment(w.account, **kw), ["now"]),
    "set_financial_blocking_threshold": (
        lambda w, **kw: billing.set_financial_blocking_threshold(
            w.account, kw.pop("threshold", "-50"), actor=w.actor, **kw
        ),
        ["threshold"],
    ),
    "issue_invoice": (
        lambda w, **kw: billing.issue_invoice(
            w.account, **{"amount": "5.00", "billing_date": TODAY, "actor": w.actor, **kw}
        ),
        ["amount", "billing_date", "due_date", "description"],
    ),
    "reverse_entry": (
        lambda w, **kw: billing.reverse_entry(w.payment, actor=w.actor, **kw),
        ["description"],
    ),
    "enable_account": (
        lambda w, **kw: ladder.enable_account(w.cancelled, actor=w.actor, **kw),
        ["reason", "preview"],
    ),
    "order": (
        lambda w, **kw: subscriptions.order(
            w.account, kw.pop("plan", w.plan), **{"actor": w.actor, "today": TODAY, **kw}
        ),
        ["plan", "trial", "today", "auto_renew"],
    ),
    "cancel": (
        lambda w, **kw: subscriptions.cancel(
            w.subscription, **{"option": "period_end", "actor": w.actor, "today": TODAY, **kw}
        ),
        ["option", "on_date", "today", "preview"],
    ),
    "schedule_status_change": (
        lambda w, **kw: accounts.schedule_status_change(
            w.account,
            kw.pop("status_type", "Suspended"),
            **{
                "reason": "Customer request",
                "effective_on": date(2099, 2, 1),
                "actor": w.actor,
                "today": TODAY,
                **kw,
            },
        ),
        ["status_type", "reason", "effective_on", "note", "today"],
    ),
}
CASES = [(service, arg) for service, (_, args) in SERVICES.items() for arg in args]


@pytest.fixture
def world(operator):
    return World(operator)


@pytest.mark.parametrize(("service", "argument"), CASES, ids=[f"{s}-{a}" for s, a in CASES])
@HOSTILE_RUN
@given(value=HOSTILE)
def test_only_domain_errors_escape_and_a_refusal_writes_nothing(world, service, argument, value):
    call, _ = SERVICES[service]
    with transaction.atomic():
        before = rows()
        try:
            call(world, **{argument: value})
        except AccountsError as refused:
            message = str(getattr(refused, "message", refused))  # noqa: PT017
            assert message.strip(), f"{service}({argument}={value!r}): a refusal says why"
            after = rows()
            if service == "unlock_user_account":  # R-G2: a refused unlock is recorded, by design
                after["UnlockAttempt"] = before["UnlockAttempt"]
            assert after == before, f"{service}({argument}={value!r}) wrote on a refusal"
        except Exception as escaped:  # noqa: BLE001 - the point: nothing else may escape
            pytest.fail(f"{service}({argument}={value!r}) let {escaped!r} escape")
        transaction.set_rollback(True)


def test_issue_15_an_account_number_already_used_is_refused_not_replaced(operator):
    AccountFactory(actor=operator, number="ACME-7")
    before = rows()
    with pytest.raises(AccountsError) as refused:
        accounts.create_account(name="Copy", number="ACME-7", actor=Actor.operator(operator))
    assert refused.value.message == MSG_NUMBER_TAKEN.format(number="ACME-7")
    assert rows() == before
