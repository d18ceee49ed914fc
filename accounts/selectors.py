"""Reads of accounts data."""

from typing import Any, cast

from allauth.usersessions.models import UserSession
from django.conf import settings
from django.core.cache import cache

from accounts.models import EndedSession, User, user_cache_key
from umbrella.cache import read_and_count


def request_user(request: Any) -> User:
    """The signed-in user of a request that authentication already required."""
    return cast(User, request.user)


def user_cache_put(user: Any) -> None:
    if isinstance(user, User) and user.pk:
        cache.set(user_cache_key(user.pk), user, timeout=settings.USER_CACHE_SECONDS)


def user_get_cached(
    *,
    user_id: Any,
    also: tuple[str, ...] = (),
    count: list[tuple[str, int]] | None = None,
    count_unless: str | None = None,
) -> tuple[User | None, dict, dict[str, int]]:
    """The user for a token-authenticated request: from the cache, else the database.

    ``also`` names more cache keys to read in the same round trip; their values are returned.
    ``count`` names counters ``(key, ttl)`` to add one to in that round trip too, unless the
    key ``count_unless`` (one of ``also``) is present; their new values are returned.
    ``User.save`` drops the cached copy, so role or onboarding changes show at once.
    """
    key = user_cache_key(user_id)
    found, counts = read_and_count(cache, [key, *also], count or [], unless=count_unless)
    user = found.pop(key, None)
    if user is None:
        user = User.objects.filter(pk=user_id).first()
        if user is not None:
            user_cache_put(user)
    return user, found, counts


def device_sessions_for(*, user: User) -> list[UserSession]:
    """The user's signed-in devices, newest activity first (expired ones are purged)."""
    sessions = UserSession.objects.purge_and_list(user)
    return sorted(sessions, key=lambda s: s.last_seen_at, reverse=True)


def ended_sessions_for(*, user: User, limit: int = 20) -> list[EndedSession]:
    """The user's recently ended device sessions and why each ended, newest first."""
    return list(EndedSession.objects.filter(user=user)[:limit])
