"""Rate limits: anonymous clients per IP, signed-in users per user, apps per app.

Rates come from settings (``THROTTLE_ANON``, ``THROTTLE_ANON_READ``, ``THROTTLE_USER``,
``THROTTLE_APP``). Anonymous reads (GET, HEAD, OPTIONS) and anonymous writes are counted
separately: a search-as-you-type client sends a read per keystroke and needs a far higher
limit than sign-up-style writes, which stay strict. A refused request gets ``429`` with
``Retry-After``.

Counting is a fixed window: one atomic increment per request (a single Redis round trip with
``INCR`` + ``EXPIRE NX``; for a token-authenticated request, the same round trip that reads the
cached user, see ``accounts.authentication``), instead of DRF's default sliding log that reads
and rewrites a list of timestamps on every request. The price is that a client may spend up to
twice its rate across a window boundary.
"""

import time
from typing import Any

from django.core.cache import cache
from rest_framework import permissions, throttling

from umbrella.cache import increment, read_and_count, uncount


def window_count(key: str, seconds: int) -> int:
    """Count one more hit in the current fixed ``seconds`` window of ``key``; return the count."""
    window = int(time.time() // seconds)
    return increment(cache, f"{key}:{window}", ttl=seconds + 1)


# Counts already taken for this request, by throttle cache key: ``(count, window end, window
# key)``. Token authentication counts the user's windows in the same cache round trip as it
# reads the user (see ``user_windows``); the throttle then only compares.
PREFETCHED = "_throttle_counts"


def user_windows(request: Any, user_pk: Any) -> list[tuple[str, str, int, float]]:
    """The per-user rate windows the request's view will count: ``(throttle key, window key,
    ttl, window end)``.

    For authentication that knows the user before loading it: it can count these windows in
    the same cache call and hand the counts over with :func:`prefetched`.
    """
    view = (getattr(request, "parser_context", None) or {}).get("view")
    if view is None:
        return []
    windows = []
    for throttle in view.get_throttles():
        key = getattr(throttle, "user_key", lambda _pk: None)(user_pk)
        if key is None or throttle.rate is None:
            continue
        window = int(throttle.timer() // throttle.duration)
        ends = (window + 1) * throttle.duration
        windows.append((key, f"{key}:{window}", int(throttle.duration) + 1, ends))
    return windows


# Cache keys a view reads for the signed-in user, read by token authentication in its one round
# trip (see ``user_reads``); what was found, for the view: ``(keys read, values found)``.
USER_READS = "_user_cache_reads"


def user_reads(request: Any, user_pk: Any) -> tuple[str, ...]:
    """The cache keys the request's view will read for user ``user_pk`` (its
    ``user_cache_reads(user_pk)``), for authentication that reads the cache for that user
    anyway: it reads them in the same round trip and hands them over with :func:`read_for_view`.
    A view without the hook: none."""
    view = (getattr(request, "parser_context", None) or {}).get("view")
    reads = getattr(view, "user_cache_reads", None)
    return tuple(reads(user_pk)) if reads is not None else ()


def read_for_view(request: Any, keys: tuple[str, ...], found: dict[str, Any]) -> None:
    setattr(request, USER_READS, (keys, {key: found[key] for key in keys if key in found}))


def read_by_authentication(request: Any) -> tuple[tuple[str, ...], dict[str, Any]] | None:
    """What authentication read for the view (:func:`user_reads`), or ``None`` (not read:
    another authentication, or no such hook): the view then reads the cache itself."""
    read: tuple[tuple[str, ...], dict[str, Any]] | None = getattr(request, USER_READS, None)
    return read


def prefetched(request: Any, counts: dict[str, tuple[int, float, str]]) -> None:
    setattr(request, PREFETCHED, counts)


def give_back_unused(request: Any) -> None:
    """Give back counts taken for throttles that never ran: the request was refused before
    them (a permission, a parse error). As without prefetching, only requests that reach the
    throttles count. Called by the API's exception handler."""
    left = getattr(request, PREFETCHED, None)
    if left:
        uncount(cache, [window_key for _count, _ends, window_key in left.values()])
        left.clear()


Window = tuple[str, str, int, float, int]  # throttle key, window key, ttl, window end, limit


def request_windows(request: Any, view: Any) -> list[Window]:
    """The rate windows the view's throttles will count for this request and that nobody has
    counted yet: ``(throttle key, window key, ttl, window end, limit)``. For a view that counts
    them in a cache round trip it makes anyway; hand the counts over with :func:`hand_over`."""
    done = getattr(request, PREFETCHED, {})
    windows: list[Window] = []
    for throttle in view.get_throttles():
        if not isinstance(throttle, FixedWindowThrottle) or throttle.rate is None:
            continue
        key = throttle.get_cache_key(request, view)
        if key is None or key in done:
            continue
        window = int(throttle.timer() // throttle.duration)
        ends = (window + 1) * throttle.duration
        ttl = int(throttle.duration) + 1
        windows.append((key, f"{key}:{window}", ttl, ends, throttle.num_requests))
    return windows


def hand_over(request: Any, windows: list[Window], counts: dict[str, int]) -> None:
    """Give the throttles the counts of ``windows`` (by window key) taken in another cache
    call: they then compare instead of counting (see ``FixedWindowThrottle``)."""
    already = getattr(request, PREFETCHED, None) or {}
    taken = {key: (counts[wkey], ends, wkey) for key, wkey, _ttl, ends, _limit in windows}
    prefetched(request, {**already, **taken})


class ThrottlesOnce:
    """A view mixin: the throttle objects are built once per request (DRF builds them anew
    each time ``get_throttles`` is called, and a view that counts its windows itself asks
    twice: :func:`request_windows`, then the throttle check)."""

    def get_throttles(self) -> list[Any]:
        throttles = self.__dict__.get("_throttles")
        if throttles is None:
            throttles = self._throttles = super().get_throttles()  # type: ignore[misc]
        return throttles


class CountWithCacheRead(ThrottlesOnce):
    """A mixin for API views whose handler starts by reading the cache (a cached page): the
    keys it names in ``cache_reads(request)`` are read in the same cache round trip that counts
    the request in the view's rate windows (``read_and_count``: one ``EVALSHA`` on Redis)
    instead of one round trip each. What was found is in ``self.cache_found`` for the handler.

    DRF's order stays: authentication, permissions, then the throttles (which only compare the
    counts they are handed, as for token authentication), then the handler. ``cache_reads``
    runs in that throttle step: it must only work out keys (validating the query is fine), and
    answer [] when it cannot (the handler then reports the problem and reads nothing cached).
    """

    cache_found: dict[str, Any]

    def cache_reads(self, request: Any) -> list[str]:
        return []

    def check_throttles(self, request: Any) -> None:
        reads = self.cache_reads(request)
        windows = request_windows(request, self)
        self.cache_found = {}
        if reads or windows:
            found, counts = read_and_count(
                cache, reads, [(window_key, ttl) for _key, window_key, ttl, _e, _l in windows]
            )
            self.cache_found = found
            hand_over(request, windows, counts)
        super().check_throttles(request)  # type: ignore[misc]


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
        counted = getattr(request, PREFETCHED, {}).pop(key, None)
        if counted is not None:  # counted by authentication, in its cache round trip
            count, ends, _window_key = counted
        else:
            count = increment(cache, f"{key}:{window}", ttl=int(self.duration) + 1)
            ends = (window + 1) * self.duration
        self.wait_seconds = max(ends - now, 0.0)
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
        if getattr(request.auth, "is_app", False):
            return None  # an app's system call (no user): counted per app, not per IP
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
        return self.user_key(request.user.pk)

    def user_key(self, user_pk: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": user_pk}


class AppRateThrottle(FixedWindowThrottle):
    """Per app, for requests made with an app token (``request.auth.is_app`` and
    ``request.auth.app_id``, set by the events platform's authentication): its system calls and
    its calls acting for a user alike. The user and anonymous throttles leave these requests to
    this one, so an app has one budget however many users it acts for."""

    scope = "app"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        app_id = getattr(request.auth, "app_id", None)
        if app_id is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": app_id}
