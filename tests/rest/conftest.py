"""The REST API's fixtures: keys with chosen scopes, a client that presents one, accounts and
subscriptions reached through the services."""

from __future__ import annotations

import itertools

import pytest
from rest_framework.test import APIClient

from accounts.actors import Actor
from accounts.api.keys import issue_service_api_key
from accounts.models.service_keys import API_SCOPES
from tests.subscriptions.factories import PlanFactory, funded_account

_names = itertools.count()


@pytest.fixture
def make_key(operator):
    """make_key("read", …) → the raw key of a new key holding those scopes."""

    def make(*scopes: str) -> str:
        return issue_service_api_key(
            f"rest-key-{next(_names)}", actor=Actor.operator(operator), scopes=scopes
        )[1]

    return make


def client_with(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.fixture
def api(make_key) -> APIClient:
    """A client whose key holds every scope."""
    return client_with(make_key(*API_SCOPES))


@pytest.fixture
def account(operator):
    return funded_account(operator, balance="100.00")


@pytest.fixture
def plan(db):
    return PlanFactory(name="Fax monthly", price="31.00")
