"""subscriptions' resources in the REST API (issue 19): plans and subscriptions (order, cancel
with every R-E5 option and `preview`), and the HTTP status of subscriptions' domain errors."""

from rest_framework import status

from accounts.rest import registry
from accounts.rest.base import ACCOUNT_PREFIX
from subscriptions import errors

from . import views

registry.register("plans", views.PlanViewSet, "plan", order=40)
registry.register(
    f"{ACCOUNT_PREFIX}/subscriptions", views.SubscriptionViewSet, "subscription", order=40
)

for refusal in (
    errors.InvalidSubscriptionTransition,
    errors.ActionRefused,
    errors.OrderRefused,
    errors.PlanChangeRefused,
    errors.NothingScheduled,
    errors.ResourceUnavailable,
):
    registry.register_error(refusal, status.HTTP_409_CONFLICT)

# OpenAPI links: a new account can order; an ordered subscription can be cancelled.
registry.register_link(
    "accounts_create",
    "201",
    "OrderSubscription",
    "accounts_subscriptions_create",
    account_number="$response.body#/number",
)
registry.register_link(
    "accounts_subscriptions_create",
    "201",
    "CancelSubscription",
    "accounts_subscriptions_cancel_create",
    account_number="$request.path.account_number",
    id="$response.body#/id",
)
