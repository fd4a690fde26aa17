"""Issue 19 (2): throttling per API key, counted in Redis — a sliding window from two counters
(accounts/rest/throttling.py): the last window's requests count by the share of it still inside
the sliding window, so a burst at a window's end is not forgotten at the boundary; a refusal is
429 in the API's error shape with Retry-After; the counts are a few integers, not a list of times."""

from __future__ import annotations

import pytest
from django.core.cache import caches
from django.test import override_settings

from accounts.rest.throttling import KeyRateThrottle

from .conftest import client_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_cache():
    """The throttle's counts in Redis (this suite's own database, TEST_REDIS_DB_BASE)."""
    from django.conf import settings

    backend = "django.core.cache.backends.redis.RedisCache"
    caches_ = {"default": {"BACKEND": backend, "LOCATION": settings.CELERY_BROKER_URL}}
    with override_settings(CACHES=caches_):
        caches["default"].clear()
        yield caches["default"]
        caches["default"].clear()


@pytest.fixture
def clock(monkeypatch):
    """The throttle's clock, set by the test: 3/minute, starting at the start of a minute."""
    now = {"t": 600_000.0}
    monkeypatch.setattr(KeyRateThrottle, "THROTTLE_RATES", {"api_key": "3/minute"})
    monkeypatch.setattr(KeyRateThrottle, "timer", lambda self: now["t"])
    return now


def statuses(client, n):
    return [client.get("/api/v1/plans/").status_code for _ in range(n)]


def test_issue19_a_key_over_its_rate_gets_429_with_retry_after(make_key, redis_cache, clock):
    client = client_with(make_key("read"))
    assert statuses(client, 3) == [200, 200, 200]
    refused = client.get("/api/v1/plans/")
    assert refused.status_code == 429 and refused.json()["code"] == "throttled"
    assert refused["Retry-After"] == "60"  # this window's three fill the limit until it ends


def test_issue19_a_burst_at_a_windows_end_still_counts_after_the_boundary(
    make_key, redis_cache, clock
):
    client = client_with(make_key("read"))
    clock["t"] += 59  # the burst in the last second of a minute
    assert statuses(client, 3) == [200, 200, 200]
    clock["t"] += 2  # one second into the next minute: 3 × 59/60 of the burst still counts
    assert statuses(client, 2) == [200, 429]  # a fixed window would have forgotten the burst
    refused = client.get("/api/v1/plans/")
    assert 19 <= int(refused["Retry-After"]) <= 20  # 1 + 3 × (1 - t/60) < 3 once t > 20
    clock["t"] += 20  # 3 × 39/60 = 1.95 of the burst still counts: room for one more
    assert statuses(client, 2) == [200, 429]


def test_issue19_the_counts_are_small_integers_per_window(make_key, redis_cache, clock):
    client = client_with(make_key("read"))
    statuses(client, 2)
    keys = [k.decode() for k in redis_cache._cache.get_client().keys("*throttle_api_key_key:*")]
    assert len(keys) == 1 and keys[0].endswith(f":{int(clock['t'] // 60)}")
    assert redis_cache.get(keys[0].split(":", 2)[-1]) == 2


def test_issue19_each_request_is_counted_in_one_redis_round_trip(
    make_key, redis_cache, clock, monkeypatch
):
    import redis

    client = client_with(make_key("read"))
    statuses(client, 1)  # the script is loaded once
    sent = []
    original = redis.Redis.execute_command
    monkeypatch.setattr(
        redis.Redis,
        "execute_command",
        lambda self, *a, **k: sent.append(a[0]) or original(self, *a, **k),
    )
    assert statuses(client, 3) == [200, 200, 429]  # 3/minute: the one before counts
    assert sent == ["EVALSHA", "EVALSHA", "EVALSHA"]  # read, decide and count: one command each
