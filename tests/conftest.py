import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection

from accounts.actors import Actor
from accounts.admin_groups import OPERATOR_GROUPS, ensure_operator_groups
from accounts.defaults import ensure_defaults
from accounts.models import AccountStatusType, StatusReason
from billing.defaults import ensure_policies, ensure_steps
from billing.models import DunningPolicy, DunningStep
from tests.accounts.factories import OperatorFactory, UserFactory
from tests.celery_worker import celery_worker  # noqa: F401 - a fixture for every test module


def pytest_collection_modifyitems(config, items):
    """Concurrency and real-worker tests need PostgreSQL; mark them so SQLite runs deselect them."""
    for item in items:
        if item.get_closest_marker("celery"):
            item.add_marker(pytest.mark.postgres)


@pytest.fixture(autouse=True)
def defaults(request):
    """The default status types and reasons: transactional tests flush the migration's rows, so
    any database test that runs after one on the same worker needs them back."""
    if "django_db_setup" not in request.fixturenames:
        return
    request.getfixturevalue("_django_db_helper")
    if not AccountStatusType.objects.filter(is_default=True).exists():
        ensure_defaults(AccountStatusType, StatusReason)
        ensure_policies(DunningPolicy)
        ensure_steps(DunningPolicy, DunningStep, AccountStatusType)
    if not Group.objects.filter(name__in=list(OPERATOR_GROUPS)).exists():
        ensure_operator_groups(Group, Permission)


@pytest.fixture
def operator(db):
    return OperatorFactory()


@pytest.fixture
def operator_actor(operator):
    return Actor.operator(operator)


@pytest.fixture
def customer(db):
    return UserFactory()


@pytest.fixture
def on_postgres():
    if connection.vendor != "postgresql":
        pytest.fail("this test is marked postgres and must not run on " + connection.vendor)
