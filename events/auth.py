"""DRF authentication for apps (SPEC-events §5): system calls and calls acting for a user.

* ``Authorization: Bearer uat_…`` (an app token alone): a **system call**. ``request.user`` is
  ``AnonymousUser`` (the app is nobody's account) and ``request.auth`` an :class:`AppPrincipal`.
* ``Authorization: Bearer <the user's access token>`` plus ``X-App-Token: uat_…``: the app
  **acts for that user**. ``request.user`` is the user (checked exactly as for the user's own
  requests: signature, expiry, revoked device session, active account, token generation) and
  ``request.auth`` an :class:`AppPrincipal` whose ``acting_for`` is the user.

Either way ``request.auth.is_app`` is true and ``request.auth.app_id`` names the app, which is
what ``umbrella.throttling`` reads: such requests count against the app's rate
(``AppRateThrottle``), never the user's or the IP's.

An app may call only the endpoints that :data:`events.scopes.APP_ENDPOINTS` lists (and only
their listed methods); anywhere else a valid app token is refused with
``403 app_not_allowed`` here, before the view runs. The scope check itself is the view's
permission :class:`events.scopes.AppScopes`.

Anything else (no ``X-App-Token``, a Bearer that is not ``uat_…``) is left to the next
authenticator (``accounts.authentication``).
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from django.contrib.auth.models import AnonymousUser
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from accounts.authentication import access_token_user
from accounts.models import User
from events.models import App
from events.scopes import app_rule
from events.services.tokens import (
    AppTokenHolder,
    AppTokenRefused,
    app_token_verify,
    is_app_token,
)

APP_TOKEN_HEADER = "X-App-Token"  # noqa: S105 (a header name)
_APP_TOKEN_META = "HTTP_X_APP_TOKEN"  # noqa: S105 (a header name)


@dataclass(frozen=True)
class AppPrincipal:
    """What ``request.auth`` holds for a request made by an app."""

    is_app: ClassVar[bool] = True

    app: App
    app_id: str
    scopes: frozenset[str]
    credential_id: int
    expires_at: datetime
    acting_for: User | None = None

    @classmethod
    def of(cls, holder: AppTokenHolder, *, acting_for: User | None) -> "AppPrincipal":
        """The principal of a verified app token (``app_token_verify``)."""
        return cls(
            app=holder.app,
            app_id=holder.app.app_id,
            scopes=holder.scopes,
            credential_id=holder.credential_id,
            expires_at=holder.expires_at,
            acting_for=acting_for,
        )


class AppTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, AppPrincipal] | None:
        bearer = self._bearer(request)
        app_token = request.META.get(_APP_TOKEN_META)
        if app_token is None:
            if bearer is None or not is_app_token(bearer):
                return None  # a person's token, a session, or nothing: not ours
            user: Any = AnonymousUser()
            holder = self._verify(bearer)
            acting_for = None
        else:
            holder = self._verify(app_token.strip())
            if bearer is None or is_app_token(bearer):
                raise exceptions.AuthenticationFailed(
                    f"{APP_TOKEN_HEADER} acts for a user: send that user's access token in "
                    "Authorization: Bearer (an app token alone goes in Authorization).",
                    code="invalid_token",
                )
            found = access_token_user(bearer)
            if found is None:
                raise exceptions.AuthenticationFailed(
                    "The user's access token is invalid, expired or revoked.",
                    code="invalid_token",
                )
            user = acting_for = found[0]
        principal = AppPrincipal.of(holder, acting_for=acting_for)
        self._gate(request)
        return user, principal

    @staticmethod
    def _bearer(request: Request) -> str | None:
        parts = authentication.get_authorization_header(request).split()
        if len(parts) != 2 or parts[0].lower() != b"bearer":
            return None  # absent or malformed: the next authenticator says so
        try:
            return parts[1].decode()
        except UnicodeDecodeError:
            return None

    @staticmethod
    def _verify(token: str) -> Any:
        try:
            return app_token_verify(token=token)
        except AppTokenRefused as refused:
            raise exceptions.AuthenticationFailed(refused.message, code="invalid_token") from None

    @staticmethod
    def _gate(request: Request) -> None:
        """Refuse an app on an endpoint (or a method) that apps may not call."""
        view = (getattr(request, "parser_context", None) or {}).get("view")
        if app_rule(view, request.method or "") is None:
            raise exceptions.PermissionDenied(
                f"Apps cannot call {request.method} {request.path}: it is not part of the "
                "platform API for apps (see docs/events.md).",
                code="app_not_allowed",
            )

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'
