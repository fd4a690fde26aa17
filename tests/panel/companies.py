"""Companies with money, an invoice and a subscription, in each back-end status, reached through
the services as the product would; and the list of every control-panel URL."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.actors import Actor
from accounts.models import Account, Membership
from accounts.models import BackendStatus as S
from accounts.panel.access import Capability as C
from billing import services as billing
from billing.gateway import TestGateway
from billing.models import Invoice, LedgerEntry
from subscriptions import services as subscriptions
from subscriptions.models import Subscription
from tests.accounts.factories import UserFactory
from tests.accounts.states import FITTING_REASON, account_in
from tests.subscriptions.factories import PLAN_SHAPES, PlanFactory, funded_account

ALL_STATUSES = list(S)
CREDIT_NOTE = Decimal("1.00")


@dataclass
class Company:
    account: Account
    subscription: Subscription | None
    invoice: Invoice
    user: object
    credit_note: str = ""  # its number, CN-<account>-<n> (R-D8)

    @property
    def number(self) -> str:
        return self.account.number


def company_in(status: str, operator, *, user=None, balance="500.00", credit_note=True) -> Company:
    """A company of `user` (a new one if None) in `status`: a postpaid subscription (the
    subscriptions service orders only for Active companies, so a Prospect has none), an invoice,
    payments and (unless told not to) a credit note of 1.00 (R-D8)."""
    op = Actor.operator(operator)
    user = user or UserFactory()
    today = timezone.localdate()
    if status == S.PROSPECT:
        account = account_in(S.PROSPECT, operator)
        sub = None
    else:
        account = funded_account(operator, balance=balance)
        plan = PlanFactory(**PLAN_SHAPES["postpaid"], price=Decimal("19.00"))
        sub = subscriptions.order(account, plan, actor=op)
    invoice = billing.issue_invoice(account, amount="20.00", billing_date=today, actor=op)
    note = None
    if credit_note:
        note = billing.issue_credit_note(account, CREDIT_NOTE, description="Goodwill", actor=op)
    if status == S.CREDIT_HOLD:
        account.refresh_from_db()
        charge = account.balance - account.financial_blocking_threshold + Decimal("42.50")
        billing.post_usage(account, charge, description="Fax pages", actor=op)
    elif status not in (S.ACTIVE, S.PROSPECT):
        account_services.change_status(
            account,
            account_services.default_status_type(status),
            actor=op,
            reason=FITTING_REASON[status],
        )
    account.refresh_from_db()
    assert account.backend_status == status
    Membership.objects.create(user=user, account=account, role=Membership.Role.OWNER)
    if sub is not None:
        sub.refresh_from_db()
    return Company(account, sub, invoice, user, note.idempotency_key if note else "")


@dataclass(frozen=True)
class Url:
    name: str
    method: str
    capability: C
    needs: str = ""  # "subscription", "invoice", "credit_note" or "reference": the URL's id

    def path(self, number: str, company: Company, *, ids_of: Company | None = None) -> str:
        """The URL for company `number`, with the ids of `ids_of` (default: the same company)."""
        source = ids_of or company
        kwargs: dict = {"number": number}
        if self.needs == "subscription":
            kwargs["pk"] = source.subscription.pk if source.subscription else 987654321
        elif self.needs == "invoice":
            kwargs["pk"] = source.invoice.pk
        elif self.needs == "credit_note":
            kwargs["note"] = source.credit_note
        elif self.needs == "reference":
            intent = TestGateway().start_payment(source.account, "1.00", user=source.user)
            kwargs["reference"] = intent.reference
        return reverse(f"panel:{self.name}", kwargs=kwargs)


# Every company page of the control panel, with the method and the capability it needs.
URLS = [
    Url("dashboard", "GET", C.VIEW_DASHBOARD),
    Url("transactions", "GET", C.VIEW_TRANSACTIONS),
    Url("charges", "GET", C.VIEW_CHARGES),
    Url("invoice", "GET", C.VIEW_CHARGES, "invoice"),
    Url("credit_notes", "GET", C.VIEW_CHARGES),
    Url("credit_note", "GET", C.VIEW_CHARGES, "credit_note"),
    Url("pay", "GET", C.PAY),
    Url("pay", "POST", C.PAY),
    Url("pay_required", "GET", C.PAY),
    Url("pay_overdue", "POST", C.PAY),  # issue 18: starts a payment, writes nothing yet
    Url("test_gateway", "GET", C.PAY, "reference"),
    Url("subscriptions", "GET", C.VIEW_SUBSCRIPTIONS),
    Url("order", "GET", C.ORDER_COMMERCIAL),
    Url("order", "POST", C.ORDER_COMMERCIAL),
    Url("subscription", "GET", C.VIEW_SUBSCRIPTIONS, "subscription"),
    Url("subscription_activate", "POST", C.ACTIVATE_SUBSCRIPTIONS, "subscription"),
    Url("subscription_renew", "POST", C.MANAGE_SUBSCRIPTIONS, "subscription"),
    Url("subscription_stop", "POST", C.MANAGE_SUBSCRIPTIONS, "subscription"),
    Url("subscription_change_plan", "POST", C.MANAGE_SUBSCRIPTIONS, "subscription"),
    Url("subscription_cancel", "POST", C.CANCEL_SUBSCRIPTIONS, "subscription"),
    Url("subscription_withdraw_cancel", "POST", C.CANCEL_SUBSCRIPTIONS, "subscription"),
    Url("profile", "GET", C.VIEW_PROFILE),
    Url("profile", "POST", C.EDIT_PROFILE),
    # Last: a payment may release a suspension (R-D4), which changes what the rest would get.
    Url("test_gateway", "POST", C.PAY, "reference"),
]


def text(response) -> str:
    return html.unescape(response.content.decode())


def words(response) -> str:
    """The page as a person reads it: no tags, single spaces."""
    return " ".join(re.sub(r"<[^>]+>", " ", text(response)).split())


def footprint(account: Account) -> tuple:
    """What a refused or foreign request must not change."""
    account.refresh_from_db()
    return (
        account.status_type_id,
        account.balance,
        LedgerEntry.objects.filter(account=account).count(),
        list(
            Subscription.objects.filter(account=account)
            .order_by("pk")
            .values_list("status", "plan_id", "cancel_on")
        ),
    )
