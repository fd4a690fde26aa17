"""billing's part of the control panel: its pages, menu entries and the R-CH6 banner.

AccountsConfig.ready() imports this module (autodiscover_modules("panel")), like admin.py; the
frame (accounts/panel/registry.py) then serves these pages under /panel/<number>/ with the same
URL names as before the frame existed (DESIGN §6).
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Account, BackendStatus
from accounts.panel import registry
from accounts.panel.access import Capability as C
from accounts.panel.registry import Banner, NavItem
from billing import release

from . import documents, views


@registry.register_banner
def credit_hold_banner(account: Account) -> Banner | None:
    """R-CH6: on credit hold every page names the payment that lifts it (R-CH4) and links to it.

    The amount and who must act are billing.release.release_of's, the one answer (R-CH4b), so
    the banner, the refusals and the pay_required link can never disagree.
    """
    if account.backend_status != BackendStatus.CREDIT_HOLD:
        return None
    answer = release.release_of(account)
    return Banner(
        amount=answer.amount,
        currency=account.currency,
        url=reverse("panel:pay_required", args=[account.number]),
        operator_must_act=answer.who_must_act == release.OPERATOR,
    )


PAGES = (
    ("", views.DashboardView, "dashboard"),
    ("transactions/", views.TransactionsView, "transactions"),
    ("charges/", views.ChargesView, "charges"),
    ("invoices/<int:pk>/", views.InvoiceView, "invoice"),
    *documents.PAGES,  # credit notes, printable like invoices (R-D8)
    ("pay/", views.PayView, "pay"),
    ("pay/required/", views.PayRequiredView, "pay_required"),
    ("pay/overdue/", views.PayOverdueView, "pay_overdue"),  # issue 18: suspended companies
    ("pay/test-gateway/<str:reference>/", views.TestGatewayView, "test_gateway"),
)
# The menu's order keys keep the order customers know; subscriptions takes 40, accounts 60.
MENU = (
    NavItem(_("Dashboard"), "panel:dashboard", C.VIEW_DASHBOARD, order=10),
    NavItem(_("Transactions"), "panel:transactions", C.VIEW_TRANSACTIONS, order=20),
    NavItem(_("Charges & invoices"), "panel:charges", C.VIEW_CHARGES, order=30),
    NavItem(_("Top up"), "panel:pay", C.PAY, order=50),
)


def register() -> None:
    """Put billing's pages and menu entries into the panel frame (the banner is registered above)."""
    for route, view, name in PAGES:
        registry.register_page(route, view, name)
    for item in MENU:
        registry.register_nav(item)


register()
