"""Domain errors of the subscriptions app; each carries a message fit to show a person."""

from decimal import Decimal

from billing.errors import BillingError


class SubscriptionsError(BillingError):
    """Base class for subscriptions; `message` is user-facing."""


class InvalidSubscriptionTransition(SubscriptionsError):
    """The subscription transition table refuses this action."""


class UnknownPlan(SubscriptionsError):
    pass


class OrderRefused(SubscriptionsError):
    pass


class ActionRefused(SubscriptionsError):
    """The account's status does not allow this action (DESIGN §2 control-panel column)."""


class TopUpRequired(ActionRefused):
    """R-CH8: refused while the account is on credit hold; `amount` lifts the hold (R-CH4)."""

    def __init__(self, message: str, *, amount: Decimal, currency: str) -> None:
        super().__init__(message)
        self.amount = amount
        self.currency = currency


class InvalidOption(SubscriptionsError):
    pass


class InvalidDateForOption(SubscriptionsError):
    pass


class PlanChangeRefused(SubscriptionsError):
    pass


class ResourceUnavailable(SubscriptionsError):
    pass


class ResourceAlreadyAvailable(SubscriptionsError):
    pass


class NothingScheduled(SubscriptionsError):
    pass
