"""Issue 19: the accounts resources reach the accounts services — create, PATCH of the fields an
operator edits (audited), status changes with `preview` (the table's refusals → 409 with the
domain message; a preview writes nothing), scheduled changes (R-E4) and unlock (R-G2)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from accounts import services
from accounts.actors import Actor
from accounts.models import Account, AccountAudit, ScheduledStatusChange, StatusChange
from accounts.models import BackendStatus as S
from accounts.transitions import CREDIT_HOLD_IS_MONEY
from accounts.unlocking import LOCKED_TYPE_NAME
from tests.accounts.factories import AccountFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def url(account, tail=""):
    return f"/api/v1/accounts/{account.number}/{tail}"


def test_create_makes_an_active_account_through_the_service_with_its_history(api):
    response = api.post("/api/v1/accounts/", {"name": "Acme", "currency": "EUR"}, format="json")
    assert response.status_code == 201
    account = Account.objects.get(number=response.json()["number"])
    assert account.backend_status == S.ACTIVE and account.currency == "EUR"
    assert response.json()["status"] == "Active" and response.json()["balance"] == "0.00"
    assert StatusChange.objects.filter(account=account).count() == 1


def test_create_refuses_a_taken_number_and_a_status_a_new_account_cannot_have(api, account):
    taken = api.post("/api/v1/accounts/", {"name": "X", "number": account.number}, format="json")
    assert taken.status_code == 400 and "number" in taken.json()["fields"]
    response = api.post(
        "/api/v1/accounts/", {"name": "X", "status_type": "Suspended"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert "Active or Prospect" in response.json()["error"]


def test_list_filters_by_backend_status_and_retrieve_by_number(api, account, operator):
    suspended = AccountFactory()
    services.change_status(suspended, "Suspended", actor=Actor.operator(operator), reason="Abuse")
    listed = api.get("/api/v1/accounts/?backend_status=suspended").json()["results"]
    assert [a["number"] for a in listed] == [suspended.number]
    assert api.get(url(account)).json()["balance"] == "100.00"


@pytest.mark.parametrize(
    "created_after",
    ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-10:00"],
)
def test_a_created_after_time_that_leaves_the_calendar_in_utc_is_a_400_with_a_message(
    api, account, created_after
):
    response = api.get("/api/v1/accounts/", {"created_after": created_after})
    assert response.status_code == 400
    assert "created_after" in response.json()["fields"]


def test_created_after_with_an_offset_postgresql_cannot_read_is_compared_in_utc(api, account):
    # schemathesis found a 500: PostgreSQL refuses offsets beyond ±15:59 that Python accepts.
    response = api.get("/api/v1/accounts/", {"created_after": "1065-07-01T02:19:35-17:47"})
    assert response.status_code == 200
    assert account.number in [a["number"] for a in response.json()["results"]]
    after = (account.created_at + timedelta(minutes=1)).astimezone(
        timezone.get_fixed_timezone(-(17 * 60 + 47))
    )
    listed = api.get("/api/v1/accounts/", {"created_after": after.isoformat()}).json()
    assert account.number not in [a["number"] for a in listed["results"]]


def test_patch_writes_next_payment_date_and_exemption_through_their_audited_services(api, account):
    body = {"next_payment_date": "2030-01-31", "dunning_exemption": {"exempt": True}}
    response = api.patch(url(account), body, format="json")
    assert response.status_code == 200, response.json()
    account.refresh_from_db()
    assert account.next_payment_date == date(2030, 1, 31) and account.dunning_exempt
    assert AccountAudit.objects.filter(account=account).count() >= 2


def test_r_ch3_patch_of_the_threshold_above_the_balance_puts_the_account_on_credit_hold(
    api, account
):
    response = api.patch(url(account), {"financial_blocking_threshold": "150.00"}, format="json")
    assert response.status_code == 200
    assert response.json()["backend_status"] == S.CREDIT_HOLD
    assert response.json()["financial_blocking_threshold"] == "150.00"


def test_status_change_is_written_by_change_status(api, account):
    body = {"status_type": "Suspended", "reason": "Abuse", "note": "ticket 7"}
    response = api.post(url(account, "status-changes/"), body, format="json")
    assert response.status_code == 201
    assert response.json()["to_status"] == "Suspended" and response.json()["note"] == "ticket 7"
    account.refresh_from_db()
    assert account.backend_status == S.SUSPENDED
    history = api.get(url(account, "status-changes/")).json()["results"]
    assert history[0]["to_status"] == "Suspended"


def test_a_refused_transition_is_409_with_the_domain_message_and_changes_nothing(api, account):
    before = StatusChange.objects.count()
    body = {"status_type": "Credit hold", "reason": "Non-payment"}
    for preview in (True, False):
        response = api.post(
            url(account, "status-changes/"), body | {"preview": preview}, format="json"
        )
        assert response.status_code == 409
        assert CREDIT_HOLD_IS_MONEY in response.json()["error"]
    account.refresh_from_db()
    assert account.backend_status == S.ACTIVE and StatusChange.objects.count() == before


def test_r_x5_status_change_preview_says_what_would_happen_and_writes_nothing(api, account):
    before = StatusChange.objects.count(), AccountAudit.objects.count()
    body = {"status_type": "Suspended", "reason": "Abuse", "preview": True}
    response = api.post(url(account, "status-changes/"), body, format="json")
    assert response.status_code == 200
    assert response.json() == {
        "preview": True,
        "from_status": "Active",
        "to_status": "Suspended",
        "to_backend_status": "suspended",
        "rule_id": "",
    }
    account.refresh_from_db()
    assert account.backend_status == S.ACTIVE
    assert (StatusChange.objects.count(), AccountAudit.objects.count()) == before


def test_a_reason_that_does_not_fit_is_400_in_preview_too(api, account):
    body = {"status_type": "Suspended", "reason": "New account", "preview": True}
    response = api.post(url(account, "status-changes/"), body, format="json")
    assert response.status_code == 400 and response.json()["code"] == "reason_not_allowed"


def test_r_e4_scheduled_changes_are_created_listed_and_cancelled_once(api, account):
    on = (timezone.localdate() + timedelta(days=3)).isoformat()
    body = {"status_type": "Suspended", "reason": "Abuse", "effective_on": on}
    created = api.post(url(account, "scheduled-changes/"), body, format="json")
    assert created.status_code == 201 and created.json()["state"] == "pending"
    pk = created.json()["id"]
    assert [s["id"] for s in api.get(url(account, "scheduled-changes/")).json()["results"]] == [pk]
    cancelled = api.post(url(account, f"scheduled-changes/{pk}/cancel/"), format="json")
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    again = api.post(url(account, f"scheduled-changes/{pk}/cancel/"), format="json")
    assert again.status_code == 409 and again.json()["code"] == "invalid_schedule"
    assert ScheduledStatusChange.objects.get(pk=pk).state == "cancelled"


def test_r_e4_a_past_date_is_refused(api, account):
    body = {"status_type": "Suspended", "reason": "Abuse", "effective_on": "2001-01-01"}
    response = api.post(url(account, "scheduled-changes/"), body, format="json")
    assert response.status_code == 409 and "has passed" in response.json()["error"]


def test_another_accounts_scheduled_change_is_404(api, account):
    other = AccountFactory()
    on = timezone.localdate() + timedelta(days=3)
    scheduled = services.schedule_status_change(
        other, "Suspended", reason="Abuse", effective_on=on, actor=Actor.system("test")
    )
    response = api.post(url(account, f"scheduled-changes/{scheduled.pk}/cancel/"), format="json")
    assert response.status_code == 404
    assert ScheduledStatusChange.objects.get(pk=scheduled.pk).state == "pending"


def test_r_g2_unlock_lifts_a_credit_lock_within_the_window(api, operator):
    account = AccountFactory(next_payment_date=timezone.localdate() - timedelta(days=5))
    MembershipFactory(user=UserFactory(), account=account)
    services.change_status(
        account, LOCKED_TYPE_NAME, actor=Actor.system("R-G1"), reason="Credit exhausted"
    )
    response = api.post(url(account, "unlock/"), {}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()[0]["allowed"] is True
    account.refresh_from_db()
    assert account.backend_status in (S.ACTIVE, S.CREDIT_HOLD)


def test_unlock_with_nothing_locked_is_409_and_an_unknown_user_404(api, account):
    user = UserFactory()
    MembershipFactory(user=user, account=account)
    response = api.post(url(account, "unlock/"), {}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "nothing_to_unlock"
    unknown = api.post(url(account, "unlock/"), {"username": "nobody"}, format="json")
    assert unknown.status_code == 404


def test_events_are_a_feed_oldest_first_with_a_cursor(api, operator):
    accounts = [AccountFactory() for _ in range(3)]
    for account in accounts:
        services.change_status(account, "Suspended", actor=Actor.operator(operator), reason="Abuse")
    page = api.get("/api/v1/events/?limit=2").json()
    ids = [e["id"] for e in page["results"]]
    while page["next"]:
        page = api.get(page["next"]).json()
        ids += [e["id"] for e in page["results"]]
    assert len(ids) == len(set(ids)) >= 3
    mine = api.get(f"/api/v1/events/?account={accounts[1].number}").json()["results"]
    assert mine and {e["account"] for e in mine} == {accounts[1].number}
