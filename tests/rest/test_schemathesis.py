"""Issue 19 acceptance: schemathesis against the live schema, through the WSGI app (loopback, no
network): for every operation, bounded generated requests with a key holding every scope — no 5xx,
every status documented, every answer matching its schema (the error shape included). Account
numbers in paths are a real funded account's, so requests reach the services, not only 404s."""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.models import Account
from accounts.models.service_keys import API_SCOPES

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Per operation; the default keeps tests/rest within its time budget, CI may ask for more.
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "3"))


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """As in Django's test client: a request through the WSGI app must not close the test's
    database connection (and its transaction) when it starts or finishes."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world(make_key, account, plan):
    """A funded account, a plan to order, and a key with every scope."""
    return {"number": account.number, "key": make_key(*API_SCOPES)}


def _schema():
    """The schema as the WSGI app serves it (no database needed); requests go to the app in
    process. (schemathesis.pytest.from_fixture reads a node attribute pytest 9 removed.)"""
    from config.wsgi import application

    return schemathesis.openapi.from_wsgi("/api/v1/schema/", application)


schema = _schema()


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
@pytest.mark.django_db
def test_no_5xx_and_every_answer_matches_the_schema(case, world):
    for name in ("account_number", "number"):
        if case.path_parameters and name in case.path_parameters:
            case.path_parameters[name] = world["number"]
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {world['key']}"}
    case.call_and_validate(checks=CHECKS)


@pytest.mark.django_db
def test_stateful_links_no_5xx_and_every_answer_matches_the_schema(world):
    """Follow the schema's links (create an account → pay, charge, reverse, order, cancel,
    schedule and cancel a change…) with generated data: the same checks at every step."""
    key = world["key"]

    class Workflow(schema.as_state_machine()):
        def before_call(self, case):
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {key}"}
            # A number no link produced is a made-up one: use the funded account instead.
            params = case.path_parameters or {}
            for name in ("account_number", "number"):
                if name in params and not Account.objects.filter(number=params[name]).exists():
                    params[name] = world["number"]

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs)

    Workflow.run(
        settings=settings(
            max_examples=MAX_EXAMPLES * 3,
            stateful_step_count=6,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
    )
