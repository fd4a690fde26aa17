"""Domain errors of the accounts app; each carries a message fit to show a person."""


class AccountsError(Exception):
    """Base class: `message` is user-facing."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = str(message)


class InvalidTransition(AccountsError):
    """The transition table refuses this change."""


class UnknownStatusType(AccountsError):
    pass


class ReasonNotAllowed(AccountsError):
    pass


class StatusTypeInUse(AccountsError):
    pass


class InvalidAccountData(AccountsError):
    pass


class UnlockRefused(AccountsError):
    pass


class NothingToUnlock(AccountsError):
    """Unlock User Account found no account on hold and no login lockout (R-G2)."""


class NoNextPaymentDate(UnlockRefused):
    """The 30-day unlock window is counted from a Next Payment date the account lacks (R-G2)."""


class NothingToLock(AccountsError):
    pass


class InvalidSchedule(AccountsError):
    """A scheduled status change that cannot be made or cancelled (R-E4)."""


class InvalidExemption(AccountsError):
    pass


class InvalidDate(AccountsError):
    """A task or command argument that is not the ISO date or date-time it must be."""


class InvalidEvent(AccountsError):
    """An outbox event that cannot be recorded (R-X6)."""
