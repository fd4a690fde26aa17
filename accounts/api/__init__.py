"""Service API keys and the API's authentication (R-G1 API); the entitlement and usage views are
subscriptions' (subscriptions/api/), mounted at /api/v1/ by config/urls.py."""
