"""Issue 18, the customer's side: "Pay everything overdue" for a suspended company (its amount is
the overdue open items, R-B3; what releases it is release_of's, R-CH4b; both are named when
they differ) and the order's quote before it is confirmed (R-S1 periods, the prepaid charge)."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.actors import Actor
from accounts.models import BackendStatus as S
from accounts.models import Membership
from billing import services as billing
from billing.gateway import TestGateway, get_gateway
from billing.models import OpenItem
from billing.open_items import Book, overdue_total
from billing.release import release_of
from billing.sweeps import dunning_sweep
from subscriptions.models import Subscription
from subscriptions.services import quote_order
from tests.accounts.factories import AccountFactory, UserFactory
from tests.subscriptions.factories import PLAN_SHAPES, PlanFactory, funded_account

from .companies import text

pytestmark = pytest.mark.django_db
D = Decimal


def suspended_by_dunning(operator, *, later: str = "0", days: int = 8) -> tuple:
    """R-D2: an account billing in arrears whose invoice of 49.90 is `days` overdue, swept onto
    "Closed until Paid" (Suspended); `later`: a charge due in a month (not overdue)."""
    account = AccountFactory(actor=operator)
    billing.set_financial_blocking_threshold(account, "-500", actor=operator)
    billing.issue_invoice(
        account,
        amount="49.90",
        billing_date=timezone.localdate() - timedelta(days=days),
        actor=operator,
    )
    if D(later):
        billing.issue_invoice(
            account,
            amount=later,
            billing_date=timezone.localdate(),
            due_date=timezone.localdate() + timedelta(days=30),
            actor=operator,
        )
    dunning_sweep(timezone.localdate())
    account.refresh_from_db()
    assert account.backend_status == (S.SUSPENDED if days >= 7 else S.CREDIT_HOLD)
    user = UserFactory()
    Membership.objects.create(user=user, account=account, role=Membership.Role.OWNER)
    return account, user


def words(response) -> str:
    """The page as a reader sees it: no tags, one space between words."""
    return " ".join(re.sub(r"<[^>]+>", " ", text(response)).split()).replace(" .", ".")


def gateway_amount(response) -> D:
    reference = response["Location"].rstrip("/").rsplit("/", 1)[1]
    return TestGateway().describe(reference).amount, reference


def test_r_d4_pay_everything_overdue_pays_the_overdue_items_and_releases(client, operator):
    account, user = suspended_by_dunning(operator)
    client.force_login(user)
    dashboard = words(client.get(reverse("panel:dashboard", args=[account.number])))
    overdue = overdue_total(Book.live(), account.pk, timezone.localdate())
    assert overdue == D("49.90") == release_of(account).amount  # the same: one amount shown
    assert "Pay everything overdue · 49.90 USD" in dashboard
    assert "Paying it reactivates your company at once." in dashboard
    start = client.post(reverse("panel:pay_overdue", args=[account.number]))
    amount, reference = gateway_amount(start)
    assert amount == overdue
    get_gateway().confirm_payment(reference, user=user)
    account.refresh_from_db()
    assert account.backend_status == S.ACTIVE  # R-D4
    assert not OpenItem.objects.filter(account=account, settled_at__isnull=True).exists()


def test_r_d1_suspended_until_paid_a_credit_hold_step_is_offered_it_too(client, operator):
    """ "Suspended until Paid" is a Credit hold back-end status (R-D1): the customer reads
    "suspended", so the button is there beside the banner, with the banner's amount."""
    account, user = suspended_by_dunning(operator, days=3)
    client.force_login(user)
    page = words(client.get(reverse("panel:dashboard", args=[account.number])))
    assert "Pay everything overdue · 49.90 USD" in page and "Pay 49.90 USD now" in page


def test_r_ch4b_when_release_and_overdue_differ_the_page_names_both(client, operator):
    """A fee charged by a step is due at once (R-B3): overdue, yet not what the ladder counts."""
    account, user = suspended_by_dunning(operator)
    billing.post_fee(account, "5.00", description="Late fee", actor=Actor.operator(operator))
    release = release_of(account)
    overdue = overdue_total(Book.live(), account.pk, timezone.localdate())
    assert overdue == D("54.90") and release.amount == D("49.90")
    client.force_login(user)
    page = words(client.get(reverse("panel:pay", args=[account.number])))
    assert "Pay 49.90 USD to reactivate your company." in page
    assert "Pay 54.90 USD to clear everything overdue." in page
    start = client.post(reverse("panel:pay_overdue", args=[account.number]))
    assert gateway_amount(start)[0] == D("54.90")


