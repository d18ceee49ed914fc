"""Ending device sessions and revoking tokens: the primitives ``tokens`` and ``services`` share.

Two mechanisms, one per scope:

* **One device session** ends with :func:`session_end`: a cache entry revokes every access token
  issued for it at once, and its session row (hence its refresh token and browser cookie) goes.
* **Every sign-in of a user** ends when the user's *token generation* or password changes: both
  are part of the browser session auth hash (``User.get_session_auth_hash``) and of the ``ver``
  claim of every access token (``User.access_token_version``), which token authentication checks
  against the cached user on each request. :func:`user_sessions_end` also ends the sessions one
  by one, so the device list can say what happened to each.

This module imports nothing else from ``accounts`` but the models, so both ``tokens`` (theft
detection) and ``services`` (logout, password change, deletion) build on it without a cycle.
"""

import hashlib

from allauth.headless import app_settings as headless_settings
from allauth.usersessions.models import UserSession
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db.models import F

from accounts.models import EndedSession, SessionEndReason, User, user_cache_key


def _session_digest(session_key: str) -> str:
    return hashlib.sha256(session_key.encode()).hexdigest()[:40]


def revocation_key(session_key: str) -> str:
    return f"revoked:session:{_session_digest(session_key)}"


def revoke_session_tokens(*, session_key: str) -> None:
    """Make every access token issued for this session unusable from now on."""
    cache.set(
        revocation_key(session_key), 1, timeout=headless_settings.JWT_ACCESS_TOKEN_EXPIRES_IN + 5
    )


def session_end(*, session_key: str, reason: str = SessionEndReason.SIGNED_OUT) -> None:
    """End one device session: its access tokens stop working at once, its refresh token too.

    The device list keeps a line saying when and why it ended.
    """
    revoke_session_tokens(session_key=session_key)
    device = UserSession.objects.filter(session_key=session_key).first()
    if device is not None:
        EndedSession.objects.create(
            user_id=device.user_id,
            ip=device.ip,
            user_agent=device.user_agent[:200],
            reason=reason,
            started_at=device.created_at,
        )
        device.delete()
    Session.objects.filter(session_key=session_key).delete()


def user_sessions_end(*, user: User, reason: str, keep_session_key: str | None = None) -> int:
    """End every device session of the user but ``keep_session_key``; returns how many."""
    keys = list(
        UserSession.objects.filter(user=user)
        .exclude(session_key=keep_session_key or "")
        .values_list("session_key", flat=True)
    )
    for key in keys:
        session_end(session_key=key, reason=reason)
    return len(keys)


def user_token_generation_bump(*, user: User) -> None:
    """Invalidate every access token, refresh token and browser session the user holds."""
    User.objects.filter(pk=user.pk).update(token_generation=F("token_generation") + 1)
    user.refresh_from_db(fields=["token_generation"])
    cache.delete(user_cache_key(user.pk))
