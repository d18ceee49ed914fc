"""Shared pieces of the deliveries tests: an app whose webhooks point at a real local HTTP
server (pytest-httpserver), and that server's behaviours."""

import json
from collections.abc import Iterator
from typing import Any

from werkzeug import Request, Response

from events.models import App
from events.services.credentials import webhook_secret_issue
from events.webhooks import breaker
from tests.events.factories import AppFactory, manifest

NOTIFY = "/hooks/notify"


def make_app(base_url: str, **kwargs: Any) -> tuple[App, str]:
    """An app served at ``base_url`` with one signing secret; returns it and the secret."""
    app = AppFactory(manifest=manifest(base_url=base_url.rstrip("/")), **kwargs)
    secret = webhook_secret_issue(app=app).secret
    return app, secret


def app_at(httpserver: Any, settings: Any) -> Iterator[App]:
    """The body of each test module's ``hook_app`` fixture: an app whose webhooks point at the
    local server (on 127.0.0.1, so the SSRF guard lets loopback through, as in development);
    its breakers are closed again afterwards."""
    settings.EVENTS_WEBHOOK_ALLOW_PRIVATE = True
    app, _ = make_app(httpserver.url_for("/"))
    yield app
    for capability in ("notifications", "winner_selection"):
        breaker.reset(app.app_id, capability)


class Scripted:
    """Answers with the given statuses in turn (the last one from then on), and keeps each
    request's headers and JSON body."""

    def __init__(self, *statuses: int) -> None:
        self.statuses = list(statuses)
        self.requests: list[dict[str, Any]] = []

    def __call__(self, request: Request) -> Response:
        self.requests.append(
            {
                "headers": {k.lower(): v for k, v in request.headers.items()},
                "json": json.loads(request.get_data() or b"null"),
            }
        )
        status = self.statuses[min(len(self.requests), len(self.statuses)) - 1]
        return Response('{"received": true}', status=status, content_type="application/json")

    def ids(self) -> list[str]:
        return [r["headers"]["webhook-id"] for r in self.requests]

    def attempts(self) -> list[str]:
        return [r["headers"]["x-umbrella-attempt"] for r in self.requests]


def script(httpserver, *statuses: int) -> Scripted:
    handler = Scripted(*statuses)
    httpserver.expect_request(NOTIFY, method="POST").respond_with_handler(handler)
    return handler
