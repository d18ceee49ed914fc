"""Apps on the rooms' WebSocket (SPEC-events §2, scope ``realtime:subscribe``; docs/rooms.md,
"Apps on the socket").

Wrapped around ``/ws/rooms/`` inside the project's WebSocket authentication
(``accounts.websocket``, which has already set ``scope["user"]``), this reads an app token the
way the API does (``events.auth``) and puts the app in ``scope["app"]`` (an
:class:`events.auth.AppPrincipal`, or ``None``):

* ``Authorization: Bearer uat_…`` alone: the **app itself** (a system socket). ``scope["user"]``
  stays anonymous: the app is nobody's account.
* the user's access token (``Authorization: Bearer …``) plus ``X-App-Token: uat_…``: the app
  **acts for that user**, who must be signed in by that access token (a session cookie is a
  browser's, never an app's).

Browsers cannot set headers on a WebSocket; an app's front end offers the tokens as
subprotocols next to ``umbrella.v1`` instead: ``bearer.<token>`` (accounts.websocket) and
``app.<app token>`` (like ``X-App-Token``).

A token that is refused (bad signature, expired, revoked secret, disabled app, or acting for
nobody) leaves ``scope["app_refused"]`` with the reason; the consumer closes such a socket with
4401 and that reason. The token is checked once, here; what each subscription needs (the scope,
the person's membership or the app's own room) is the consumer's (events.consumers).
"""

from typing import Any

from asgiref.sync import sync_to_async
from django.db import close_old_connections

from accounts.websocket import bearer_token
from events.auth import AppPrincipal
from events.services.tokens import AppTokenRefused, app_token_verify, is_app_token

APP_TOKEN_PROTOCOL_PREFIX = "app."  # noqa: S105 (a prefix, not a secret)


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin1").strip()
    return None


def _offered(scope: dict[str, Any], prefix: str) -> str | None:
    for protocol in scope.get("subprotocols") or []:
        if protocol.startswith(prefix):
            return protocol[len(prefix) :]
    return None


def socket_tokens(scope: dict[str, Any]) -> tuple[str | None, str | None]:
    """``(bearer, app token)`` as sent: Authorization / ``bearer.`` and X-App-Token / ``app.``."""
    app_token = _header(scope, b"x-app-token") or _offered(scope, APP_TOKEN_PROTOCOL_PREFIX)
    return bearer_token(scope), app_token


def _principal(token: str, acting_for: Any) -> AppPrincipal:
    close_old_connections()
    try:
        holder = app_token_verify(token=token)
    finally:
        close_old_connections()
    return AppPrincipal.of(holder, acting_for=acting_for)


class AppSocketMiddleware:
    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        scope = {**scope, "app": None, "app_refused": None}
        bearer, app_token = socket_tokens(scope)
        try:
            if app_token is not None:
                user = scope.get("user")
                signed_in = getattr(user, "is_authenticated", False)
                if bearer is None or is_app_token(bearer) or not signed_in:
                    raise AppTokenRefused(
                        "An app token in X-App-Token acts for a user: send that user's valid "
                        "access token in Authorization: Bearer (an app token alone goes there)."
                    )
                if scope.get("auth_method") != "access_token":
                    raise AppTokenRefused("An app acts for a user by their access token only.")
                scope["app"] = await sync_to_async(_principal)(app_token, user)
            elif bearer is not None and is_app_token(bearer):
                scope["app"] = await sync_to_async(_principal)(bearer, None)
        except AppTokenRefused as refused:
            scope["app_refused"] = refused.message
        return await self.inner(scope, receive, send)
