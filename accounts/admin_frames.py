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
    60 bill              Bill account             subscriptions (R-E8)
    70 schedule          Schedule status change…  accounts
    80 set-threshold     Set threshold            billing (not in the menu: the overview's form)
    90 cancel-scheduled  Cancel scheduled change  accounts (not in the menu: the overview's list)

Register from admin.py, which the admin's autodiscovery imports before the URLs are built:

    from accounts.admin_frames import GearAction, account_menu
    account_menu.register(GearAction("refund", "Refund…", "billing.refund", refund, order=55))

A handler is called as `handler(model_admin, request, account, action)` and returns a response;
`model_admin.run_form_action(...)` gives it the form → preview → confirm steps (admin_gear).
"""

from .admin_gear import GearAction, GearMenu

account_menu = GearMenu("account")

__all__ = ["GearAction", "GearMenu", "account_menu"]
