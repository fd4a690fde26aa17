"""Acceptance of issue 14 (R-CH4b, R-B1): a hypothesis state machine over charges, invoices, fees,
payments, reversals, sweeps with an advancing `today`, unlocks, exemptions, threshold changes and
Enable, on PostgreSQL. After every step: the ledger sum equals the cached balance; the amount the
rendered panel banner and the admin overview show is required_payment's; and when that amount is
positive, paying exactly it (in a savepoint, rolled back) returns the account to Active."""

from __future__ import annotations

import contextlib
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import count

import pytest
import time_machine
from django.db import transaction
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from accounts import services as account_services
from accounts.errors import AccountsError
from accounts.models import BackendStatus as S
from billing import ladder, services
from billing.admin_overview import money
from billing.defaults import PREPAID_LOCK
from billing.errors import BillingError
from billing.models import DunningPolicy, LedgerEntry
from billing.sweeps import credit_hold_sweep, dunning_sweep
from tests.accounts.factories import AccountFactory, MembershipFactory, OperatorFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

START = datetime(2026, 3, 1, 12, tzinfo=UTC)
cents = st.integers(min_value=1, max_value=20_000).map(lambda c: Decimal(c) / 100)
signed_cents = st.integers(min_value=-20_000, max_value=5_000).map(lambda c: Decimal(c) / 100)
BANNER = re.compile(r'id="hold-amount">([0-9.]+) ')
OVERVIEW = re.compile(r'id="overview-required"><strong>([0-9.]+) ')
ERRORS = (AccountsError, BillingError)


class MoneyMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.savepoint = transaction.savepoint()  # each example leaves nothing behind
        self.keys = count()
        self.now = START
        self.clock = time_machine.travel(self.now, tick=False)
        self.clock.start()

    def teardown(self):
        self.clock.stop()
        transaction.savepoint_rollback(self.savepoint)

    @initialize(prepaid_lock=st.booleans(), credit_limit=st.booleans())
    def open_account(self, prepaid_lock, credit_limit):
        self.operator = OperatorFactory()
        self.user = UserFactory()
        self.account = AccountFactory(actor=self.operator, next_payment_date=START.date())
        MembershipFactory(account=self.account, user=self.user)
        if prepaid_lock:
            policy = DunningPolicy.objects.get(name=PREPAID_LOCK)
            services.assign_policy(self.account, policy, actor=self.operator)
        if credit_limit:
            services.set_financial_blocking_threshold(self.account, "-100", actor=self.operator)
        self.client = Client()

    def _try(self, call, *args, **kwargs):
        with contextlib.suppress(*ERRORS):  # a domain refusal is a legitimate outcome
            call(*args, **kwargs)
        self.account.refresh_from_db()

    @rule(amount=cents)
    def charge(self, amount):
        self._try(
            services.post_charge, self.account, amount, description="usage", actor=self.operator
        )

    @rule(amount=cents, due_in=st.integers(min_value=0, max_value=10))
    def invoice(self, amount, due_in):
        today = self.now.date()
        self._try(
            services.issue_invoice,
            self.account,
            amount=amount,
            billing_date=today,
            due_date=today + timedelta(days=due_in),
            actor=self.operator,
        )

    @rule(amount=cents)
    def fee(self, amount):
        self._try(services.post_fee, self.account, amount, description="fee", actor=self.operator)

    @rule(amount=cents)
    def pay(self, amount):
        key = f"pay-{next(self.keys)}"
        self._try(
            services.record_payment, self.account, amount, idempotency_key=key, actor=self.operator
        )

    @rule(pick=st.integers(min_value=0, max_value=50))
    def reverse(self, pick):
        entries = list(
            LedgerEntry.objects.filter(
                account=self.account, reverses__isnull=True, reversed_by__isnull=True
            ).order_by("id")
        )
        if entries:
            self._try(services.reverse_entry, entries[pick % len(entries)], actor=self.operator)

    @rule(days=st.integers(min_value=1, max_value=6))
    def advance_and_sweep(self, days):
        self.now += timedelta(days=days)
        self.clock.stop()
        self.clock = time_machine.travel(self.now, tick=False)
        self.clock.start()
        credit_hold_sweep(self.now)
        dunning_sweep(self.now.date())
        self.account.refresh_from_db()

    @rule()
    def unlock(self):
        self._try(
            account_services.unlock_user_account,
            self.user,
            actor=self.operator,
            today=self.now.date(),
        )

    @rule(vip=st.booleans(), days=st.integers(min_value=1, max_value=10))
    def exempt(self, vip, days):
        until = None if vip else self.now.date() + timedelta(days=days)
        self._try(
            account_services.set_dunning_exemption,
            self.account,
            exempt=vip,
            until=until,
            actor=self.operator,
            today=self.now.date(),
        )

    @rule()
    def end_exemption(self):
        self._try(
            account_services.set_dunning_exemption,
            self.account,
            exempt=False,
            actor=self.operator,
            today=self.now.date(),
        )

    @rule(threshold=signed_cents)
    def set_threshold(self, threshold):
        self._try(
            services.set_financial_blocking_threshold, self.account, threshold, actor=self.operator
        )

    @rule()
    def enable(self):
        if self.account.backend_status == S.CANCELLED:
            self._try(ladder.enable_account, self.account, actor=self.operator)

    @invariant()
    def ledger_equals_balance(self):
        if hasattr(self, "account"):
            assert services.ledger_sum(self.account) == self.account.balance

    @invariant()
    def the_amount_asked_everywhere_releases_the_account(self):
        if not hasattr(self, "account"):
            return
        account = self.account
        required = services.required_payment(account)
        self._check_pages(account, required)
        if required <= 0:
            return
        savepoint = transaction.savepoint()
        try:
            services.record_payment(account, required, idempotency_key="probe", actor=self.operator)
            account.refresh_from_db()
            assert account.backend_status == S.ACTIVE, (
                f"paid the required {required}: still {account.status_type.name}"
            )
        finally:
            transaction.savepoint_rollback(savepoint)
            account.refresh_from_db()

    def _check_pages(self, account, required):
        overview = render_to_string(
            "admin/billing/overview/money.html", {"data": money(account, self.now), "a": account}
        )
        assert Decimal(OVERVIEW.search(overview).group(1)) == required
        if account.backend_status != S.CREDIT_HOLD:
            return  # R-CH6: the banner is a credit hold's
        self.client.force_login(self.user)  # a session signed in days ago may have expired
        page = self.client.get(reverse("panel:dashboard", args=[account.number]))
        shown = BANNER.search(page.content.decode())
        if required > 0:
            assert shown and Decimal(shown.group(1)) == required
        else:
            assert shown is None


SETTINGS = settings(
    max_examples=25,
    stateful_step_count=15,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


def test_r_ch4b_paying_the_required_amount_releases_in_every_reachable_state(on_postgres):
    run_state_machine_as_test(MoneyMachine, settings=SETTINGS)
