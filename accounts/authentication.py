"""DRF authentication: app-client access tokens (no database query) and browser sessions."""

import time
from typing import Any

from allauth.account.internal.userkit import str_to_user_id
from django.core.cache import cache
from django.core.signals import setting_changed
from rest_framework import authentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from accounts.revocation import revocation_key
from accounts.selectors import user_get_cached
from accounts.tokens import access_token_current, decode_access_token
from umbrella.cache import uncount
from umbrella.throttling import prefetched, read_for_view, user_reads, user_windows

# Access tokens whose signature this process has verified: token -> (payload, session key).
# Verifying (RS256 and decrypting the session id) cost ~0.3-1 ms, more than the rest of a
# /me request; a token is sent many times in its 10 minutes. Only the signature is remembered:
# expiry is checked on every use, and revocation and the token generation (``ver``) are
# checked on every request below, as for a new token. Bounded; cleared whole when full.
_VERIFIED: dict[str, tuple[dict[str, Any], str]] = {}
VERIFIED_TOKENS_MAX = 20_000


def _verified(token: str) -> tuple[dict[str, Any], str] | None:
    hit = _VERIFIED.get(token)
    if hit is not None:
        if hit[0]["exp"] > time.time():
            return hit
        _VERIFIED.pop(token, None)
        return None  # expired since it was verified
    decoded = decode_access_token(token)
    if decoded is not None and isinstance(decoded[0].get("exp"), int | float):
        if len(_VERIFIED) >= VERIFIED_TOKENS_MAX:
            _VERIFIED.clear()
        _VERIFIED[token] = decoded
    return decoded


def _forget_verified(*, setting: str, **kwargs: Any) -> None:
    if setting == "SECRET_KEY" or setting.startswith("HEADLESS_JWT"):
        _VERIFIED.clear()  # another signing key: nothing verified with the old one counts


setting_changed.connect(_forget_verified)


class AccessToken:
    """What ``request.auth`` holds for a token-authenticated request."""

    is_app = False  # people's tokens; issue 11's app credentials set True (see AppRateThrottle)

    def __init__(self, payload: dict[str, Any], session_key: str) -> None:
        self.payload = payload
        self.session_key = session_key


class AccessTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, AccessToken] | None:
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise AuthenticationFailed("Malformed Authorization header.", code="invalid_token")
        try:
            token = parts[1].decode()
        except UnicodeDecodeError as exc:
            raise AuthenticationFailed("Malformed access token.", code="invalid_token") from exc
        decoded = _verified(token)
        if decoded is None:
            raise AuthenticationFailed(
                "The access token is invalid, expired or revoked.", code="invalid_token"
            )
        payload, session_key = decoded
        user_id = str_to_user_id(payload["sub"])
        revoked = revocation_key(session_key)
        # One cache round trip: the cached user, the revocation entry, what the view reads for
        # this user (its ``user_cache_reads``) and (unless revoked) one more count in each
        # per-user rate window of the view, which its throttle then reads.
        windows = user_windows(request, user_id)
        reads = user_reads(request, user_id)
        user, found, counts = user_get_cached(
            user_id=user_id,
            also=(revoked, *reads),
            count=[(window_key, ttl) for _key, window_key, ttl, _ends in windows],
            count_unless=revoked,
        )
        try:
            if revoked in found:
                raise AuthenticationFailed(
                    "The access token is invalid, expired or revoked.", code="invalid_token"
                )
            if user is None or not user.is_active:
                raise AuthenticationFailed("This account is not active.", code="invalid_token")
            if not access_token_current(payload, user):
                # Issued before a password change, deactivation, deletion or role change by staff.
                raise AuthenticationFailed(
                    "The access token is invalid, expired or revoked.", code="invalid_token"
                )
        except AuthenticationFailed:
            # A refused token is not the user's request: it must not spend their rate limit.
            uncount(cache, list(counts))
            raise
        prefetched(
            request,
            {
                key: (counts[window_key], ends, window_key)
                for key, window_key, _ttl, ends in windows
            },
        )
        if reads:
            read_for_view(request, reads, found)
        return user, AccessToken(payload, session_key)

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'


class SessionAuthentication(authentication.SessionAuthentication):
    """The browser's session cookie (CSRF enforced), for same-site pages and the SPA."""


def access_token_user(token: str) -> tuple[Any, AccessToken] | None:
    """The active user an access token stands for, or ``None``: the same checks as
    :class:`AccessTokenAuthentication` (signature and expiry, revocation of its device session,
    an active account, the token generation), without counting a rate window. For
    authenticating a WebSocket (``accounts.websocket``)."""
    decoded = _verified(token)
    if decoded is None:
        return None
    payload, session_key = decoded
    revoked = revocation_key(session_key)
    user, found, _counts = user_get_cached(user_id=str_to_user_id(payload["sub"]), also=(revoked,))
    if revoked in found or user is None or not user.is_active:
        return None
    if user.deleted_at is not None or not access_token_current(payload, user):
        return None
    return user, AccessToken(payload, session_key)
