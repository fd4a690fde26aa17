"""Lock and Unlock User Account (GFI seed 000; R-G2, R-G3, R-CH2) and the renewal-deadline relock."""

from datetime import date, timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import authenticate
from django.core import mail
from django.test import RequestFactory

from accounts import services
from accounts.actors import Actor
from accounts.errors import NoNextPaymentDate, NothingToLock, NothingToUnlock, UnlockRefused
from accounts.models import AccountAudit, StatusChange, UnlockAttempt
from accounts.models import BackendStatus as S
from accounts.tasks import enforce_renewal_deadlines as enforce_task
from accounts.unlocking import (
    LOCKED_TYPE_NAME,
    MSG_UNLOCK_WINDOW_PASSED,
    enforce_renewal_deadlines,
)
from tests.accounts.factories import AccountFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

NEXT_PAYMENT = date(2020, 4, 30)  # the seed's example: unlocking is acceptable up to 05/30/2020
DAY_30 = date(2020, 5, 30)
DAY_31 = date(2020, 5, 31)
PASSWORD = "correct horse battery"


@pytest.fixture
def locked_user(operator):
    """A customer whose account was locked for insufficient credit (R-G1)."""
    account = AccountFactory(actor=operator, next_payment_date=NEXT_PAYMENT)
    user = UserFactory()
    MembershipFactory(user=user, account=account)
    services.change_status(
        account, LOCKED_TYPE_NAME, actor=Actor.system("R-G1"), reason="Credit exhausted"
    )
    account.refresh_from_db()
    return user, account


def test_r_g2_unlock_on_the_30th_day_after_next_payment_is_allowed(locked_user, operator):
    user, account = locked_user
    attempts = services.unlock_user_account(user, actor=operator, today=DAY_30)
    account.refresh_from_db()
    assert account.backend_status == S.ACTIVE
    assert [a.allowed for a in attempts] == [True]
    change = StatusChange.objects.filter(account=account).first()
    assert change.reason.name == "Unlocked by support"
    assert change.actor_user == operator and change.actor_kind == "operator"
    assert attempts[0].status_change == change


def test_r_g2_unlock_on_the_31st_day_is_refused_with_the_orders_contact_and_recorded(
    locked_user, operator
):
    user, account = locked_user
    with pytest.raises(UnlockRefused) as refused:
        services.unlock_user_account(user, actor=operator, today=DAY_31)
    expected = MSG_UNLOCK_WINDOW_PASSED.format(
        account=account.number,
        days=30,
        next_payment_date="2020-04-30",
        last_day="2020-05-30",
        contact=settings.ORDERS_CONTACT,
    )
    assert refused.value.message == expected
    assert "2020-04-30" in refused.value.message and settings.ORDERS_CONTACT in expected
    account.refresh_from_db()
    assert account.status_type.name == LOCKED_TYPE_NAME
    assert account.renewal_deadline is None
    attempt = UnlockAttempt.objects.get(user=user)
    assert (attempt.allowed, attempt.account, attempt.actor_user) == (False, account, operator)
    assert attempt.message == expected and attempt.on_date == DAY_31


def test_r_g2_unlock_without_a_next_payment_date_is_refused_and_recorded(operator):
    account = AccountFactory(actor=operator)
    user = MembershipFactory(account=account).user
    services.lock_user_account(user, actor=operator, reason="Non-payment")  # R-G2b
    with pytest.raises(NoNextPaymentDate, match="no Next Payment date"):
        services.unlock_user_account(user, actor=operator, today=DAY_30)
    assert UnlockAttempt.objects.get(user=user).allowed is False


def test_unlock_with_nothing_locked_is_a_domain_error_and_recorded(operator):
    user = MembershipFactory(account=AccountFactory(actor=operator)).user
    with pytest.raises(NothingToUnlock, match="nothing to unlock"):
        services.unlock_user_account(user, actor=operator, today=DAY_30)
    assert UnlockAttempt.objects.get(user=user).allowed is False


def test_r_g2_only_an_operator_may_unlock(locked_user):
    user, account = locked_user
    with pytest.raises(UnlockRefused, match="Only an operator"):
        services.unlock_user_account(user, actor=user, today=DAY_30)
    account.refresh_from_db()
    assert account.backend_status == S.ADMINISTRATIVE_HOLD


def test_r_ch2_unlock_below_the_threshold_gives_credit_hold_and_still_a_deadline(operator):
    account = AccountFactory(
        actor=operator, next_payment_date=NEXT_PAYMENT, financial_blocking_threshold="10"
    )
    user = MembershipFactory(account=account).user
    services.lock_user_account(user, actor=operator, reason="Non-payment")  # R-G2b
    services.unlock_user_account(user, actor=operator, today=DAY_30)
    account.refresh_from_db()
    assert account.backend_status == S.CREDIT_HOLD
    assert account.renewal_deadline == DAY_30 + timedelta(days=3)


def login(user, password):
    request = RequestFactory().post("/login/", REMOTE_ADDR="203.0.113.7")
    return authenticate(request=request, username=user.get_username(), password=password)


def test_unlock_clears_the_axes_login_lockout(locked_user, operator):
    user, _account = locked_user
    for _ in range(settings.AXES_FAILURE_LIMIT):
        assert login(user, "wrong password") is None
    assert AccessAttempt.objects.filter(username=user.username).exists()
    assert login(user, PASSWORD) is None  # locked out: even the right password is refused
    services.unlock_user_account(user, actor=operator, today=DAY_30)
    assert not AccessAttempt.objects.filter(username=user.username).exists()
    assert login(user, PASSWORD) == user


