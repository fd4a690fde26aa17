"""subscriptions' control-panel pages: list, order, activate, and manage within the rules (R-CH8).

The access table gates each page; the subscriptions services then apply their own rules (a
stopped prepaid pay-as-you-go subscription cannot be activated on credit hold, R-CH8) and their
refusal's message is shown as is, with the payment link when a payment lifts it. They are
registered into accounts' panel frame by subscriptions/panel/__init__.py.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.actors import Actor
from accounts.panel.access import Capability as C
from accounts.panel.views.base import PanelView
from subscriptions import services as subscriptions
from subscriptions.errors import ActionRefused, SubscriptionsError, TopUpRequired
from subscriptions.models import Plan, Subscription

from .forms import CancelForm, ChangePlanForm, OrderForm

S = Subscription.Status
CUSTOMER_CANCEL_OPTIONS = (
    ("period_end", _("At the end of the current period")),
    ("immediately_prorated_refund", _("Now, with a refund for the unused days")),
)
STOP_OPTION = "immediately_prorated_refund"
MSG_ORDERED = _("“{plan}” is ordered.")
MSG_ACTIVATED = _("The subscription is active again.")
MSG_RENEWED = _("The subscription is renewed until {end}.")
MSG_STOPPED = _("The subscription is stopped.")
MSG_PLAN_CHANGED = _("The subscription is now on “{plan}”.")
MSG_CANCELLED = _("The subscription is cancelled.")
MSG_CANCEL_SCHEDULED = _("The subscription will be cancelled on {date}.")
MSG_CANCEL_WITHDRAWN = _("The scheduled cancellation is withdrawn.")


def orderable_plans(account):
    return Plan.objects.filter(orderable=True, currency=account.currency)


def other_plans(sub: Subscription):
    plan = sub.plan
    return (
        orderable_plans(sub.account)
        .filter(service=plan.service, billing_model=plan.billing_model)
        .exclude(pk=plan.pk)
    )


class SubscriptionsView(PanelView):
    capability = C.VIEW_SUBSCRIPTIONS
    nav_name = "panel:subscriptions"

    def get(self, request, number):
        subs = (
            Subscription.objects.filter(account=self.account)
            .select_related("plan")
            .order_by("-created_at", "-id")
        )
        return self.render("panel/subscriptions.html", {"subscriptions": subs})


class OrderView(PanelView):
    """Order a plan in two steps: the form posts to a quote of the price, the period and the
    first charge (nothing written), whose Confirm posts `_step=confirm` and orders. A trial needs
    ORDER_TRIAL, refused on credit hold (R-CH8)."""

    capability = C.ORDER_COMMERCIAL
    nav_name = "panel:subscriptions"

    def form(self, data=None, initial=None):
        return OrderForm(
            data,
            initial=initial,
            plans=orderable_plans(self.account),
            allow_trial=self.allowed(C.ORDER_TRIAL),
        )

    def get(self, request, number):
        initial = {"plan": request.GET.get("plan"), "trial": request.GET.get("trial") == "1"}
        form = self.form(initial=initial if initial["plan"] else None)
        return self.render("panel/order.html", {"form": form})

    def post(self, request, number):
        form = self.form(request.POST)
        if not form.is_valid():
            return self.render("panel/order.html", {"form": form}, status=400)
        trial = form.cleaned_data["trial"]
        if trial and not self.allowed(C.ORDER_TRIAL):
            return self.refuse(C.ORDER_TRIAL)
        plan = form.cleaned_data["plan"]
        if request.POST.get("_step") != "confirm":
            return self.preview(form, plan, trial)
        try:
            sub = subscriptions.order(
                self.account, plan, actor=Actor.customer(request.user), trial=trial
            )
        except SubscriptionsError as exc:
            return self.refused_by_service(exc, "panel/order.html", {"form": form})
        messages.success(request, MSG_ORDERED.format(plan=plan.name))
        return redirect("panel:subscription", self.account.number, sub.pk)

    def preview(self, form, plan, trial):
        """The quote (subscriptions.services.quote_order: the order's own first period and
        charge), with the confirm and change buttons."""
        try:
            quote = subscriptions.quote_order(self.account, plan, trial=trial)
        except SubscriptionsError as exc:
            return self.refused_by_service(exc, "panel/order.html", {"form": form})
        return self.render("panel/order_preview.html", {"quote": quote})

    def refused_by_service(self, exc, template, context):
        if isinstance(exc, ActionRefused):
            return self.show_refusal(exc.message, top_up=isinstance(exc, TopUpRequired))
        context["error"] = exc.message
        return self.render(template, context, status=400)


class SubscriptionView(PanelView):
    capability = C.VIEW_SUBSCRIPTIONS
    nav_name = "panel:subscriptions"

    def subscription(self, pk) -> Subscription:
        sub = (
            Subscription.objects.filter(account=self.account, pk=pk)
            .select_related("plan", "account")
            .first()
        )
        if sub is None:
            raise Http404("No such subscription.")
        return sub

    def get(self, request, number, pk):
        return self.page(self.subscription(pk))

    def page(self, sub: Subscription, *, error: str = "", status: int = 200):
        base = [self.account.number, sub.pk]
        return self.render(
            "panel/subscription.html",
            {
                "sub": sub,
                "error": error,
                "history": sub.history.all()[:20],
                "resources": sub.resources.all(),
                "cancel_form": CancelForm(
                    options=CUSTOMER_CANCEL_OPTIONS,
                    action=reverse("panel:subscription_cancel", args=base),
                ),
                "plan_form": ChangePlanForm(
                    plans=other_plans(sub),
                    action=reverse("panel:subscription_change_plan", args=base),
                ),
                "has_other_plans": other_plans(sub).exists(),
                "actions": {
                    "activate": sub.status == S.STOPPED,
                    "renew": sub.status == S.GRACED,
                    "stop": sub.status in (S.ACTIVE, S.GRACED),
                    "change_plan": sub.status == S.ACTIVE,
                    "cancel": sub.status in (S.ACTIVE, S.GRACED, S.STOPPED) and not sub.cancel_on,
                    "withdraw": bool(sub.cancel_on),
                },
            },
            status=status,
        )


class SubscriptionActionView(SubscriptionView):
    """A POST that changes one subscription through one service; GET shows the subscription."""

    post_capability = C.MANAGE_SUBSCRIPTIONS

    def post(self, request, number, pk):
        sub = self.subscription(pk)
        try:
            done = self.act(sub, Actor.customer(request.user), request.POST)
        except TopUpRequired as exc:  # R-CH8: with the payment that lifts the hold
            return self.show_refusal(exc.message, top_up=True)
        except ActionRefused as exc:
            return self.show_refusal(exc.message, top_up=False)
        except SubscriptionsError as exc:
            return self.page(self.subscription(pk), error=exc.message, status=400)
        messages.success(request, done)
        return redirect("panel:subscription", self.account.number, sub.pk)

    def act(self, sub, actor, data) -> str:  # pragma: no cover - every subclass defines it
        raise NotImplementedError


class ActivateView(SubscriptionActionView):
    post_capability = C.ACTIVATE_SUBSCRIPTIONS

    def act(self, sub, actor, data):
        subscriptions.activate(sub, actor=actor)
        return MSG_ACTIVATED


class RenewView(SubscriptionActionView):
    def act(self, sub, actor, data):
        sub = subscriptions.renew(sub, actor=actor)
        return MSG_RENEWED.format(end=sub.period_end)


class StopView(SubscriptionActionView):
    def act(self, sub, actor, data):
        subscriptions.stop(sub, actor=actor, option=STOP_OPTION)
        return MSG_STOPPED


class ChangePlanView(SubscriptionActionView):
    def act(self, sub, actor, data):
        form = ChangePlanForm(data, plans=other_plans(sub), action="")
        if not form.is_valid():
            raise SubscriptionsError(_("Choose one of the plans offered."))
        plan = form.cleaned_data["plan"]
        subscriptions.change_plan(sub, plan, actor=actor)
        return MSG_PLAN_CHANGED.format(plan=plan.name)


class CancelView(SubscriptionActionView):
    post_capability = C.CANCEL_SUBSCRIPTIONS  # not limited on credit hold (R-CH8's list)

    def act(self, sub, actor, data):
        form = CancelForm(data, options=CUSTOMER_CANCEL_OPTIONS, action="")
        if not form.is_valid():
            raise SubscriptionsError(_("Choose when to cancel."))
        outcome = subscriptions.cancel(sub, option=form.cleaned_data["option"], actor=actor)
        if outcome.scheduled:
            return MSG_CANCEL_SCHEDULED.format(date=outcome.effective_on)
        return MSG_CANCELLED


class WithdrawCancelView(SubscriptionActionView):
    post_capability = C.CANCEL_SUBSCRIPTIONS

    def act(self, sub, actor, data):
        subscriptions.withdraw_cancellation(sub, actor=actor)
        return MSG_CANCEL_WITHDRAWN
