"""Requests per API key (issue 19), counted in the cache named by API_THROTTLE_CACHE (CACHES points
it at Redis through CACHE_URL, so gunicorn's workers share one count). Rate:
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["api_key"].

A sliding window from two fixed-window counters: the estimate is this window's count plus the
last window's, weighted by the share of it still inside the sliding window. Each request reads
two small integers and increments one — in Redis one Lua script, so one round trip and no race
between workers. DRF's SimpleRateThrottle keeps the list of every request's time instead — read,
unpickled, edited and written back whole on each request (6,000 floats at 6000/minute) and racy
between workers; the bench of docs/api-bench.md measured it in the payment path."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from rest_framework.throttling import SimpleRateThrottle

# KEYS: this window's counter, the last window's; ARGV: the limit, the last window's weight, the
# counter's lifetime. Counters are plain integers, as Django's RedisCache stores an int.
SLIDING_WINDOW = """
local now = tonumber(redis.call('GET', KEYS[1]) or '0')
local last = tonumber(redis.call('GET', KEYS[2]) or '0')
if now + last * tonumber(ARGV[2]) >= tonumber(ARGV[1]) then
  return {0, now, last}
end
if redis.call('INCR', KEYS[1]) == 1 then
  redis.call('EXPIRE', KEYS[1], ARGV[3])
end
return {1, now, last}
"""


class KeyRateThrottle(SimpleRateThrottle):
    scope = "api_key"

    def __init__(self) -> None:
        self.cache = caches[getattr(settings, "API_THROTTLE_CACHE", "default")]
        super().__init__()
        self._wait = 0.0

    def get_cache_key(self, request, view):
        key = request.auth
        ident = f"key:{key.pk}" if key is not None else f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        window, into = divmod(self.timer(), self.duration)
        current, previous = f"{self.key}:{int(window)}", f"{self.key}:{int(window) - 1}"
        if isinstance(self.cache, RedisCache):  # one round trip, decided atomically in Redis
            allowed, now_count, last_count = self._in_redis(current, previous, into)
        else:
            counts = self.cache.get_many([current, previous])
            now_count, last_count = counts.get(current, 0), counts.get(previous, 0)
            allowed = now_count + last_count * (1 - into / self.duration) < self.num_requests
            if allowed:
                self._count(current, exists=current in counts)
        if not allowed:
            self._wait = self._time_to_room(now_count, last_count, into)
            return self.throttle_failure()
        return True

    def _in_redis(self, current: str, previous: str, into: float) -> tuple[bool, int, int]:
        """The same rule as the fallback, as one Lua script: read both counters and, when the
        estimate leaves room, count this request (issue 19: one round trip instead of two)."""
        keys = [self.cache.make_and_validate_key(k) for k in (current, previous)]
        weight = 1 - into / self.duration
        allowed, now_count, last_count = sliding_window_script(self.cache)(
            keys=keys, args=[self.num_requests, repr(weight), 2 * self.duration]
        )
        return bool(allowed), int(now_count), int(last_count)

    def _count(self, key: str, *, exists: bool) -> None:
        # The window's first request creates its counter, kept for two windows (add: SET NX).
        if exists or not self.cache.add(key, 1, 2 * self.duration):
            try:
                self.cache.incr(key)
            except ValueError:  # expired between the read and the increment
                self.cache.add(key, 1, 2 * self.duration)

    def _time_to_room(self, now_count: int, last_count: int, into: float) -> float:
        """Seconds until the estimate drops below the limit (the last window's share fades)."""
        if now_count >= self.num_requests or not last_count:
            return self.duration - into
        # now_count + last_count * (1 - t / duration) < num_requests  ⇔  t > …
        fades_at = self.duration * (1 - (self.num_requests - now_count) / last_count)
        return max(1.0, fades_at - into)

    def wait(self) -> float:
        return self._wait


def sliding_window_script(cache: RedisCache):
    """The Lua script bound to a client of the cache's write server, made once per cache object
    (Django's caches are per thread): RedisCache.get_client builds a new redis client on every
    call — about 170 dictionary writes, a fifth of a millisecond per API request (issue 19)."""
    client_factory = cache._cache
    script = getattr(client_factory, "_sliding_window_script", None)
    if script is None:
        client = client_factory.get_client(None, write=True)
        script = client.register_script(SLIDING_WINDOW)
        client_factory._sliding_window_script = script
    return script
