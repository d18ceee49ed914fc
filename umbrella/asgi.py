"""The ASGI application: HTTP to Django, ``/ws/`` to the WebSocket consumers.

- ``application`` serves both (``bin/dev``: ``runserver`` is Daphne's, so WebSockets work with
  no extra step; tests; a single-process deployment).
- ``websocket_application`` is the production ``ws`` process (Procfile): WebSockets, plus
  ``GET /ws/health`` for the load balancer, plus the long streamed HTTP responses under
  ``settings.ASGI_HTTP_PREFIXES`` (``/stream/``: Violet's drafts), served by Django's async
  views on the event loop; any other HTTP path is 404. Pages and the API stay on gunicorn
  (``web``); docs/deployment.md says how the load balancer splits them.

Consumers come from the modules in ``settings.WEBSOCKET_URLCONFS`` (each has
``websocket_urlpatterns``), authenticated by ``settings.WEBSOCKET_AUTH`` (session cookie or
access token, accounts/websocket.py). Named by settings, like ``ROOT_URLCONF``, so this module
stays below the apps it serves.
"""

import os
from importlib import import_module
from typing import Any

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "umbrella.settings")
django_application = get_asgi_application()  # sets Django up before the consumers are imported

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402
from django.utils.module_loading import import_string  # noqa: E402


def websocket_routes() -> Any:
    patterns = [
        route
        for module in settings.WEBSOCKET_URLCONFS
        for route in import_module(module).websocket_urlpatterns
    ]
    return import_string(settings.WEBSOCKET_AUTH)(URLRouter(patterns))


async def websocket_only_http(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """HTTP on the ``ws`` process: the streamed responses, the load balancer's health check,
    else 404."""
    if scope["path"].startswith(tuple(settings.ASGI_HTTP_PREFIXES)):
        await django_application(scope, receive, send)
        return
    ok = scope["path"] == "/ws/health"
    body = b"ok" if ok else b"Not found"
    await send(
        {
            "type": "http.response.start",
            "status": 200 if ok else 404,
            "headers": [(b"content-type", b"text/plain"), (b"cache-control", b"no-store")],
        }
    )
    await send({"type": "http.response.body", "body": body})


application = ProtocolTypeRouter({"http": django_application, "websocket": websocket_routes()})
websocket_application = ProtocolTypeRouter(
    {"http": websocket_only_http, "websocket": websocket_routes()}
)