def test_unlock_with_only_a_login_lockout_clears_it_and_records_it(operator):
    user = MembershipFactory(account=AccountFactory(actor=operator)).user
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(user, "wrong password")
    attempts = services.unlock_user_account(user, actor=operator, today=DAY_30)
    assert attempts[0].allowed and attempts[0].account is None
    assert login(user, PASSWORD) == user


def test_r_g3_unlock_sets_the_renewal_deadline_and_audits_it(locked_user, operator):
    user, account = locked_user
    services.unlock_user_account(user, actor=operator, today=DAY_30)
    account.refresh_from_db()
    assert account.renewal_deadline == date(2020, 6, 2)
    audit = AccountAudit.objects.get(account=account, field="renewal_deadline")
    assert (audit.old_value, audit.new_value, audit.actor_user) == ("", "2020-06-02", operator)


def test_r_g3_no_relock_on_the_deadline_day_and_relock_the_day_after(locked_user, operator):
    user, account = locked_user
    services.unlock_user_account(user, actor=operator, today=DAY_30)
    deadline = date(2020, 6, 2)
    assert enforce_renewal_deadlines(deadline) == {
        "relocked": 0,
        "cleared": 0,
        "refused": 0,
        "failed": 0,
    }
    account.refresh_from_db()
    assert account.backend_status == S.ACTIVE
    assert enforce_renewal_deadlines(deadline + timedelta(days=1))["relocked"] == 1
    account.refresh_from_db()
    assert account.status_type.name == LOCKED_TYPE_NAME
    assert account.renewal_deadline is None
    change = StatusChange.objects.filter(account=account).first()
    assert (change.actor_kind, change.rule_id, change.reason.name) == (
        "system",
        "R-G3",
        "Renewal deadline passed",
    )
    # a rerun changes nothing
    assert enforce_renewal_deadlines(deadline + timedelta(days=2))["relocked"] == 0


def test_r_g3_renewed_account_is_not_relocked(locked_user, operator):
    user, account = locked_user
    services.unlock_user_account(user, actor=operator, today=DAY_30)
    assert services.clear_renewal_deadline(account, actor=Actor.customer(user)) is True
    assert services.clear_renewal_deadline(account, actor=Actor.customer(user)) is False
    assert enforce_renewal_deadlines(date(2020, 6, 10))["relocked"] == 0
    account.refresh_from_db()
    assert account.backend_status == S.ACTIVE


def test_r_g3_deadline_of_an_account_held_by_other_means_is_cleared_without_relock(
    locked_user, operator
):
    user, account = locked_user
    services.unlock_user_account(user, actor=operator, today=DAY_30)
    services.change_status(account, "Cancelled", actor=operator, reason="Customer request")
    assert enforce_renewal_deadlines(date(2020, 6, 10))["cleared"] == 1
    account.refresh_from_db()
    assert account.backend_status == S.CANCELLED and account.renewal_deadline is None


def test_r_g3_renewal_deadline_task_takes_an_iso_date_and_refuses_anything_else(
    locked_user, operator
):
    user, account = locked_user
    services.unlock_user_account(user, actor=operator, today=DAY_30)
    assert enforce_task("2020-06-03")["relocked"] == 1
    from accounts.errors import InvalidDate

    with pytest.raises(InvalidDate, match="not an ISO date"):
        enforce_task("3rd of June")


def test_lock_user_account_moves_every_lockable_account_to_administrative_hold(operator):
    user = UserFactory()
    first = MembershipFactory(user=user, account=AccountFactory(actor=operator)).account
    second = MembershipFactory(user=user, account=AccountFactory(actor=operator)).account
    changes = services.lock_user_account(user, actor=operator)
    assert len(changes) == 2
    for account in (first, second):
        account.refresh_from_db()
        assert account.backend_status == S.ADMINISTRATIVE_HOLD
        assert account.status_reason.name == "Fraud review"
    with pytest.raises(NothingToLock):
        services.lock_user_account(user, actor=operator)


def test_lock_and_unlock_send_notices_after_commit(
    locked_user, operator, django_capture_on_commit_callbacks
):
    user, account = locked_user
    with django_capture_on_commit_callbacks(execute=True):
        services.unlock_user_account(user, actor=operator, today=DAY_30)
    unlocked = mail.outbox[-1]
    assert unlocked.to == [user.email]
    assert (
        "2020-06-02" in unlocked.subject
        and "renew your subscription by 2020-06-02" in unlocked.body
    )
    html, mimetype = unlocked.alternatives[0]
    assert mimetype == "text/html" and "2020-06-02" in html
    with django_capture_on_commit_callbacks(execute=True):
        services.lock_user_account(user, actor=operator, reason="Abuse")
    locked = mail.outbox[-1]
    assert "is locked" in locked.subject and "Reason: Abuse" in locked.body
    assert settings.ORDERS_CONTACT in locked.body


def test_a_refused_unlock_sends_no_notice(
    locked_user, operator, django_capture_on_commit_callbacks
):
    user, _account = locked_user
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(UnlockRefused):
        services.unlock_user_account(user, actor=operator, today=DAY_31)
    assert mail.outbox == []


def test_r_g3_relock_notice_goes_to_the_account_contacts(
    locked_user, operator, django_capture_on_commit_callbacks
):
    user, _account = locked_user
    services.unlock_user_account(user, actor=operator, today=DAY_30)
    with django_capture_on_commit_callbacks(execute=True):
        enforce_renewal_deadlines(date(2020, 6, 3))
    assert [m.to for m in mail.outbox] == [[user.email]]
    assert "Renewal deadline passed" in mail.outbox[0].body
