"""How billing's rows belong to a reseller (R-R3), registered with accounts.scoping from
BillingConfig.ready(): every admin list, form choice and API answer narrows them through it."""

from accounts import scoping


def register() -> None:
    from . import models as m

    scoping.register(m.DunningPolicy, "reseller")  # R-R2: a reseller's own policies
    scoping.register(m.DunningStep, "policy__reseller")
    scoping.register(m.StepNotice, "step__policy__reseller")
    scoping.register(m.ReminderNotice, "policy__reseller")
    for model in (
        m.LedgerEntry,
        m.Invoice,
        m.RecurringCharge,
        m.OpenItem,
        m.DunningState,
        m.DunningEvent,
        m.NoticeLog,
    ):
        scoping.register(model, "account__reseller")
    scoping.register(m.Settlement, "item__account__reseller")
