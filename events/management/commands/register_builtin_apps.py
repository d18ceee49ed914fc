"""Register the built-in Lottery and Quiz apps through the public API, or publish their new
versions, and write their secrets where the apps process reads them (docs/rooms.md
"Built-in apps").

Like any app's owner, it calls ``/api/v1/apps/``: in process by default (httpx's WSGI transport
on Django's WSGI handler: no server needed, as in ``seed_demo`` and the release step), or a
running server with ``--api-url``. In process, the requests use the command's own database
connection, so they may run inside a caller's transaction (``seed_demo`` runs the command in
one). It signs in as the apps' owner, a staff account with no password
(``settings.BUILTIN_APPS["owner_email"]``, created on the first run), by minting an access token
as the sign-in does (a device session of its own, ended when the command ends).

Idempotent: an app already registered is left as it is, or its new version published
(``PATCH``) when ``meta.version`` of its JSON file is higher. Its secrets in the credentials
file are kept while they still work (the client secret buys a token; the signing secret is
live); a secret that is missing or no longer works is rotated (the old one ends at once), and
``--rotate`` rotates both deliberately (the old signing secret stays live an hour).
"""

import json
import logging
import os
import tempfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

import httpx
from allauth.headless.tokens.strategies.jwt import internal as jwt_internal
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.core.handlers.wsgi import WSGIHandler
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from accounts.models import User
from accounts.tokens import UmbrellaTokenStrategy
from builtin_apps import APP_IDS, NAMES, manifest

OWNER_NAME = "Umbrella built-in apps"
ROTATE_GRACE_HOURS = 1


def builtin_owner(email: str) -> User:
    """The staff account owning the built-in apps: no password, so nobody signs in as it."""
    owner = User.objects.filter(email=email).first()
    if owner is None:
        owner = User.objects.create_user(
            email, None, is_staff=True, onboarding_complete=True, display_name=OWNER_NAME
        )
    return owner


def read_credentials(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {"apps": {}}
    return data if isinstance(data.get("apps"), dict) else {"apps": {}}


def write_credentials(path: Path, data: dict[str, Any]) -> None:
    """Atomically, readable by its owner only (mode 600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=".builtin_apps.", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w") as file:
            json.dump(data, file, indent=2, sort_keys=True)
            file.write("\n")
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@contextmanager
def connection_kept() -> Iterator[None]:
    """In-process requests must not close the database connection: it is the command's own, and
    may be inside the caller's transaction (Django's WSGI handler closes it around each request,
    as a server must; Django's test client suspends that the same way). The expected ``404`` of
    an app not registered yet is not logged as a warning either."""
    suspended = [
        signal
        for signal in (request_started, request_finished)
        if signal.disconnect(close_old_connections)
    ]
    requests_log = logging.getLogger("django.request")
    level = requests_log.level
    requests_log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        requests_log.setLevel(level)
        for signal in suspended:
            signal.connect(close_old_connections)


class Command(BaseCommand):
    help = "Register (or upgrade) the built-in Lottery and Quiz apps and store their secrets."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--api-url", help="a running Umbrella (e.g. http://127.0.0.1:8000); default: in process"
        )
        parser.add_argument(
            "--credentials", help="the credentials file (default: settings.BUILTIN_APPS)"
        )
        parser.add_argument(
            "--rotate", action="store_true", help="rotate both secrets of both apps"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        logging.getLogger("httpx").setLevel(logging.WARNING)
        config = settings.BUILTIN_APPS
        path = Path(options["credentials"] or config["credentials"])
        owner = builtin_owner(config["owner_email"])
        session = SessionStore()
        session.create()
        token = jwt_internal.create_access_token(
            owner, session, UmbrellaTokenStrategy().get_claims(owner)
        )
        if options["api_url"]:
            transport: httpx.BaseTransport = httpx.HTTPTransport()
            base = options["api_url"].rstrip("/")
            in_process: AbstractContextManager[None] = nullcontext()
        else:
            transport = httpx.WSGITransport(app=WSGIHandler())
            hosts = [h for h in settings.ALLOWED_HOSTS if h != "*"]
            base = "https://" + (hosts[0].lstrip(".") if hosts else "localhost")
            in_process = connection_kept()
        credentials = read_credentials(path)
        try:
            with (
                in_process,
                httpx.Client(
                    transport=transport,
                    base_url=base + "/api/v1",
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=30,
                ) as api,
            ):
                for name in NAMES:
                    wanted = manifest(name, config["base_url"])
                    known = credentials["apps"].get(name) or {}
                    credentials["apps"][name] = self.one(api, name, wanted, known, options)
                    write_credentials(path, credentials)  # each app's secrets as soon as known
        finally:
            session.delete()
        self.stdout.write(f"credentials in {path}")

    def one(
        self,
        api: httpx.Client,
        name: str,
        wanted: dict[str, Any],
        known: dict[str, Any],
        options: dict[str, Any],
    ) -> dict[str, Any]:
        app_id = APP_IDS[name]
        found = api.get(f"/apps/{app_id}")
        if found.status_code == 404:
            registered = _ok(api.post("/apps/", json={"manifest": wanted, "app_id": app_id}), 201)
            self.stdout.write(f"registered {app_id} {wanted['meta']['version']}")
            return {
                "app_id": app_id,
                "client_secret": registered["client_secret"],
                "webhook_secret": registered["webhook_secret"],
                "version": registered["manifest_version"],
            }
        current = _ok(found, 200)
        version = current["manifest_version"]
        if current["manifest"] != wanted:
            published = api.patch(f"/apps/{app_id}", json={"manifest": wanted})
            if published.status_code == 200:
                version = published.json()["manifest_version"]
                self.stdout.write(f"published {app_id} {version}")
            else:
                error = published.json().get("error", {})
                self.stderr.write(
                    f"WARNING {app_id}: builtin_apps/{name}.json differs from the registered "
                    f"{version} but was not published ({error.get('code')}: "
                    f"{error.get('message')}); raise its meta.version to publish it."
                )
        else:
            self.stdout.write(f"unchanged  {app_id} {version}")
        entry = {**known, "app_id": app_id, "version": version}
        rotate = options["rotate"]
        client_ok = bool(known.get("client_secret")) and (
            api.post(
                "/apps/token", json={"app_id": app_id, "app_secret": known["client_secret"]}
            ).status_code
            == 200
        )
        if rotate or not client_ok:
            rotated = _ok(api.post(f"/apps/{app_id}/rotate-secret", json={"secret": "client"}))
            entry["client_secret"] = rotated["value"]
            self.stdout.write(f"rotated    {app_id} client secret")
        live = [s["prefix"] for s in current.get("webhook_secrets", [])]
        signing = known.get("webhook_secret") or ""
        signing_ok = bool(signing) and any(signing.startswith(prefix) for prefix in live)
        if rotate or not signing_ok:
            grace = ROTATE_GRACE_HOURS if rotate and signing_ok else 0
            rotated = _ok(
                api.post(
                    f"/apps/{app_id}/rotate-secret",
                    json={"secret": "webhook", "grace_hours": grace},
                )
            )
            entry["webhook_secret"] = rotated["value"]
            self.stdout.write(f"rotated    {app_id} signing secret (grace {grace} h)")
        return entry


def _ok(answer: httpx.Response, status: int = 200) -> dict[str, Any]:
    if answer.status_code != status:
        raise CommandError(
            f"{answer.request.method} {answer.request.url.path} answered "
            f"{answer.status_code}: {answer.text[:2000]}"
        )
    body: dict[str, Any] = answer.json()
    return body
