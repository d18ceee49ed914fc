"""``manage.py runserver`` as ``bin/dev`` runs it, in a subprocess with an environment of its own:
a fresh SQLite *file*, local media, no Redis, one signed-up fan (``EMAIL``/``PASSWORD``). Used by
tests/umbrella/test_sqlite_live.py (parallel signed-in requests on SQLite) and
tests/messaging/test_dev_server.py (the WebSocket handshake on the pages' port)."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

BASE_DIR = Path(__file__).resolve().parents[1]
EMAIL = "live@example.com"
PASSWORD = "a-long-Passphrase-42"

# Tables from every migration, or (``migrations=False``) straight from the models with the
# migrations switched off: under a second, where running every migration on SQLite takes seconds.
_TABLES = {
    True: 'call_command("migrate", verbosity=0, interactive=False)',
    False: (
        "from django.apps import apps\n"
        "from django.conf import settings\n"
        "settings.MIGRATION_MODULES = {app.label: None for app in apps.get_app_configs()}\n"
        'call_command("migrate", verbosity=0, interactive=False, run_syncdb=True)'
    ),
}
_FAN = f"""
from allauth.account.models import EmailAddress
from accounts.models import User
user = User.objects.create_user(
    email="{EMAIL}", password="{PASSWORD}", display_name="Live", role="fan",
    onboarding_complete=True,
)
EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def runserver(tmp_path: Path, *, media: Path, migrations: bool) -> Iterator[tuple[str, Path]]:
    """The server's address and its log, on a fresh SQLite file in ``tmp_path``."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "umbrella.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "MEDIA_ROOT": str(media),
        "REDIS_URL": "",  # explicit: a developer's .env must not switch Redis on
        "LAST_SEEN_INTERVAL_SECONDS": "0",  # every signed-in request writes its device session
        "ACCOUNT_RATE_LIMITS_ENABLED": "false",
        "LOG_LEVEL": "WARNING",
    }
    setup = "import django\ndjango.setup()\nfrom django.core.management import call_command\n"
    setup += _TABLES[migrations] + "\n" + _FAN
    subprocess.run([sys.executable, "-c", setup], cwd=BASE_DIR, env=env, check=True, timeout=120)
    port = free_port()
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


def sign_in(base: str) -> dict[str, str]:
    """The fan signed in through the sign-in form; the session's cookies."""
    browser = requests.Session()
    browser.get(f"{base}/accounts/login/", timeout=10)
    response = browser.post(
        f"{base}/accounts/login/",
        data={
            "login": EMAIL,
            "password": PASSWORD,
            "csrfmiddlewaretoken": browser.cookies["csrftoken"],
        },
        timeout=10,
    )
    assert response.status_code == 200, response.text[:500]
    assert response.url.endswith("/dashboard/"), response.url
    return browser.cookies.get_dict()
