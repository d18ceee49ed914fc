"""DRF authentication: app-client access tokens (no database query) and browser sessions."""

from typing import Any

from allauth.account.internal.userkit import str_to_user_id
from rest_framework import authentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from accounts.revocation import revocation_key
from accounts.selectors import user_get_cached
from accounts.tokens import access_token_current, decode_access_token


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
        decoded = decode_access_token(token)
        if decoded is None:
            raise AuthenticationFailed(
                "The access token is invalid, expired or revoked.", code="invalid_token"
            )
        payload, session_key = decoded
        revoked = revocation_key(session_key)
        user, found = user_get_cached(user_id=str_to_user_id(payload["sub"]), also=(revoked,))
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
        return user, AccessToken(payload, session_key)

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'


class SessionAuthentication(authentication.SessionAuthentication):
    """The browser's session cookie (CSRF enforced), for same-site pages and the SPA."""
