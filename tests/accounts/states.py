"""Reach each back-end status through the services, as the product would."""

from accounts import services
from accounts.actors import Actor
from accounts.models import BackendStatus as S
from tests.accounts.factories import AccountFactory

# A reason that fits each target status (R-E3).
FITTING_REASON = {
    S.PROSPECT: "Status relabelled",
    S.ACTIVE: "Status relabelled",
    S.CREDIT_HOLD: "Non-payment",
    S.SUSPENDED: "Non-payment",
    S.ADMINISTRATIVE_HOLD: "Abuse",
    S.CANCELLED: "Customer request",
    S.DELETED: "Account closed",
}
# How to get there from Active: (who, rule)
ROUTE_FROM_ACTIVE = {
    S.CREDIT_HOLD: ("system", "R-CH1"),
    S.SUSPENDED: ("operator", ""),
    S.ADMINISTRATIVE_HOLD: ("operator", ""),
    S.CANCELLED: ("operator", ""),
    S.DELETED: ("operator", ""),
}


def account_in(backend_status, operator, **fields):
    """Create an account and move it to the default type of `backend_status`."""
    if backend_status == S.PROSPECT:
        return AccountFactory(status_type="Prospect", actor=Actor.operator(operator), **fields)
    account = AccountFactory(actor=Actor.operator(operator), **fields)
    if backend_status != S.ACTIVE:
        who, rule = ROUTE_FROM_ACTIVE[backend_status]
        actor = Actor.operator(operator) if who == "operator" else Actor.system(rule)
        services.change_status(
            account,
            services.default_status_type(backend_status),
            actor=actor,
            reason=FITTING_REASON[backend_status],
        )
    account.refresh_from_db()
    return account
