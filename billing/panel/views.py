"""billing's control-panel pages: dashboard, transactions, charges and invoices, top-up and the
payment flow (R-CH6). They are registered into accounts' panel frame by billing/panel/__init__.py."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from accounts.models import BackendStatus
from accounts.panel.access import Capability as C
from accounts.panel.views.base import PanelView
from billing import services as billing
from billing.errors import BillingError
from billing.gateway import PaymentError, get_gateway
from billing.release import SYSTEM, release_of

from . import selectors
from .forms import TopUpForm

PAGE_SIZE = 25
MSG_PAID = _("Thank you: your payment of {amount} {currency} is recorded.")
MSG_RELEASED = _("The company is Active again.")
MSG_NOTHING_OVERDUE = _("Nothing is overdue right now; you may still top up any amount.")
MSG_NOTHING_REQUIRED = _("No payment is required right now; you may still top up any amount.")


class DashboardView(PanelView):
    capability = C.VIEW_DASHBOARD
    nav_name = "panel:dashboard"

    def get(self, request, number):
        account = self.account
        return self.render(
            "panel/dashboard.html",
            {
                "outlook": selectors.credit_outlook(account),
                "recent": selectors.ledger_for(account)[:5]
                if self.allowed(C.VIEW_TRANSACTIONS)
                else [],
                "status_reason": account.status_reason,
                "is_suspended": account.backend_status == BackendStatus.SUSPENDED,
                "overdue": selectors.overdue_payment(account) if self.allowed(C.PAY) else None,
            },
        )


class TransactionsView(PanelView):
    capability = C.VIEW_TRANSACTIONS
    nav_name = "panel:transactions"

    def get(self, request, number):
        page = Paginator(selectors.ledger_for(self.account), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        return self.render("panel/transactions.html", {"page": page})


class ChargesView(PanelView):
    capability = C.VIEW_CHARGES
    nav_name = "panel:charges"

    def get(self, request, number):
        page = Paginator(selectors.charges_for(self.account), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        invoices = selectors.invoices_for(self.account)[:50]
        return self.render("panel/charges.html", {"page": page, "invoices": invoices})


class InvoiceView(PanelView):
    capability = C.VIEW_CHARGES
    nav_name = "panel:charges"

    def get(self, request, number, pk):
        invoice = selectors.invoice_of(self.account, pk)
        entries = invoice.entries.order_by("created_at", "id")
        return self.render("panel/invoice.html", {"invoice": invoice, "entries": entries})


class PayView(PanelView):
    """Top up any amount; the form starts a payment at the gateway for exactly that amount."""

    capability = C.PAY
    nav_name = "panel:pay"

    def get(self, request, number):
        required = billing.required_payment(self.account)  # R-CH4: the one rule, as the banner
        initial = {"amount": required} if required else {}
        form = TopUpForm(initial=initial, currency=self.account.currency)
        overdue = selectors.overdue_payment(self.account)
        return self.render(
            "panel/pay.html", {"form": form, "required": required, "overdue": overdue}
        )

    def post(self, request, number):
        form = TopUpForm(request.POST, currency=self.account.currency)
        if not form.is_valid():
            required = billing.required_payment(self.account)
            return self.render("panel/pay.html", {"form": form, "required": required}, status=400)
        return start_payment(self, form.cleaned_data["amount"])


class PayRequiredView(PanelView):
    """R-CH6: the banner's link starts a payment for exactly the amount that lifts the hold."""

    capability = C.PAY

    def get(self, request, number):
        release = release_of(self.account)  # R-CH4b: the amount, or who must act instead
        if not release.amount:
            waits_for_money = release.who_must_act in ("", SYSTEM)
            messages.info(request, MSG_NOTHING_REQUIRED if waits_for_money else release.reason)
            return redirect("panel:pay", self.account.number)
        return start_payment(self, release.amount)


class PayOverdueView(PanelView):
    """Issue 18: a suspended company pays everything overdue in one step (a POST from the
    dashboard or the pay page); the gateway's page then shows the amount before it is paid."""

    capability = C.PAY
    nav_name = "panel:pay"

    def get(self, request, number):
        return redirect("panel:pay", self.account.number)

    def post(self, request, number):
        overdue = selectors.overdue_payment(self.account)
        if overdue is None:
            messages.info(request, MSG_NOTHING_OVERDUE)
            return redirect("panel:pay", self.account.number)
        return start_payment(self, overdue.overdue)


def start_payment(view: PanelView, amount):
    try:
        intent = get_gateway().start_payment(view.account, amount, user=view.request.user)
    except BillingError as exc:
        return view.show_refusal(exc.message, top_up=False, status=400)
    return redirect(intent.redirect_url)


class TestGatewayView(PanelView):
    """The test gateway's "hosted payment page": shows the amount, pays it on confirm."""

    __test__ = False
    capability = C.PAY
    nav_name = "panel:pay"

    def intent(self, reference):
        """The started payment; another company's (or user's) payment is not found here."""
        intent = get_gateway().describe(reference)
        if intent.account_id != self.account.pk or intent.user_id != self.request.user.pk:
            raise Http404("No such payment.")
        return intent

    def get(self, request, number, reference):
        try:
            intent = self.intent(reference)
        except PaymentError as exc:
            return self.show_refusal(exc.message, top_up=False, status=400)
        return self.render("panel/gateway.html", {"intent": intent})

    def post(self, request, number, reference):
        was = self.account.backend_status
        try:
            intent = self.intent(reference)
            get_gateway().confirm_payment(reference, user=request.user)
        except BillingError as exc:
            return self.show_refusal(exc.message, top_up=False, status=400)
        messages.success(request, MSG_PAID.format(amount=intent.amount, currency=intent.currency))
        self.account.refresh_from_db()
        if was != BackendStatus.ACTIVE and self.account.backend_status == BackendStatus.ACTIVE:
            messages.success(request, MSG_RELEASED)
        return redirect("panel:dashboard", self.account.number)
