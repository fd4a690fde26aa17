"""The service API's door: one allowed method and a valid per-service API key (R-G1 API).

The views live with the app whose rules they answer (subscriptions' entitlement and usage); the
key and how a request proves it stay here, with the ServiceApiKey model.
"""

from __future__ import annotations

from functools import wraps

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from .keys import authenticate, key_from_headers

MSG_NO_KEY = "A valid service API key is required (Authorization: Bearer <key>)."
MSG_SCOPE = "This API key lacks the “entitlement” scope needed here."
ENTITLEMENT = "entitlement"  # ServiceApiKey.scopes (accounts.models.service_keys.API_SCOPES)
MSG_METHOD = "Method {method} is not allowed here; use {allowed}."


def service_api(method: str):
    """Allow one method, require a service API key; the key's row is passed on."""

    def decorate(view):
        @csrf_exempt
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method != method:
                response = JsonResponse(
                    {"error": MSG_METHOD.format(method=request.method, allowed=method)},
                    status=405,
                )
                response["Allow"] = method
                return response
            key = authenticate(key_from_headers(request.META))
            if key is None:
                response = JsonResponse({"error": MSG_NO_KEY}, status=401)
                response["WWW-Authenticate"] = 'Bearer realm="entitlement"'
                return response
            if ENTITLEMENT not in (key.scopes or ()):  # issue 19: a REST-only key
                return JsonResponse({"error": MSG_SCOPE}, status=403)
            return view(request, key, *args, **kwargs)

        return wrapper

    return decorate
