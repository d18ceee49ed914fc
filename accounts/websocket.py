"""Who opened a WebSocket: ``scope["user"]`` from an access token or the session cookie.

Mounted around every ``/ws/`` route by ``umbrella/asgi.py`` (setting ``WEBSOCKET_AUTH``).

- **Access token** (app clients, the SPA): ``Authorization: Bearer <token>``, or, for browsers
  that cannot set headers on a WebSocket, the subprotocol ``bearer.<token>`` offered next to
  ``umbrella.v1`` (consumers accept with ``umbrella.v1``). Checked by
  :func:`accounts.authentication.access_token_user`, the API's own checks. Tokens in the query
  string are not read: URLs end up in logs.
- **Session cookie** (pages): read only when the ``Origin`` is this site (the ``Host`` the socket
  was opened on, or one of ``CSRF_TRUSTED_ORIGINS``), so another site cannot open a socket with
  a visitor's cookie (cross-site WebSocket hijacking). Django's own ``get_user`` checks the
  session's password hash, so a session ended by a password change is refused.

Anything else leaves ``AnonymousUser``; consumers refuse it.
"""

from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth import get_user
from django.contrib.auth.models import AnonymousUser
from django.db import close_old_connections
from django.http.cookie import parse_cookie
from django.utils.module_loading import import_string

from accounts.authentication import access_token_user

SUBPROTOCOL = "umbrella.v1"
TOKEN_PROTOCOL_PREFIX = "bearer."  # noqa: S105 (a prefix, not a secret)


def _headers(scope: dict[str, Any]) -> dict[bytes, bytes]:
    return {name.lower(): value for name, value in scope.get("headers", [])}


def bearer_token(scope: dict[str, Any]) -> str | None:
    header = _headers(scope).get(b"authorization", b"").decode("latin1").split()
    if len(header) == 2 and header[0].lower() == "bearer":
        return header[1]
    for protocol in scope.get("subprotocols") or []:
        if protocol.startswith(TOKEN_PROTOCOL_PREFIX):
            return protocol[len(TOKEN_PROTOCOL_PREFIX) :]
    return None


def same_origin(scope: dict[str, Any]) -> bool:
    headers = _headers(scope)
    origin = headers.get(b"origin", b"").decode("latin1")
    host = headers.get(b"host", b"").decode("latin1")
    if not origin or origin == "null":
        return False
    if origin in settings.CSRF_TRUSTED_ORIGINS:
        return True
    return bool(host) and urlsplit(origin).netloc.lower() == host.lower()


def _session_user(session_key: str) -> Any:
    close_old_connections()
    try:
        store = import_string(settings.SESSION_ENGINE + ".SessionStore")(session_key)
        user = get_user(SimpleNamespace(session=store))  # type: ignore[arg-type]
        if user.is_authenticated and getattr(user, "deleted_at", None) is not None:
            return AnonymousUser()
        return user
    finally:
        close_old_connections()


def _token_user(token: str) -> Any:
    close_old_connections()
    try:
        found = access_token_user(token)
    finally:
        close_old_connections()
    return (found[0], "access_token") if found else (AnonymousUser(), None)


class WebSocketAuthMiddleware:
    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        scope = dict(scope)
        user: Any = AnonymousUser()
        method = None
        token = bearer_token(scope)
        if token is not None:
            user, method = await sync_to_async(_token_user)(token)
        elif same_origin(scope):
            cookies = parse_cookie(_headers(scope).get(b"cookie", b"").decode("latin1"))
            session_key = cookies.get(settings.SESSION_COOKIE_NAME)
            if session_key:
                user = await sync_to_async(_session_user)(session_key)
                method = "session" if user.is_authenticated else None
        scope["user"] = user
        scope["auth_method"] = method
        return await self.inner(scope, receive, send)
