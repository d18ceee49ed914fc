"""The WSGI application of the built-in apps: ``/apps/lottery/…`` and ``/apps/quiz/…``.

Per app: ``GET …/health`` and its webhooks (the paths of its manifest). Every webhook is
verified first, on the raw body, with the Standard Webhooks library and the app's signing
secret (missing signature headers: ``400``; a bad signature or a timestamp more than 5 minutes
away: ``401``), then deduped on ``webhook-id`` (:class:`builtin_apps.store.Answered`), then
answered. Configuration from the environment (``from_env``)."""

import json
import logging
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from builtin_apps import DEFAULT_BASE_URL, NAMES, manifest
from builtin_apps.picks import BadRequest, leaderboard, uniform
from builtin_apps.quiz import Platform, PlatformError, Quiz
from builtin_apps.store import Answered, Credentials

log = logging.getLogger("builtin_apps")

ROOT = Path(__file__).resolve().parent.parent
MAX_BODY = 1024 * 1024
SIGNATURE_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")

Handler = Callable[[Any], dict[str, Any]]
StartResponse = Callable[..., Any]


def _received(data: Any) -> dict[str, Any]:
    """``notifications``: any 2xx will do (the body is ignored); logged."""
    event = data.get("event") if isinstance(data, dict) else None
    log.info("notification %s", event)
    return {"received": True}


class BuiltinApps:
    def __init__(
        self, *, credentials_path: str | Path, state_path: str | Path, platform_url: str
    ) -> None:
        self.credentials = Credentials(credentials_path)
        self.answered = Answered(state_path)
        self.quiz = Quiz(Platform(platform_url, lambda: self.credentials.app("quiz")))
        handlers: dict[str, dict[str, Handler]] = {
            "lottery": {"winner_selection": uniform, "notifications": _received},
            "quiz": {"quiz_validation": self.quiz.validate, "winner_selection": leaderboard},
        }
        # "/apps/<name><webhook path>" -> (name, capability, handler), from the manifests.
        self.routes: dict[str, tuple[str, str, Handler]] = {}
        for name in NAMES:
            for capability, hook in manifest(name)["webhooks"].items():
                path = hook if isinstance(hook, str) else hook["path"]
                self.routes[f"/apps/{name}{path}"] = (name, capability, handlers[name][capability])

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        for name in NAMES:
            if path == f"/apps/{name}/health":
                if method not in ("GET", "HEAD"):
                    return _json(start_response, 405, {"error": "method not allowed"})
                if self.credentials.app(name) is None:
                    return _json(start_response, 503, {"status": "no credentials yet"})
                return _json(start_response, 200, {"status": "ok", "app": name})
        route = self.routes.get(path)
        if route is None:
            return _json(start_response, 404, {"error": "not found"})
        if method != "POST":
            return _json(start_response, 405, {"error": "method not allowed"})
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            status = 413 if length > MAX_BODY else 400
            return _json(start_response, status, {"error": "bad Content-Length"})
        raw = environ["wsgi.input"].read(length) if length else b""
        headers = {
            key[5:].replace("_", "-").lower(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        status, body = self.webhook(route, raw, headers)
        return _send(start_response, status, body)

    def webhook(
        self, route: tuple[str, str, Handler], raw: bytes, headers: dict[str, str]
    ) -> tuple[int, bytes]:
        name, capability, handler = route
        creds = self.credentials.app(name)
        if not creds or not creds.get("webhook_secret"):
            return 503, _dumps({"error": "no signing secret yet"})
        if any(not headers.get(header) for header in SIGNATURE_HEADERS):
            return 400, _dumps({"error": "missing webhook-id, webhook-timestamp or signature"})
        try:  # a malformed secret is a ValueError too: refused, never a 500
            data = Webhook(creds["webhook_secret"]).verify(raw, headers)
        except (WebhookVerificationError, ValueError) as error:
            log.warning("%s %s refused: %s", name, capability, error)
            return 401, _dumps({"error": "invalid signature"})
        webhook_id = headers["webhook-id"]
        first = self.answered.get(name, webhook_id)
        if first is not None:
            return first
        try:
            answer = handler(data)
        except BadRequest as error:
            return 400, _dumps({"error": str(error)})
        except PlatformError as error:
            log.warning("%s %s: %s", name, capability, error)
            return 502, _dumps({"error": "the platform could not be asked"})
        log.info("%s %s %s answered", name, capability, webhook_id)
        return self.answered.keep_first(name, webhook_id, 200, _dumps(answer))


def _dumps(body: Any) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()


def _send(start_response: StartResponse, status: int, body: bytes) -> list[bytes]:
    reasons = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found"}
    reasons |= {405: "Method Not Allowed", 413: "Payload Too Large", 502: "Bad Gateway"}
    reasons |= {503: "Service Unavailable"}
    start_response(
        f"{status} {reasons.get(status, 'Error')}",
        [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
    )
    return [body]


def _json(start_response: StartResponse, status: int, body: Any) -> list[bytes]:
    return _send(start_response, status, _dumps(body))


def from_env(env: dict[str, str] | None = None) -> BuiltinApps:
    """``BUILTIN_APPS_CREDENTIALS`` (default ``<repo>/.builtin_apps.json``, the file
    ``register_builtin_apps`` writes), ``BUILTIN_APPS_STATE`` (the dedupe store, default
    ``<repo>/.builtin_apps_state.sqlite3``), ``UMBRELLA_URL`` (the platform, default
    ``http://127.0.0.1:8000``)."""
    env = dict(os.environ if env is None else env)
    return BuiltinApps(
        credentials_path=env.get("BUILTIN_APPS_CREDENTIALS") or ROOT / ".builtin_apps.json",
        state_path=env.get("BUILTIN_APPS_STATE") or ROOT / ".builtin_apps_state.sqlite3",
        platform_url=env.get("UMBRELLA_URL") or "http://127.0.0.1:8000",
    )


__all__ = ["DEFAULT_BASE_URL", "BuiltinApps", "from_env"]
