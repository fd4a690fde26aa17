"""Domain errors of the billing app; each carries a message fit to show a person."""

from accounts.errors import AccountsError


class BillingError(AccountsError):
    """Base class for billing; `message` is user-facing."""


class InvalidAmount(BillingError):
    pass


class CurrencyMismatch(BillingError):
    pass


class UnknownAccount(BillingError):
    pass


class AlreadyReversed(BillingError):
    pass


class InvalidDate(BillingError):
    pass
