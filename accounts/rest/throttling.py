"""Requests per API key (issue 19): DRF's rate throttle keyed by the key's id, counted in the cache
named by API_THROTTLE_CACHE (CACHES points it at Redis through CACHE_URL, so gunicorn's workers
share one count). Rate: REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["api_key"]."""

from django.conf import settings
from django.core.cache import caches
from rest_framework.throttling import SimpleRateThrottle


class KeyRateThrottle(SimpleRateThrottle):
    scope = "api_key"

    def __init__(self) -> None:
        self.cache = caches[getattr(settings, "API_THROTTLE_CACHE", "default")]
        super().__init__()

    def get_cache_key(self, request, view):
        key = request.auth
        ident = f"key:{key.pk}" if key is not None else f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
