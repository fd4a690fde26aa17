"""Card payments through a payment gateway: start a payment, then confirm it into the ledger.

`PaymentGateway` is what the control panel talks to; settings.PAYMENT_GATEWAY (a dotted path)
chooses the implementation. `TestGateway` needs no network: the payment it starts is a signed,
expiring reference (account, amount, currency, user), and its "hosted payment page" is a panel
page. Confirming records the payment with the reference as the idempotency key, so a double
submit or a retried callback records one payment, and a payment that meets the required amount
releases the credit hold in the same transaction (R-CH5).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from accounts.actors import Actor
from accounts.models import Account

from .errors import BillingError
from .models import LedgerEntry
from .services import parse_amount, record_payment

DEFAULT_GATEWAY = "billing.gateway.TestGateway"
MSG_BAD_REFERENCE = _("This payment link is not valid. Start the payment again.")
MSG_EXPIRED_REFERENCE = _("This payment link has expired. Start the payment again.")
MSG_OTHER_USER = _("This payment was started by another user.")


class PaymentError(BillingError):
    """A payment could not be started or confirmed; `message` is user-facing."""


@dataclass(frozen=True)
class PaymentIntent:
    """A started payment: where to send the payer, and what they will pay."""

    reference: str
    account_id: int
    account_number: str
    amount: Decimal
    currency: str
    user_id: int | None
    redirect_url: str


class PaymentGateway(Protocol):
    def start_payment(self, account: Account, amount: Any, *, user: Any) -> PaymentIntent:
        """Start a payment of exactly `amount` for `account`; nothing is recorded yet."""

    def describe(self, reference: str) -> PaymentIntent:
        """Read a started payment back from its reference, or raise PaymentError."""

    def confirm_payment(self, reference: str, *, user: Any) -> LedgerEntry:
        """The payer paid: record the payment once (idempotent on the reference)."""


class TestGateway:
    """A gateway without network: a signed reference is the whole payment intent."""

    __test__ = False  # not a pytest test class
    salt = "billing.gateway.TestGateway"
    key_prefix = "testgw"

    @property
    def max_age(self) -> int:
        return getattr(settings, "PAYMENT_INTENT_MAX_AGE_SECONDS", 3600)

    def start_payment(self, account: Account, amount: Any, *, user: Any) -> PaymentIntent:
        value = parse_amount(amount)
        payload = {
            "a": account.pk,
            "n": account.number,
            "m": str(value),
            "c": account.currency,
            "u": getattr(user, "pk", None),
            "i": secrets.token_hex(12),
        }
        reference = signing.dumps(payload, salt=self.salt, compress=True)
        return self._intent(reference, payload)

    def describe(self, reference: str) -> PaymentIntent:
        try:
            payload = signing.loads(reference, salt=self.salt, max_age=self.max_age)
        except signing.SignatureExpired:
            raise PaymentError(MSG_EXPIRED_REFERENCE) from None
        except signing.BadSignature:
            raise PaymentError(MSG_BAD_REFERENCE) from None
        if not isinstance(payload, dict) or set(payload) != {"a", "n", "m", "c", "u", "i"}:
            raise PaymentError(MSG_BAD_REFERENCE)
        return self._intent(reference, payload)

    def confirm_payment(self, reference: str, *, user: Any) -> LedgerEntry:
        intent = self.describe(reference)
        if intent.user_id != getattr(user, "pk", None):
            raise PaymentError(MSG_OTHER_USER)
        return record_payment(
            intent.account_id,
            intent.amount,
            idempotency_key=f"{self.key_prefix}-{self.idempotency_token(reference)}",
            actor=Actor.customer(user),
            currency=intent.currency,
            description="Card payment (test gateway)",
        )

    def idempotency_token(self, reference: str) -> str:
        return signing.loads(reference, salt=self.salt, max_age=self.max_age)["i"]

    def _intent(self, reference: str, payload: dict) -> PaymentIntent:
        return PaymentIntent(
            reference=reference,
            account_id=payload["a"],
            account_number=payload["n"],
            amount=parse_amount(payload["m"]),
            currency=payload["c"],
            user_id=payload["u"],
            redirect_url=reverse(
                "panel:test_gateway", kwargs={"number": payload["n"], "reference": reference}
            ),
        )


def get_gateway() -> PaymentGateway:
    """The gateway settings.PAYMENT_GATEWAY names (the test gateway by default)."""
    return import_string(getattr(settings, "PAYMENT_GATEWAY", DEFAULT_GATEWAY))()
