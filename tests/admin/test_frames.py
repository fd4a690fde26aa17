"""The account's frames (issue 13): accounts owns the gear menu and the overview as registries
that billing and subscriptions fill from their admin.py, placed by explicit order keys."""

import re
from decimal import Decimal

import pytest
from django.contrib import admin
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from accounts import services
from accounts.admin_frames import (
    STATUS_ROW,
    WIDE,
    GearAction,
    GearMenu,
    OverviewSection,
    OverviewSections,
    account_menu,
    overview_sections,
)
from accounts.admin_overview import account_overview
from accounts.models import Account
from accounts.models import BackendStatus as S
from billing import services as billing
from tests.accounts.states import account_in

from .conftest import overview_url

pytestmark = pytest.mark.django_db

# Today's menu, in today's order (seed 002), then the items only the overview posts to.
MENU = ["change-status", "suspend", "cancel", "enable", "record-payment"]
# R-D8 corrections and the R-X2 exemption (issue 16), billing's, before Bill account.
CORRECTIONS = ["post-adjustment", "post-charge", "issue-invoice", "reverse-payment", "write-off",
               "credit-note", "dunning-exemption"]  # fmt: skip
MENU += [*CORRECTIONS, "bill", "schedule", "move-reseller"]  # issue 17: Move to reseller…
NOT_IN_MENU = ["set-threshold", "cancel-scheduled"]
# Today's sections, in the order the page shows them.
SECTIONS = [
    "policy",
    "reseller",  # issue 17: whose account it is and whom its customers contact (R-R1)
    "members",
    "money",
    "why-on-hold",
    "history",
    "scheduled",
    "subscriptions",
    "ledger",
    "notices",
    "deliveries",
    "audit",
]
PAGE_IDS = [
    "overview-status",
    "overview-money",
    "overview-actions",
    "why-on-hold",
    "overview-history",
    "overview-scheduled",
    "overview-subscriptions",
    "overview-ledger",
    "overview-notices",
    "overview-deliveries",
    "overview-audit",
]


def handler(model_admin, request, obj, action):
    raise AssertionError("never called")


def rendered(html, pattern):
    return re.findall(pattern, html)


# --- the gear menu ---


def test_the_account_menu_lists_every_apps_items_by_their_order_keys():
    items = account_menu.actions()
    assert [item.slug for item in items] == MENU + NOT_IN_MENU
    assert [item.order for item in items] == sorted(item.order for item in items)
    assert [item.slug for item in items if not item.in_menu] == NOT_IN_MENU


def test_each_app_registers_the_items_whose_service_it_owns():
    owner = {item.slug: item.handler.__module__.split(".")[0] for item in account_menu}
    assert owner == {
        "change-status": "accounts",
        "suspend": "accounts",
        "schedule": "accounts",
        "cancel-scheduled": "accounts",
        "move-reseller": "accounts",
        "enable": "billing",
        "record-payment": "billing",
        "set-threshold": "billing",
        **dict.fromkeys(CORRECTIONS, "billing"),
        "cancel": "subscriptions",  # the account with its subscriptions (R-E5)
        "bill": "subscriptions",  # subscriptions bills the charges that fell due (R-E8)
    }


def test_the_account_admin_reads_its_items_from_the_registry():
    assert admin.site._registry[Account].gear_actions == account_menu.actions()


def test_an_item_registered_by_billing_has_its_url_and_appears_in_the_change_list(
    client, operator, billing_manager
):
    account = account_in(S.ACTIVE, operator)
    url = reverse("admin:accounts_account_record-payment", args=[account.pk])
    assert url == f"/admin/accounts/account/{account.pk}/actions/record-payment/"
    client.force_login(billing_manager)
    page = client.get(reverse("admin:accounts_account_changelist")).content.decode()
    assert f'formaction="{url}" class="gear-item" data-action="record-payment"' in page


def test_the_overview_shows_a_cancelled_accounts_items_in_the_menus_order(client, operator):
    account = account_in(S.CANCELLED, operator)
    client.force_login(operator)
    page = client.get(overview_url(account)).content.decode()
    shown = rendered(page, r'class="gear-item" data-action="([\w-]+)"')
    assert shown == [slug for slug in MENU if slug != "suspend"]  # Suspend does not apply


