"""Device-session activity ("last seen"), written at most once per interval per session.

allauth's ``UserSessionsMiddleware`` rewrites the device session's row (last seen, IP, user
agent) on *every* signed-in request. A page that loads its avatar and banner in parallel then
makes three writes at once, which on SQLite meant "database is locked" 500s, and on PostgreSQL
a row write per request for a timestamp nobody needs to the second.

This middleware does allauth's update at most once per ``LAST_SEEN_INTERVAL_SECONDS`` (5 min by
default) per session. The gate is one atomic ``cache.add``, so of several parallel requests only
one writes, and the others touch neither the database nor the session's user. The devices page
therefore shows last-seen times (and a changed IP or user agent) up to one interval late.
"""

from collections.abc import Callable
from hashlib import sha256

from allauth.usersessions import app_settings
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse


def _cache_key(session_key: str) -> str:
    return "last-seen:" + sha256(session_key.encode()).hexdigest()[:32]


def record_activity(request: HttpRequest) -> bool:
    """Update the request's device session unless that was done within the interval.

    Returns whether it wrote. Anonymous requests and requests without a session never write.
    """
    if not app_settings.TRACK_ACTIVITY:
        return False
    session = getattr(request, "session", None)
    session_key = session.session_key if session is not None else None
    if not session_key:
        return False
    interval = settings.LAST_SEEN_INTERVAL_SECONDS
    key = _cache_key(session_key)
    if interval > 0 and cache.get(key) is not None:
        return False  # the cheap check first: no user is loaded for most requests
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    if interval > 0 and not cache.add(key, 1, timeout=interval):
        return False  # a parallel request won the race and writes instead
    UserSession.objects.create_from_request(request)
    return True


class LastSeenMiddleware:
    """Replaces ``allauth.usersessions.middleware.UserSessionsMiddleware`` (see module doc)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        record_activity(request)
        return self.get_response(request)
