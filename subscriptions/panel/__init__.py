"""subscriptions' part of the control panel: its pages and its menu entry.

AccountsConfig.ready() imports this module (autodiscover_modules("panel")), like admin.py; the
frame (accounts/panel/registry.py) then serves these pages under /panel/<number>/ with the same
URL names as before the frame existed (DESIGN §6).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from accounts.panel import registry
from accounts.panel.access import Capability as C
from accounts.panel.registry import NavItem

from . import views

PAGES = (
    ("subscriptions/", views.SubscriptionsView, "subscriptions"),
    ("subscriptions/order/", views.OrderView, "order"),
    ("subscriptions/<int:pk>/", views.SubscriptionView, "subscription"),
    ("subscriptions/<int:pk>/activate/", views.ActivateView, "subscription_activate"),
    ("subscriptions/<int:pk>/renew/", views.RenewView, "subscription_renew"),
    ("subscriptions/<int:pk>/stop/", views.StopView, "subscription_stop"),
    ("subscriptions/<int:pk>/change-plan/", views.ChangePlanView, "subscription_change_plan"),
    ("subscriptions/<int:pk>/cancel/", views.CancelView, "subscription_cancel"),
    (
        "subscriptions/<int:pk>/withdraw-cancel/",
        views.WithdrawCancelView,
        "subscription_withdraw_cancel",
    ),
)
# Between billing's Charges & invoices (30) and Top up (50), where customers know it.
MENU = (NavItem(_("Subscriptions"), "panel:subscriptions", C.VIEW_SUBSCRIPTIONS, order=40),)


def register() -> None:
    """Put the subscription pages and the menu entry into the panel frame."""
    for route, view, name in PAGES:
        registry.register_page(route, view, name)
    for item in MENU:
        registry.register_nav(item)


register()