def test_a_menu_orders_items_by_key_whatever_order_they_were_registered_in():
    menu = GearMenu("test")
    menu.register(GearAction("late", "Late", "p", handler, order=30))
    menu.register(GearAction("early", "Early", "p", handler, order=10))
    menu.register(GearAction("middle", "Middle", "p", handler, order=20))
    assert [item.slug for item in menu] == ["early", "middle", "late"]
    menu.unregister("middle")
    assert [item.slug for item in menu] == ["early", "late"]


def test_a_menu_refuses_a_second_item_with_a_taken_slug_or_order_key():
    menu = GearMenu("test")
    menu.register(GearAction("one", "One", "p", handler, order=10))
    with pytest.raises(ImproperlyConfigured, match="registered"):
        menu.register(GearAction("one", "Again", "p", handler, order=20))
    with pytest.raises(ImproperlyConfigured, match="share the order key 10"):
        menu.register(GearAction("two", "Two", "p", handler, order=10))


# --- the overview's sections ---


def test_the_overview_renders_every_apps_sections_in_their_order(client, operator):
    account = account_in(S.ACTIVE, operator)
    services.set_dunning_exemption(account, exempt=True, actor=operator)  # an audit row
    assert [section.key for section in overview_sections] == SECTIONS
    client.force_login(operator)
    page = client.get(overview_url(account)).content.decode()
    ids = rendered(page, r'id="(overview-[\w-]+|why-on-hold)"')
    assert [i for i in ids if i in PAGE_IDS] == PAGE_IDS
    assert page.index("Credit and dunning policy") < page.index("<th>Users</th>")


def test_a_section_registered_by_billing_renders_its_context(client, operator):
    account = account_in(S.ACTIVE, operator)
    billing.post_charge(account, "12.50", description="Fax usage in March", actor=operator)
    client.force_login(operator)
    response = client.get(overview_url(account))
    ledger = response.context["overview"].data["ledger"]
    assert ledger["count"] == len(ledger["rows"]) == 1
    page = response.content.decode()
    assert 'id="overview-ledger"' in page and "Fax usage in March" in page
    hold = response.context["overview"].data["money"]["hold"]
    assert hold.required_payment == billing.required_payment(account) == Decimal("12.50")


def test_a_registered_section_is_rendered_in_its_place(client, operator):
    account = account_in(S.ACTIVE, operator)
    extra = OverviewSection(
        "extra",
        65,  # between billing's policy row (60) and accounts' users row (70)
        "admin/billing/overview/policy.html",
        lambda account, now: {"policy": f"Extra policy of {account.number}"},
        place=STATUS_ROW,
    )
    overview_sections.register(extra)
    try:
        client.force_login(operator)
        page = client.get(overview_url(account)).content.decode()
    finally:
        overview_sections.unregister("extra")
    shown = page.index(f"Extra policy of {account.number}")
    assert page.index("Credit and dunning policy") < shown < page.index("<th>Users</th>")


def test_sections_that_name_one_context_function_share_one_call(operator):
    account = account_in(S.ACTIVE, operator)
    calls = []

    def context(account, now):
        calls.append(account.pk)
        return {"n": len(calls)}

    sections = OverviewSections()
    sections.register(
        OverviewSection("b", 20, "b.html", context),
        OverviewSection("a", 10, "a.html", context, place=STATUS_ROW),
    )
    overview = account_overview(account, sections)
    assert calls == [account.pk]
    assert [part.section.key for part in overview.parts] == ["a", "b"]
    assert overview.data["a"] is overview.data["b"]
    assert [p.section.key for p in overview.places[WIDE]] == ["b"]


def test_the_sections_refuse_a_taken_key_or_order_key_and_an_unknown_place():
    sections = OverviewSections()
    sections.register(OverviewSection("one", 10, "one.html", dict))
    with pytest.raises(ImproperlyConfigured):
        sections.register(OverviewSection("one", 20, "one.html", dict))
    with pytest.raises(ImproperlyConfigured):
        sections.register(OverviewSection("two", 10, "two.html", dict))
    with pytest.raises(ImproperlyConfigured, match="no place"):
        sections.register(OverviewSection("three", 30, "three.html", dict, place="footer"))
