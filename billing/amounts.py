"""Money input: turn what a person or a caller gave into an exact Decimal, or say why not."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext_lazy as _

from .errors import InvalidAmount

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("999999999999.99")
MSG_NOT_A_NUMBER = _("The amount “{value}” is not a number.")
MSG_OVER_PRECISE = _("The amount {value} has more than 2 decimal places.")
MSG_NOT_POSITIVE = _("The amount must be greater than zero.")
MSG_ZERO = _("The amount must not be zero.")
MSG_TOO_LARGE = _("The amount {value} is too large.")
MSG_FLOAT = _("Amounts are exact decimals: pass a Decimal or a string, not a float.")


def cents(value) -> Decimal:
    """A database SUM as money. PostgreSQL sums decimals exactly; SQLite sums them as floats and
    Django hands back up to 15 digits (0.0600000000000001) without the scale — so every money
    aggregate read in Python goes through here before it is compared or shown."""
    return Decimal(value or 0).quantize(CENT)


def parse_amount(value: Any, *, positive: bool = True, allow_zero: bool = False) -> Decimal:
    """Turn input into an exact money Decimal, or raise InvalidAmount with a readable message."""
    if isinstance(value, float):
        raise InvalidAmount(MSG_FLOAT)
    if isinstance(value, bool) or value is None:
        raise InvalidAmount(MSG_NOT_A_NUMBER.format(value=value))
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise InvalidAmount(MSG_NOT_A_NUMBER.format(value=value)) from None
    if not amount.is_finite():
        raise InvalidAmount(MSG_NOT_A_NUMBER.format(value=value))
    if abs(amount) > MAX_AMOUNT:
        raise InvalidAmount(MSG_TOO_LARGE.format(value=value))
    if amount != amount.quantize(CENT):
        raise InvalidAmount(MSG_OVER_PRECISE.format(value=value))
    if amount == 0 and not allow_zero:
        raise InvalidAmount(MSG_NOT_POSITIVE if positive else MSG_ZERO)
    if positive and amount < 0:
        raise InvalidAmount(MSG_NOT_POSITIVE)
    return amount.quantize(CENT)
