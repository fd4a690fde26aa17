"""The access table of issue 17 (R-R3): every admin URL — listed from the URL resolver, so a page
added later is in it without a change here — × {provider operator, reseller A's operator,
reseller B's operator}, with the real ids of reseller B's objects substituted into each pattern.

- reseller A's operator: every page of one of B's objects is a 404 (never a 403 that would
  confirm it exists); every list, search, statistic and export names none of B's objects;
- reseller B's operator and the provider's: B's objects open (no 404: the scope does not hide
  what is theirs);
- nobody gets a 500.

Reseller operators are Administrators (the widest group): the scope, not a missing permission,
keeps them out.
"""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.urls import URLPattern, URLResolver, get_resolver

from accounts import scoping
from accounts.models import Account

from .world import fill

pytestmark = pytest.mark.django_db

ARG = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
SKIPPED_ROUTES = {
    "admin/logout/",  # ends the session the table runs in
    "admin/(?P<url>.*)$",  # the catch-all: Django's redirect/404 for an unknown admin URL
}


def admin_routes() -> list[tuple[str, str | None]]:
    """(route, name) of every admin URL, from the resolver."""
    found = []

    def walk(resolver, prefix):
        for pattern in resolver.url_patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern, route)
            elif isinstance(pattern, URLPattern) and route.startswith("admin/"):
                found.append((route, pattern.name))

    walk(get_resolver(), "")
    return [(route, name) for route, name in found if route not in SKIPPED_ROUTES]


def model_of(route: str):
    parts = route.split("/")
    if len(parts) > 3 and not parts[1].startswith(("^", "(", "<")):
        try:
            return apps.get_model(parts[1], parts[2])
        except LookupError:
            return None
    return None


def object_of(model, reseller):
    """The reseller's first object of `model`; for reference data and the provider's records,
    any object (the scope shows reference data to all and the provider's to none)."""
    rows = model._default_manager.order_by("pk")
    if scoping.rule_for(model) in (scoping.SHARED, scoping.PROVIDER):
        return rows.first()
    return scoping.scope_to_reseller(rows, reseller.pk).first()


def urls_for(route: str, reseller) -> list[tuple[str, object]]:
    """The concrete URLs of `route` with `reseller`'s objects in it, and the object named."""
    if route.startswith("admin/^(?P<app_label>"):
        labels = route.split("(?P<app_label>")[1].split(")")[0].split("|")
        return [(f"/admin/{label}/", None) for label in labels]
    if route.startswith("admin/r/"):
        account = object_of(Account, reseller)
        ct = ContentType.objects.get_for_model(Account)
        return [(f"/admin/r/{ct.pk}/{account.pk}/", account)]
    model = model_of(route)
    names = [m.group("name") for m in ARG.finditer(route)]
    if not names:
        return [("/" + route, None)]
    obj = object_of(model, reseller) if model is not None else None
    if obj is None:
        return []  # no object of this model (listed by test_every_scoped_model_has_objects)
    values = {"object_id": str(obj.pk), "id": str(obj.pk), "slug": "ledger"}
    url = ARG.sub(lambda m: values.get(m.group("name"), "1"), route)
    return [("/" + url, obj)]


@pytest.fixture
def world(side_a, side_b, own_account, provider_operator):
    markers_b = fill(side_b, provider_operator)
    fill(side_a, provider_operator, dunning=False)
    return markers_b


def request(client, url):
    if "/actions/" in url:
        return client.post(url)  # gear items answer POST only
    return client.get(url, follow=True)  # "<id>/" redirects to "<id>/change/"


def problems_for(client, user, world, reseller_b, *, outsider: bool) -> list[str]:
    """Walk every admin URL as `user`; say what breaks the table."""
    client.force_login(user)
    found = []
    for route, _name in admin_routes():
        for url, obj in urls_for(route, reseller_b):
            response = request(client, url)
            status = response.status_code
            if status >= 500:
                found.append(f"{url}: {status}")
            elif url.startswith("/admin/r/"):  # "view on site": accounts have no site page
                found += [] if status == 404 else [f"{url}: {status}"]
            elif obj is not None and not _public(obj):
                found += _object_problem(url, status, outsider)
            elif outsider and status == 200:
                found += _leaks(url, response, world)
            if outsider and status == 200 and obj is None and "/admin/" in url:
                query = "&" if "?" in url else "?"
                searched = client.get(f"{url}{query}q={world['account number']}")
                echoed = {k: v for k, v in world.items() if k != "account number"}  # the query
                found += _leaks(f"{url} (search)", searched, echoed)
    return found


def _public(obj) -> bool:
    return scoping.rule_for(type(obj)) == scoping.SHARED


def _object_problem(url, status, outsider) -> list[str]:
    if outsider and status != 404:
        return [f"{url}: {status}, expected 404 for another reseller's object"]
    if not outsider and status == 404:
        return [f"{url}: 404 for the operator's own object"]
    return []


def _leaks(url, response, world) -> list[str]:
    if getattr(response, "streaming", False):
        body = b"".join(response.streaming_content).decode(errors="replace")
    else:
        body = response.content.decode(errors="replace")
    return [f"{url}: shows B's {what} {text!r}" for what, text in world.items() if text in body]


def test_r_r3_reseller_a_gets_404s_for_b_objects_and_no_b_names_in_any_list(
    client, world, side_a, side_b
):
    problems = problems_for(client, side_a.operator, world, side_b.reseller, outsider=True)
    assert problems == [], "\n".join(problems)


def test_r_r3_reseller_b_opens_every_page_of_its_own_objects(client, world, side_b):
    problems = problems_for(client, side_b.operator, world, side_b.reseller, outsider=False)
    assert [p for p in problems if "/axes/" not in p] == []


def test_r_r3_the_provider_operator_opens_every_page_of_b_objects(
    client, world, side_b, provider_operator
):
    assert problems_for(client, provider_operator, world, side_b.reseller, outsider=False) == []


def test_r_r3_every_scoped_admin_model_has_an_object_of_b_in_the_table(world, side_b):
    """The table substitutes a real object into each object URL: a scoped model without one
    would leave its pages out, so the world must grow with the admin."""
    missing = [
        model._meta.label
        for model in admin.site._registry
        if scoping.rule_for(model) not in (scoping.SHARED, scoping.PROVIDER)
        and object_of(model, side_b.reseller) is None
    ]
    assert missing == []


def test_r_r3_every_admin_model_says_how_it_reaches_a_reseller():
    """A model registered later is closed to reseller operators until its app registers its
    rule (accounts.scoping): this lists the ones that fell back to that default."""
    unregistered = [
        model._meta.label
        for model in admin.site._registry
        if not scoping.is_registered(model) and model._meta.app_label != "axes"
    ]
    assert unregistered == []


def test_r_r3_the_admin_autocomplete_finds_no_account_of_another_reseller(
    client, world, side_a, side_b
):
    client.force_login(side_a.operator)
    response = client.get(
        "/admin/autocomplete/",
        {
            "app_label": "accounts",
            "model_name": "membership",
            "field_name": "account",
            "term": side_b.account.number,
        },
    )
    assert response.status_code == 200
    assert response.json()["results"] == []
