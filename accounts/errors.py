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
