"""One JSON shape for every error the REST API answers: `{"error": <message>, "code": <code>}`,
plus `"fields"` (field → messages) when the body did not validate.

A domain error's message is the service's own (AccountsError and its subclasses, which billing's
and subscriptions' error bases derive from); its status comes from the mappings apps register
(registry.register_error): 400 unless a more specific class says 404 or 409.
"""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from accounts import errors as domain

from . import registry

MSG_NOT_FOUND = "Not found."
MSG_INVALID = "The request is not valid; see “fields”."


def code_of(cls: type) -> str:
    """InvalidTransition → invalid_transition."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__).lower()


def _flatten(detail) -> str:
    if isinstance(detail, list):
        return " ".join(_flatten(d) for d in detail)
    if isinstance(detail, dict):
        return " ".join(_flatten(d) for d in detail.values())
    return str(detail)


def handle(exc, context):
    """DRF's EXCEPTION_HANDLER: domain errors with their message, DRF's own in the same shape."""
    if isinstance(exc, domain.AccountsError):
        body = {"error": exc.message, "code": code_of(type(exc))}
        return Response(body, status=registry.status_for(exc))
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(MSG_NOT_FOUND)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None
    detail = exc.detail if isinstance(exc, exceptions.APIException) else response.data
    if isinstance(exc, exceptions.ValidationError):
        fields = detail if isinstance(detail, dict) else {"non_field_errors": detail}
        message = _flatten(fields.get("non_field_errors") or MSG_INVALID)
        response.data = {"error": message, "code": "invalid", "fields": fields}
    else:
        code = getattr(exc, "default_code", "error")
        response.data = {"error": _flatten(detail), "code": code}
    return response


# accounts' own domain errors (billing and subscriptions register theirs from their rest module)
registry.register_error(domain.AccountsError, status.HTTP_400_BAD_REQUEST)
registry.register_error(domain.InvalidTransition, status.HTTP_409_CONFLICT)
registry.register_error(domain.UnlockRefused, status.HTTP_409_CONFLICT)
registry.register_error(domain.NothingToUnlock, status.HTTP_409_CONFLICT)
registry.register_error(domain.InvalidSchedule, status.HTTP_409_CONFLICT)