def test_r_ch4b_overdue_items_that_do_not_release_say_so(client, operator):
    """A charge not yet due keeps the balance below the threshold: paying what is overdue does
    not release the account (R-D1's credit limit), so the page says so beside the release."""
    account, user = suspended_by_dunning(operator, later="600.00")
    release = release_of(account)
    overdue = overdue_total(Book.live(), account.pk, timezone.localdate())
    assert overdue == D("49.90") and release.amount > overdue
    client.force_login(user)
    page = words(client.get(reverse("panel:dashboard", args=[account.number])))
    assert f"Pay {release.amount} USD to reactivate your company." in page
    assert "Pay 49.90 USD to clear everything overdue (this alone does not reactivate it)." in page


def test_an_active_company_is_not_offered_pay_everything_overdue(client, operator):
    account = funded_account(operator, balance="50.00")
    user = UserFactory()
    Membership.objects.create(user=user, account=account, role=Membership.Role.OWNER)
    client.force_login(user)
    assert "pay-overdue" not in text(client.get(reverse("panel:dashboard", args=[account.number])))
    response = client.post(reverse("panel:pay_overdue", args=[account.number]))
    assert response.status_code == 302 and response["Location"].endswith("/pay/")


def company_with_money(operator):
    account = funded_account(operator, balance="500.00")
    user = UserFactory()
    Membership.objects.create(user=user, account=account, role=Membership.Role.OWNER)
    return account, user


def test_r_s1_the_order_quote_shows_the_price_period_and_first_charge_and_writes_nothing(
    client, operator
):
    account, user = company_with_money(operator)
    plan = PlanFactory(price=D("30.00"), period_months=1)
    quote = quote_order(account, plan)
    client.force_login(user)
    page = text(client.post(reverse("panel:order", args=[account.number]), {"plan": plan.pk}))
    assert (
        "Review your order" in page and "Nothing is ordered or charged until you confirm." in page
    )
    assert "30.00 USD" in page and quote.charged_now == D("30.00")
    assert f"{quote.start:%-d %b %Y} – {quote.end:%-d %b %Y}" in page
    assert "470.00 USD" in page  # the balance after the first charge
    assert not Subscription.objects.filter(account=account).exists()
    confirm = client.post(
        reverse("panel:order", args=[account.number]), {"plan": plan.pk, "_step": "confirm"}
    )
    sub = Subscription.objects.get(account=account, plan=plan)
    assert confirm.status_code == 302
    assert (sub.period_start, sub.period_end) == (quote.start, quote.end)
    account.refresh_from_db()
    assert account.balance == quote.balance_after == D("470.00")


def test_r_s1_a_postpaid_quote_charges_nothing_now_and_the_price_at_the_period_end(operator):
    account, _user = company_with_money(operator)
    plan = PlanFactory(**PLAN_SHAPES["postpaid"], price=D("19.00"))
    quote = quote_order(account, plan)
    assert quote.charged_now == D("0.00") and quote.charged_at_end == D("19.00")
    assert quote.balance_after == account.balance


def test_a_trial_quote_charges_nothing(operator):
    account, _user = company_with_money(operator)
    plan = PlanFactory(price=D("30.00"), trial_allowed=True, trial_days=14)
    quote = quote_order(account, plan, trial=True)
    assert quote.charged_now == D("0.00") and quote.charged_at_end == D("0.00")
    assert (quote.end - quote.start).days == 14


def test_r_x1_a_hold_for_abuse_offers_paying_what_is_overdue_but_says_it_does_not_reactivate(
    client, operator
):
    account = AccountFactory(actor=operator)
    billing.set_financial_blocking_threshold(account, "-500", actor=operator)
    billing.issue_invoice(
        account,
        amount="30.00",
        billing_date=timezone.localdate() - timedelta(days=4),
        actor=operator,
    )
    account_services.change_status(account, "Suspended", actor=operator, reason="Abuse")
    user = UserFactory()
    Membership.objects.create(user=user, account=account, role=Membership.Role.OWNER)
    assert release_of(account).amount == 0  # R-X1: only an operator lifts it
    client.force_login(user)
    page = words(client.get(reverse("panel:dashboard", args=[account.number])))
    assert "You owe 30.00 USD on overdue charges." in page
    assert "Paying does not reactivate your company by itself: please contact support." in page
    assert "to reactivate" not in page
