"""The control panel's frame: the company pages, the menu and the banner that apps register.

`accounts` owns the frame (sign-in, the switcher, the access table, the base view); the pages of
money and subscriptions belong to `billing` and `subscriptions`, which register them from their
own `panel` module (STYLE: "Which app may know which"), discovered by AccountsConfig.ready() the
way admin.autodiscover finds `admin` modules. accounts/panel/urls.py builds its URL patterns from
`pages()`; the base view draws the menu from `menu()` and the R-CH6 banner from `banner_for()`.
Like accounts/lifecycle.py this module knows no higher app and no view: it only holds lists.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .access import Capability


@dataclass(frozen=True)
class Page:
    """A company page: `route` is under /panel/<number>/ ("" is the company's landing page)."""

    route: str
    view: type  # an accounts.panel.views.base.PanelView subclass: urls.py checks it
    name: str  # the URL name inside the `panel` namespace, e.g. "pay_required"


@dataclass(frozen=True)
class NavItem:
    """A menu entry: shown when the access table allows `capability`; `order` sorts the menu."""

    label: str
    url_name: str  # "panel:<name>", reversed with the company number
    capability: Capability
    order: int


@dataclass(frozen=True)
class Banner:
    """R-CH6: the payment that lifts a hold, shown on every page with the link that starts it."""

    amount: Decimal
    currency: str
    url: str
    # R-CH4b: no payment releases the hold, an operator must act (the page then says so and does
    # not promise that the hold lifts by itself).
    operator_must_act: bool = False


BannerProvider = Callable[[Any], Banner | None]

_pages: dict[str, Page] = {}
_menu: dict[str, NavItem] = {}
_banners: list[BannerProvider] = []


def register_page(route: str, view: type, name: str) -> None:
    """Serve `view` at /panel/<number>/`route` as `panel:<name>`; a name is registered once."""
    page = Page(route, view, name)
    if _pages.get(name, page) != page:
        raise ValueError(f"The panel page {name!r} is already registered.")
    _pages[name] = page


def register_nav(item: NavItem) -> None:
    """Add `item` to the company menu (one entry per URL name)."""
    if _menu.get(item.url_name, item) != item:
        raise ValueError(f"The panel menu already has {item.url_name!r}.")
    _menu[item.url_name] = item


def register_banner(provider: BannerProvider) -> BannerProvider:
    """Register `provider(account)` → Banner or None; the first Banner is shown (usable as a
    decorator)."""
    if provider not in _banners:
        _banners.append(provider)
    return provider


def pages() -> list[Page]:
    """Every registered company page, in registration order."""
    return list(_pages.values())


def menu() -> list[NavItem]:
    """The company menu in its `order` (before the access table filters it per status)."""
    return sorted(_menu.values(), key=lambda item: (item.order, item.url_name))


def banner_for(account: Any) -> Banner | None:
    """The banner the account's page shows, from the first provider that has one."""
    for provider in list(_banners):
        banner = provider(account)
        if banner is not None:
            return banner
    return None
