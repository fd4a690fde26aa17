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


class IdempotencyConflict(BillingError):
    """The key was used for another posting (amount, account or kind): the API answers 409."""


class InvalidIdempotencyKey(BillingError):
    pass


class AccountDeleted(BillingError):
    """Nothing is posted to a Deleted account (issue 15)."""
