"""The base of every company page: membership (404), the access table (403), the R-CH6 banner."""

from __future__ import annotations

from functools import cached_property

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import View

from .. import access, registry, selectors
from ..access import Capability as C
from ..registry import Banner

MSG_NOT_FOUND = _("There is no such page for you here.")
ASK = object()  # chrome(): no banner passed in, ask the registry


def chrome(
    request, account=None, *, active: str = "", banner: Banner | None | object = ASK
) -> dict:
    """What every panel page shows: the switcher, the menu the table allows, the hold banner.

    `banner` is the one a view already asked the registry for (by default it is asked here).
    """
    context: dict = {"switcher": [], "nav": [], "account": account, "banner": None}
    if request.user.is_authenticated:
        context["switcher"] = selectors.account_choices(request.user)
    if account is None or not access.may_enter(account.backend_status):
        return context
    status = account.backend_status
    context["nav"] = [
        {
            "label": item.label,
            "url": reverse(item.url_name, args=[account.number]),
            "active": item.url_name == active,
        }
        for item in registry.menu()
        if access.allows(status, item.capability)
    ]
    context["badge"] = selectors.BADGES.get(status, "text-bg-secondary")
    # R-CH6: on every page, with the amount from the registered provider (billing's one rule).
    context["banner"] = registry.banner_for(account) if banner is ASK else banner
    return context


def render_panel(request, template: str, context: dict, *, account=None, status: int = 200):
    return render(request, template, {**chrome(request, account), **context}, status=status)


class PanelView(View):
    """A page of one company the user belongs to; `capability` is what the table must allow.

    `post_capability` (when set) is what a POST needs instead. Another user's company or object
    is a 404 (its existence is not leaked); a blocked company shows its fixed text (403); a page
    the status does not allow shows why (403) with the payment link when a payment lifts it.
    """

    capability: C
    post_capability: C | None = None
    nav_name = ""
    template_name = ""

    def dispatch(self, request, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("panel:login"))
        try:
            self.account = selectors.member_account(request.user, kwargs["number"])
            refused = self.refusal(request)
            if refused is not None:
                return refused
            return super().dispatch(request, *args, **kwargs)
        except Http404:
            return render_panel(
                request, "panel/not_found.html", {"message": MSG_NOT_FOUND}, status=404
            )

    def needed(self, request) -> C:
        if request.method == "POST" and self.post_capability is not None:
            return self.post_capability
        return self.capability

    def refusal(self, request) -> HttpResponse | None:
        status = self.account.backend_status
        if not access.may_enter(status):
            return render_panel(
                request,
                "panel/blocked.html",
                {"message": access.blocked_message(status, self.account)},
                account=self.account,
                status=403,
            )
        capability = self.needed(request)
        if access.allows(status, capability):
            return None
        return self.refuse(capability)

    @cached_property
    def banner(self) -> Banner | None:
        """The R-CH6 banner of this request's company, asked of the registry once."""
        return registry.banner_for(self.account)

    def refuse(self, capability: C) -> HttpResponse:
        """A 403 page saying why the table refuses `capability` in the account's status."""
        # The payment a refusal names is the banner's: one amount, decided by its provider.
        amount = self.banner.amount if self.banner is not None else ""
        message = access.refusal_message(
            self.account.backend_status, capability, amount=amount, currency=self.account.currency
        )
        return self.show_refusal(
            message, top_up=self.account.backend_status in access.TOP_UP_STATUSES
        )

    def show_refusal(self, message: str, *, top_up: bool, status: int = 403) -> HttpResponse:
        return self.render(
            "panel/refused.html", {"message": message, "top_up": top_up}, status=status
        )

    def allowed(self, capability: C) -> bool:
        return access.allows(self.account.backend_status, capability)

    def render(self, template: str, context: dict | None = None, *, status: int = 200):
        return render(
            self.request,
            template,
            {
                **chrome(self.request, self.account, active=self.nav_name, banner=self.banner),
                "can": {c.value: self.allowed(c) for c in C},
                **(context or {}),
            },
            status=status,
        )
