"""The control-panel pages: what each shows, the R-CH6 banner, sign-in and the switcher (R-C3)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.actors import Actor
from accounts.models import BackendStatus as S
from accounts.models import Membership
from accounts.panel import access
from billing import services as billing
from tests.accounts.factories import UserFactory
from tests.accounts.states import account_in

from .companies import URLS, company_in, text, words

pytestmark = pytest.mark.django_db
D = Decimal
PASSWORD = "correct horse battery"


def get(client, name, company, **kwargs):
    return client.get(reverse(f"panel:{name}", kwargs={"number": company.number, **kwargs}))


def test_r_ch6_every_page_on_credit_hold_shows_the_required_amount_and_its_payment_link(
    client, operator
):
    company = company_in(S.CREDIT_HOLD, operator)
    client.force_login(company.user)
    required = billing.required_payment(company.account)
    assert required == D("42.50")
    link = reverse("panel:pay_required", args=[company.number])
    pages = [u for u in URLS if u.method == "GET" and u.name != "pay_required"]
    for url in pages:
        response = client.get(url.path(company.number, company))
        body = text(response)
        assert "Your company is on credit hold." in body, url.name
        assert "Pay 42.50 USD now" in body and f'href="{link}"' in body, url.name


def test_r_ch6_the_link_starts_a_payment_for_exactly_the_required_amount_and_paying_it_lifts_the_hold(
    client, operator
):
    company = company_in(S.CREDIT_HOLD, operator)
    client.force_login(company.user)
    response = client.get(reverse("panel:pay_required", args=[company.number]))
    assert response.status_code == 302
    gateway_page = client.get(response["Location"])
    assert 'id="gateway-amount">42.50 USD<' in gateway_page.content.decode()
    done = client.post(response["Location"], follow=True)
    company.account.refresh_from_db()
    assert company.account.backend_status == S.ACTIVE  # R-CH5: at once, same transaction
    assert company.account.balance == D("0.00")
    body = text(done)
    assert "Your company is on credit hold." not in body
    assert "The company is Active again." in body
    assert all(f">{label}<" in body for label in ("Subscriptions", "Profile", "Top up"))


def test_the_pay_link_with_nothing_required_goes_to_the_top_up_form(client, operator):
    company = company_in(S.ACTIVE, operator)
    client.force_login(company.user)
    response = client.get(reverse("panel:pay_required", args=[company.number]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("panel:pay", args=[company.number])
    assert "No payment is required right now" in text(response)


def test_the_dashboard_shows_balance_status_next_payment_and_threshold(client, operator):
    company = company_in(S.ACTIVE, operator, credit_note=False)
    account = company.account
    account.next_payment_date = timezone.localdate() + timedelta(days=9)
    account.save(update_fields=["next_payment_date"])
    client.force_login(company.user)
    body = text(get(client, "dashboard", company))
    assert 'id="balance">480.00 <span class="stat-unit">USD' in body
    assert 'id="status">Active<' in body
    assert f"{account.next_payment_date:%-d %b %Y}" in body
    assert "Low balance" not in body and "renewal" not in body.lower().split("footer")[0]


def test_r_g3_the_dashboard_shows_the_renewal_deadline_after_an_unlock(client, operator):
    company = company_in(S.ACTIVE, operator)
    deadline = timezone.localdate() + timedelta(days=3)
    company.account.renewal_deadline = deadline
    company.account.save(update_fields=["renewal_deadline"])
    client.force_login(company.user)
    body = words(get(client, "dashboard", company))
    assert (
        f"Renew your subscription by {deadline:%-d %b %Y} , or the company is locked again" in body
    )


def test_the_dashboard_warns_of_a_low_balance_before_credit_runs_out(client, operator):
    company = company_in(S.ACTIVE, operator, balance="27.00", credit_note=False)  # 7 left
    client.force_login(company.user)
    body = words(get(client, "dashboard", company))
    assert "Low balance." in body
    assert "You can spend 7.00 USD more before your company goes on credit hold" in body


def test_r_ch1_the_dashboard_says_when_a_negative_balance_outlasts_the_allowed_period(
    client, operator
):
    company = company_in(S.ACTIVE, operator, balance="20.00")  # 0 after the 20.00 invoice
    account = company.account
    billing.set_financial_blocking_threshold(account, "-100.00", actor=operator)
    account.allowed_negative_days = 5
    account.save(update_fields=["allowed_negative_days"])
    billing.post_usage(account, "10.00", description="Fax pages", actor=operator)
    client.force_login(company.user)
    body = words(get(client, "dashboard", company))
    account.refresh_from_db()
    hold_after = timezone.localtime(account.negative_since + timedelta(days=5))
    assert f"Unless it is back to 0 by {hold_after:%-d %b %Y, %H:%M}" in body


def test_transactions_and_charges_list_the_companys_ledger_and_invoices(client, operator):
    company = company_in(S.ACTIVE, operator)
    client.force_login(company.user)
    transactions = text(get(client, "transactions", company))
    assert "500.00 USD" in transactions and "-20.00 USD" in transactions
    charges = text(get(client, "charges", company))
    assert company.invoice.number in charges and "500.00 USD" not in charges
    invoice = text(get(client, "invoice", company, pk=company.invoice.pk))
    assert f"Invoice {company.invoice.number}" in invoice and "20.00 USD" in invoice


def test_r_c3_the_switcher_lists_every_company_with_its_status_and_blocked_ones_cannot_be_entered(
    client, operator
):
    user = UserFactory()
    companies = {s: company_in(s, operator, user=user) for s in (S.ACTIVE, S.CREDIT_HOLD)}
    for status in (S.ADMINISTRATIVE_HOLD, S.DELETED):
        account = account_in(status, operator)
        Membership.objects.create(user=user, account=account)
        companies[status] = account
    client.force_login(user)
    body = text(client.get(reverse("panel:home")))
    for status, company in companies.items():
        number = getattr(company, "number", None)
        assert number in body
        link = f'href="{reverse("panel:dashboard", args=[number])}"'
        assert (link in body) == access.may_enter(status), status
    assert "Credit hold" in body and "Administrative hold" in body and "Deleted" in body


@pytest.mark.parametrize(
    ("status", "message"),
    [(S.ADMINISTRATIVE_HOLD, access.MSG_BLOCKED), (S.DELETED, access.MSG_DELETED)],
)
def test_a_user_of_one_blocked_company_sees_its_exact_text_after_signing_in(
    client, operator, status, message
):
    user = UserFactory()
    Membership.objects.create(user=user, account=account_in(status, operator))
    response = client.post(
        reverse("panel:login"), {"username": user.username, "password": PASSWORD}, follow=True
    )
    assert response.status_code == 403
    assert str(message) in text(response)


def test_signing_in_opens_the_only_company_and_a_wrong_password_says_so(client, operator):
    company = company_in(S.ACTIVE, operator)
    wrong = client.post(
        reverse("panel:login"), {"username": company.user.username, "password": "nope"}
    )
    assert wrong.status_code == 200 and "Please enter a correct username and password" in text(
        wrong
    )
    response = client.post(
        reverse("panel:login"),
        {"username": company.user.username, "password": PASSWORD},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("panel:dashboard", args=[company.number])


@override_settings(AXES_FAILURE_LIMIT=3)
def test_repeated_wrong_passwords_lock_the_login_with_a_readable_page(client, operator):
    company = company_in(S.ACTIVE, operator)
    form = {"username": company.user.username, "password": "wrong"}
    for _attempt in range(2):
        assert client.post(reverse("panel:login"), form).status_code == 200
    locked = client.post(reverse("panel:login"), form)
    assert locked.status_code == 429
    assert "Too many failed sign-in attempts" in text(locked)
    right = client.post(
        reverse("panel:login"), {"username": company.user.username, "password": PASSWORD}
    )
    assert right.status_code == 429  # the right password does not get through the cool-off


def test_signed_out_visitors_are_sent_to_sign_in(client, operator):
    company = company_in(S.ACTIVE, operator)
    response = get(client, "dashboard", company)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("panel:login"))


def test_a_user_without_a_company_is_told_so(client):
    client.force_login(UserFactory())
    assert "not attached to any company" in text(client.get(reverse("panel:home")))


def test_the_profile_saves_contact_details_on_an_active_company(client, operator):
    company = company_in(S.ACTIVE, operator)
    client.force_login(company.user)
    url = reverse("panel:profile", args=[company.number])
    response = client.post(url, {"first_name": "Ada", "last_name": "King", "email": "ada@x.test"})
    assert response.status_code == 302
    company.user.refresh_from_db()
    assert (company.user.first_name, company.user.email) == ("Ada", "ada@x.test")


def test_the_profile_refuses_an_email_another_user_has(client, operator):
    company = company_in(S.ACTIVE, operator)
    other = UserFactory(email="taken@x.test")
    client.force_login(company.user)
    url = reverse("panel:profile", args=[company.number])
    response = client.post(url, {"first_name": "", "last_name": "", "email": "TAKEN@x.test"})
    assert response.status_code == 400
    assert "Another user already has the email address TAKEN@x.test." in text(response)
    company.user.refresh_from_db()
    assert company.user.email != other.email


def test_on_credit_hold_the_profile_is_read_only(client, operator):
    company = company_in(S.CREDIT_HOLD, operator)
    client.force_login(company.user)
    url = reverse("panel:profile", args=[company.number])
    page = text(client.get(url))
    assert "Contact details can be changed while the company is Active." in page
    response = client.post(url, {"first_name": "X", "last_name": "Y", "email": "x@y.test"})
    assert response.status_code == 403
    assert "only financial operations are available" in text(response)


def test_prospects_see_their_company_read_only(client, operator):
    company = company_in(S.PROSPECT, operator)
    client.force_login(company.user)
    body = text(get(client, "dashboard", company))
    assert ">Transactions<" in body and ">Top up<" not in body
    refused = get(client, "pay", company)
    assert refused.status_code == 403 and str(access.MSG_PROSPECT) in text(refused)


def test_suspended_companies_offer_account_information_and_payment_only(client, operator):
    company = company_in(S.SUSPENDED, operator)
    client.force_login(company.user)
    body = text(get(client, "dashboard", company))
    menu = body.split('id="panel-menu"')[1].split("</ul>")[0]
    assert ">Dashboard<" in menu and ">Top up<" in menu and ">Profile<" in menu
    assert ">Transactions<" not in menu and ">Subscriptions<" not in menu


def test_r_d4_a_full_payment_through_the_panel_reactivates_a_company_suspended_for_non_payment(
    client, operator
):
    company = company_in(S.ACTIVE, operator, balance="20.00")  # 0 after the 20.00 invoice
    billing.set_financial_blocking_threshold(company.account, "-100.00", actor=operator)
    billing.post_usage(company.account, "15.00", description="Fax pages", actor=operator)
    account_services.change_status(
        company.account, "Suspended until Paid", actor=Actor.system("R-D1"), reason="Non-payment"
    )
    client.force_login(company.user)
    start = client.post(reverse("panel:pay", args=[company.number]), {"amount": "15.00"})
    client.post(start["Location"])
    company.account.refresh_from_db()
    assert company.account.backend_status == S.ACTIVE


def test_r_ch4_a_hold_that_needs_no_payment_says_so_instead_of_asking_for_zero(client, operator):
    user = UserFactory()
    account = account_in(S.CREDIT_HOLD, operator)  # put there by the system at balance 0
    Membership.objects.create(user=user, account=account)
    client.force_login(user)
    body = text(client.get(reverse("panel:dashboard", args=[account.number])))
    assert "no payment is needed, and the hold is lifted at the next credit check" in body
    assert "Pay 0.00" not in body
