"""Rate limits: anonymous clients per IP, signed-in users per user, apps per app.

Rates come from settings (``THROTTLE_ANON``, ``THROTTLE_ANON_READ``, ``THROTTLE_USER``,
``THROTTLE_APP``). Anonymous reads (GET, HEAD, OPTIONS) and anonymous writes are counted
separately: a search-as-you-type client sends a read per keystroke and needs a far higher
limit than sign-up-style writes, which stay strict. A refused request gets ``429`` with
``Retry-After``.

Counting is a fixed window: one atomic increment per request (a single Redis round trip with
``INCR`` + ``EXPIRE NX``), instead of DRF's default sliding log that reads and rewrites a list of
timestamps on every request. The price is that a client may spend up to twice its rate across
a window boundary.
"""

import time
from typing import Any

from django.core.cache import cache
from rest_framework import permissions, throttling


def _increment(key: str, ttl: int) -> int:
    """Add one to ``key`` (created with ``ttl`` seconds to live) and return the new count."""
    client_for = getattr(getattr(cache, "_cache", None), "get_client", None)
    if client_for is not None:  # django's RedisCache: one pipelined round trip
        full_key = cache.make_and_validate_key(key)
        pipe = client_for(full_key, write=True).pipeline()
        pipe.incr(full_key)
        pipe.expire(full_key, ttl, nx=True)
        return int(pipe.execute()[0])
    cache.add(key, 0, timeout=ttl)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=ttl)
        return 1


def window_count(key: str, seconds: int) -> int:
    """Count one more hit in the current fixed ``seconds`` window of ``key``; return the count."""
    window = int(time.time() // seconds)
    return _increment(f"{key}:{window}", ttl=seconds + 1)


class FixedWindowThrottle(throttling.SimpleRateThrottle):
    wait_seconds: float = 0.0
    num_requests: int
    duration: int

    def allow_request(self, request: Any, view: Any) -> bool:
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        now = self.timer()
        window = int(now // self.duration)
        count = _increment(f"{key}:{window}", ttl=int(self.duration) + 1)
        self.wait_seconds = (window + 1) * self.duration - now
        return count <= self.num_requests

    def wait(self) -> float | None:
        return self.wait_seconds


class AnonRateThrottle(FixedWindowThrottle):
    """Anonymous writes (any method but GET/HEAD/OPTIONS), per IP."""

    scope = "anon"
    counts_reads = False

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if request.user and request.user.is_authenticated:
            return None
        if (request.method in permissions.SAFE_METHODS) != self.counts_reads:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class AnonReadRateThrottle(AnonRateThrottle):
    """Anonymous reads, per IP: generous enough for search-as-you-type."""

    scope = "anon_read"
    counts_reads = True


class UserRateThrottle(FixedWindowThrottle):
    """Per user for people; app tokens are counted by :class:`AppRateThrottle` instead."""

    scope = "user"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if not (request.user and request.user.is_authenticated):
            return None
        if getattr(request.auth, "is_app", False):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class AppRateThrottle(FixedWindowThrottle):
    """Per app for event-app credentials. Wired in ahead of issue 11 (app platform: app
    credentials): until those tokens exist no ``request.auth`` has an ``app_id``, so this
    throttle never counts anything. Issue 11 issues app tokens with ``is_app = True`` and an
    ``app_id``; ``UserRateThrottle`` then leaves them to this one."""

    scope = "app"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        app_id = getattr(request.auth, "app_id", None)
        if app_id is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": app_id}
