"""R-R1: the texts that send a customer somewhere name the account's reseller contact when it
has one — the unlock refusal (R-G2), the control panel's blocked-company texts, the release
reason (R-CH4b) and the emails — all through accounts.resellers.contact_for."""

from datetime import date

import pytest
from django.conf import settings
from django.core import mail

from accounts import services
from accounts.actors import Actor
from accounts.errors import UnlockRefused
from accounts.models import BackendStatus as S
from accounts.models import StatusChange
from accounts.notices import send_account_locked
from accounts.panel import access
from accounts.resellers import contact_for
from accounts.unlocking import LOCKED_TYPE_NAME
from billing.release import release_of
from tests.accounts.factories import AccountFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

NEXT_PAYMENT = date(2020, 4, 30)
DAY_31 = date(2020, 5, 31)


def locked(account):
    services.change_status(
        account, LOCKED_TYPE_NAME, actor=Actor.system("R-G1"), reason="Credit exhausted"
    )
    account.refresh_from_db()
    return account


def test_r_r1_a_resellers_account_is_sent_to_the_reseller_and_the_providers_to_orders(
    side_a, own_account
):
    contact = contact_for(side_a.account)
    assert (contact.name, contact.orders) == ("Reseller A", "orders@reseller-a.example")
    assert contact.described == "Reseller A (orders@reseller-a.example)"
    provider = contact_for(own_account)
    assert not provider.is_reseller and provider.described == settings.ORDERS_CONTACT


def test_r_r1_r_g2_the_unlock_refusal_beyond_30_days_names_the_resellers_contact(
    side_a, provider_operator
):
    account = AccountFactory(
        actor=side_a.operator, reseller=side_a.reseller, next_payment_date=NEXT_PAYMENT
    )
    user = UserFactory()
    MembershipFactory(user=user, account=account)
    locked(account)
    with pytest.raises(UnlockRefused) as refused:
        services.unlock_user_account(user, actor=side_a.operator, today=DAY_31)
    assert "Reseller A (orders@reseller-a.example)" in refused.value.message
    assert settings.ORDERS_CONTACT not in refused.value.message


def test_r_r1_the_release_reason_of_a_locked_resellers_account_names_the_reseller(side_a):
    account = locked(side_a.account)
    assert "orders@reseller-a.example" in release_of(account.pk).reason


@pytest.mark.parametrize("status", [S.ADMINISTRATIVE_HOLD, S.CANCELLED])
def test_r_r1_the_blocked_company_text_names_the_resellers_contact(side_a, own_account, status):
    text = access.blocked_message(status, side_a.account)
    assert "Contact your reseller Reseller A (orders@reseller-a.example)" in text.replace(
        "contact your", "Contact your"
    )
    assert access.blocked_message(status, own_account) == str(access.BLOCKED_MESSAGES[status])


def test_r_r1_the_panel_shows_a_blocked_resellers_customer_their_resellers_contact(client, side_a):
    locked(side_a.account)
    client.force_login(side_a.customer)
    response = client.get(f"/panel/{side_a.account.number}/")
    assert response.status_code == 403
    assert "orders@reseller-a.example" in response.content.decode()


def test_r_r1_the_locked_email_names_the_resellers_contact(side_a):
    mail.outbox.clear()
    locked(side_a.account)
    change = StatusChange.objects.filter(account=side_a.account).first()
    send_account_locked(side_a.account.pk, change.pk)
    assert mail.outbox and "orders@reseller-a.example" in mail.outbox[-1].body
