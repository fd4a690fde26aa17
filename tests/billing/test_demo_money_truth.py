"""Issue 14 on the demo data set (seed_demo): every held account says what releases it, and the
amount it asks for releases it (R-CH4b), Delta's dunning hold included."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction

from accounts.actors import Actor
from accounts.models import Account
from accounts.models import BackendStatus as S
from billing import services
from billing.release import CUSTOMER, release_of

pytestmark = pytest.mark.django_db


class Rollback(Exception):
    pass


def active_after_paying(account, amount) -> bool:
    """Pay `amount` in a savepoint, read the status, and undo it all."""
    try:
        with transaction.atomic():
            services.record_payment(
                account, amount, idempotency_key=f"demo-{account.pk}", actor=Actor.system("test")
            )
            account.refresh_from_db()
            active = account.backend_status == S.ACTIVE
            raise Rollback
    except Rollback:
        return active


@pytest.fixture
def demo():
    call_command("seed_demo", password="demo-pass-123")
    return {a.name: a for a in Account.objects.select_related("status_type")}


def test_r_ch4b_every_demo_account_on_hold_says_what_releases_it(demo):
    for account in demo.values():
        if account.backend_status == S.ACTIVE:
            continue
        release = release_of(account)
        if release.amount > 0:
            assert release.who_must_act == CUSTOMER, account.name
            assert active_after_paying(account, release.amount), account.name
        else:
            assert release.who_must_act != CUSTOMER and release.reason, account.name


def test_r_ch4b_delta_held_by_dunning_asks_for_its_overdue_amount_and_paying_it_releases(demo):
    delta = demo["Delta Messaging"]
    amount = services.required_payment(delta)

    assert amount > Decimal("0")
    assert active_after_paying(delta, amount)
    assert not active_after_paying(delta, amount - Decimal("0.01"))
