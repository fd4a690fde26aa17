"""The account's frames in the operator portal, which every app fills from its own admin.py
(issue 13; shared/STYLE.md "Which app may know which"), the way apps register with `admin.site`.

`account_menu` is the account's gear menu: the change list's Actions column, the overview's
Actions and the `<id>/actions/<slug>/` URLs (named `admin:accounts_account_<slug>`) all read it.
Its items, by order key (who registers them):

    10 change-status     Change status…           accounts
    20 suspend           Suspend…                 accounts
    30 cancel            Cancel…                  subscriptions (with the subscriptions, R-E5)
    40 enable            Enable…                  billing (the reactivation fee, R-D3)
    50 record-payment    Record payment…          billing
    51-57 post-adjustment, post-charge, issue-invoice, reverse-payment, write-off, credit-note,
          dunning-exemption: correcting money (R-D8) and exemptions (R-X2), billing
    60 bill              Bill account             subscriptions (R-E8)
    70 schedule          Schedule status change…  accounts
    75 move-reseller     Move to reseller…        accounts (R-R1, audited; provider operators)
    80 set-threshold     Set threshold            billing (not in the menu: the overview's form)
    90 cancel-scheduled  Cancel scheduled change  accounts (not in the menu: the overview's list)

Register from admin.py, which the admin's autodiscovery imports before the URLs are built:

    from accounts.admin_frames import GearAction, account_menu
    account_menu.register(GearAction("refund", "Refund…", "billing.refund", refund, order=55))

A handler is called as `handler(model_admin, request, account, action)` and returns a response;
`model_admin.run_form_action(...)` gives it the form → preview → confirm steps (admin_gear).

`overview_sections` are the account overview's sections. Each has a place on the page (a row of
the Status table, the left column below Status, the right column, or full width below) and is
rendered in its place by order key:

     60 policy         Status row  billing (the credit and dunning policy)
     62 reseller       Status row  accounts (whose account; whom its customers contact, R-R1)
     70 members        Status row  accounts (the users)
    100 money          left        billing (balance, threshold, required payment, threshold form)
    200 why-on-hold    right       billing (R-X4; the same context function as money: one call)
    300 history        wide        accounts
    400 scheduled      wide        accounts (R-E4)
    500 subscriptions  wide        subscriptions
    600 ledger         wide        billing (with the unpaid invoices)
    650 notices        wide        billing (the notices sent, R-D7)
    700 deliveries     wide        accounts (R-X6)
    800 audit          wide        accounts (unlock attempts and audited changes)

    from accounts.admin_frames import WIDE, OverviewSection, overview_sections
    overview_sections.register(
        OverviewSection("refunds", 650, "admin/billing/overview/refunds.html", refunds, WIDE)
    )

`refunds(account, now)` returns the dict the template reads as `data` (beside `a`, the account,
and `perms` and `request`); it reads a bounded number of rows (`newest`), so the page's queries
stay the same however long the account's history is (issue 8).

`statistics_charts` are the Account Statistics page's charts below accounts' own (status over
time), by order key: 100 dunning funnel, 200 receivables aging (billing). See
accounts/admin_statistics.py.
"""

from .admin_gear import GearAction, GearMenu
from .admin_overview import (
    LEFT,
    RIGHT,
    STATUS_ROW,
    WIDE,
    OverviewSection,
    OverviewSections,
    newest,
)
from .admin_statistics import StatisticsChart, statistics_charts

account_menu = GearMenu("account")
overview_sections = OverviewSections()

__all__ = [
    "LEFT",
    "RIGHT",
    "STATUS_ROW",
    "WIDE",
    "GearAction",
    "GearMenu",
    "OverviewSection",
    "OverviewSections",
    "StatisticsChart",
    "account_menu",
    "newest",
    "overview_sections",
    "statistics_charts",
]
