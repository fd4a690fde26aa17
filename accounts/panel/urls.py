"""The control panel at /panel/: every company page is under /panel/<account number>/.

The frame's own pages (sign-in, sign-out, the switcher) are listed here; the company pages come
from the registry that accounts, billing and subscriptions fill from their `panel` modules
(accounts/panel/registry.py). Each must be a PanelView, so no page escapes the access table.
"""

from django.core.exceptions import ImproperlyConfigured
from django.urls import path

from . import registry
from .views import account
from .views.base import PanelView

app_name = "panel"

COMPANY = "<str:number>/"


def company_page(page: registry.Page):
    """The URL pattern of one registered company page, gated by PanelView."""
    if not (isinstance(page.view, type) and issubclass(page.view, PanelView)):
        raise ImproperlyConfigured(f"The panel page {page.name!r} is not a PanelView.")
    return path(f"{COMPANY}{page.route}", page.view.as_view(), name=page.name)


urlpatterns = [
    path("", account.home, name="home"),
    path("login/", account.LoginView.as_view(), name="login"),
    path("logout/", account.LogoutView.as_view(), name="logout"),
    *(company_page(page) for page in registry.pages()),
]
