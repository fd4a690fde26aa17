"""The REST API's door: a service API key (accounts.api.keys, stored hashed) as
`Authorization: Bearer <key>` or `X-Api-Key: <key>`, and the scope each request needs."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission

from accounts.actors import Actor
from accounts.api.auth import MSG_NO_KEY
from accounts.api.keys import authenticate, key_from_headers

from .scopes import READ, WRITE, scopes_of

MSG_SCOPE = "This API key lacks the “{scope}” scope needed here."


class ApiClient:
    """The request's user: the service behind a key (never a person, never staff)."""

    is_authenticated = True
    is_anonymous = False
    is_staff = False
    pk = None

    def __init__(self, key: Any) -> None:
        self.key = key

    def __str__(self) -> str:
        return f"API key {self.key.name}"


class ServiceKeyAuthentication(BaseAuthentication):
    """A valid, active service API key, or 401 with the key's error message."""

    def authenticate(self, request):
        raw = key_from_headers(request.META)
        if raw is None:
            return None
        key = authenticate(raw)
        if key is None:
            raise AuthenticationFailed(MSG_NO_KEY)
        return ApiClient(key), key

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


class HasScope(BasePermission):
    """Reads need `view.read_scope`, writes `view.write_scope` (default read / write)."""

    def has_permission(self, request, view) -> bool:
        if request.auth is None:
            return False  # 401 with WWW-Authenticate: no key was given
        safe = request.method in SAFE_METHODS
        scope = getattr(view, "read_scope" if safe else "write_scope", READ if safe else WRITE)
        if scope not in scopes_of(request.auth):
            raise PermissionDenied(MSG_SCOPE.format(scope=scope))
        return True


def api_actor(request) -> Actor:
    """Who acts through the API: an operator (the provider's integration), with no person."""
    return Actor.operator(None)


class ServiceKeyScheme(OpenApiAuthenticationExtension):
    target_class = ServiceKeyAuthentication
    name = "ServiceApiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "A service API key (lsk_…)."}
