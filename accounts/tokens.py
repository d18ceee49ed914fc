"""App-client tokens: allauth's JWT strategy plus rotation locking, theft detection and revocation.

* Access tokens are checked by signature and a cache lookup (revocation list), never the database.
* Refresh tokens rotate on every use. The device session's row is locked while rotating, so
  concurrent refreshes of one token produce exactly one new pair.
* Presenting a refresh token that was already rotated ends the whole device session.
* Ending a session (logout, "end session", theft) revokes its access tokens at once: the cache
  holds a revocation entry per session until the longest-lived access token of it has expired.
"""

import time
from typing import Any

from allauth.headless.internal.sessionkit import lookup_session
from allauth.headless.tokens.strategies.jwt import JWTTokenStrategy
from allauth.headless.tokens.strategies.jwt import internal as jwt_internal
from allauth.usersessions.models import UserSession
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.sessions.models import Session
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import SessionEndReason, User
from accounts.revocation import session_end
from accounts.selectors import user_cache_put

USED_REFRESH_TOKENS = "umbrella_used_refresh_tokens"


def decode_access_token(token: str) -> tuple[dict[str, Any], str] | None:
    """Return ``(payload, session_key)`` for a well-signed, unexpired access token, else ``None``.

    Signature, expiry and token type are checked by allauth. The caller checks revocation
    (``revocation.revocation_key``) in the same cache round trip as it loads the user, and the
    ``ver`` claim against the user's current ``access_token_version``.
    """
    payload = jwt_internal.decode_token(token, "access")
    if payload is None:
        return None
    session_key = jwt_internal.session_key_from_sid(payload["sid"])
    if not session_key:
        return None
    return payload, session_key


def access_token_current(payload: dict[str, Any], user: User) -> bool:
    """Whether the token was issued since the user's last password change or generation bump."""
    return payload.get("ver") == user.access_token_version()


class UmbrellaTokenStrategy(JWTTokenStrategy):
    def get_claims(self, user: AbstractBaseUser) -> dict[str, Any]:
        assert isinstance(user, User)  # noqa: S101 (AUTH_USER_MODEL)
        return {"ver": user.access_token_version()}

    def create_access_token(self, request: HttpRequest) -> str | None:
        token = super().create_access_token(request)
        user_cache_put(request.user)  # the first API call with this token needs no query
        return token

    def refresh_token(self, refresh_token: str) -> tuple[str, str] | None:
        payload = jwt_internal.decode_token(refresh_token, "refresh")
        if payload is None:
            return None
        session_key = jwt_internal.session_key_from_sid(payload["sid"])
        if not session_key:
            return None
        with transaction.atomic():
            # One rotation at a time per device session: the row lock serialises them.
            locked = Session.objects.select_for_update().filter(session_key=session_key)
            if not locked.exists():
                return None
            session = lookup_session(session_key)
            if session is None:
                return None
            now = time.time()
            used: dict[str, int] = {
                jti: exp for jti, exp in session.get(USED_REFRESH_TOKENS, {}).items() if exp > now
            }
            jti = payload["jti"]
            if jti in used:
                # A rotated token came back: someone holds a copy. End the device session.
                session_end(session_key=session_key, reason=SessionEndReason.TOKEN_REUSE)
                return None
            issued = jwt_internal.get_refresh_token_state(session)
            expires = issued.get(jti)
            if expires is None or expires <= now:
                return None
            # Checks the session auth hash: a password change or generation bump fails it here.
            user = jwt_internal.validate_token_user(payload, session)
            if user is None:
                return None
            access_token = jwt_internal.create_access_token(user, session, self.get_claims(user))
            jwt_internal.invalidate_refresh_token(session, payload)
            used[jti] = payload["exp"]
            session[USED_REFRESH_TOKENS] = used
            next_refresh_token = jwt_internal.create_refresh_token(user, session)
            session.save()
            # A refresh is the app's sign of life: the device list shows it as last seen.
            UserSession.objects.filter(session_key=session_key).update(last_seen_at=timezone.now())
        return access_token, next_refresh_token
