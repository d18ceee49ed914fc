"""``bin/dev`` serves WebSockets with no extra step: ``manage.py runserver`` (Daphne's, as
``daphne`` comes first in INSTALLED_APPS) answers a signed-in page's WebSocket handshake on the
same port as the pages, with the embedded default (SQLite, in-memory channel layer).

The server's SQLite file gets its tables straight from the models (``migrate --run-syncdb``
with the migrations switched off): under a second, where running every migration on SQLite
takes seconds of CPU. Migrating a fresh SQLite file is what tests/umbrella/test_sqlite_live.py
does; this test is about the server.
"""

import base64
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.umbrella.test_sqlite_live import BASE_DIR, EMAIL, PASSWORD, _free_port, _sign_in

SETUP = f"""
import django
django.setup()
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
settings.MIGRATION_MODULES = {{app.label: None for app in apps.get_app_configs()}}
call_command("migrate", verbosity=0, interactive=False, run_syncdb=True)
from allauth.account.models import EmailAddress
from accounts.models import User
user = User.objects.create_user(
    email="{EMAIL}", password="{PASSWORD}", display_name="Live", role="fan",
    onboarding_complete=True,
)
EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
"""


@pytest.fixture
def dev_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """``manage.py runserver`` as ``bin/dev`` runs it, on a fresh SQLite file with one
    signed-up fan; its address and its log."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "umbrella.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path),
        "REDIS_URL": "",  # explicit: a developer's .env must not switch Redis on
        "LAST_SEEN_INTERVAL_SECONDS": "0",  # every signed-in request writes, as before
        "ACCOUNT_RATE_LIMITS_ENABLED": "false",
        "LOG_LEVEL": "WARNING",
    }
    subprocess.run([sys.executable, "-c", SETUP], cwd=BASE_DIR, env=env, check=True, timeout=120)
    port = _free_port()
    log_path = tmp_path / "server.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    requests.get(f"{base}/", timeout=2)
                    break
                except requests.ConnectionError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
            yield base, log_path
        finally:
            server.terminate()
            server.wait(timeout=10)


def _handshake(base: str, cookies: dict[str, str], origin: str) -> str:
    host = base.removeprefix("http://")
    address, port = host.split(":")
    key = base64.b64encode(os.urandom(16)).decode()
    cookie = "; ".join(f"{name}={value}" for name, value in cookies.items())
    request = (
        "GET /ws/messaging/ HTTP/1.1\r\n"
        f"Host: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
        f"Origin: {origin}\r\nCookie: {cookie}\r\n\r\n"
    )
    with socket.create_connection((address, int(port)), timeout=20) as sock:
        sock.sendall(request.encode())
        return sock.recv(4096).decode("latin1").split("\r\n")[0]


@pytest.mark.timeout(180)
def test_runserver_accepts_a_signed_in_websocket(dev_server):
    base, log = dev_server
    cookies = _sign_in(base)
    assert " 101 " in _handshake(base, cookies, base), log.read_text()[-3000:]
    # Another site's page with the same cookie is refused.
    assert " 101 " not in _handshake(base, cookies, "https://evil.example")
