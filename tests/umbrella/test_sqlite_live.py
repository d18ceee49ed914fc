"""The embedded default on SQLite serves parallel signed-in requests without "database is locked".

A real server (``manage.py runserver``, threaded, as ``bin/dev`` runs it) in a subprocess with
an environment of its own: a fresh SQLite *file* (WAL and locking only exist for files), local
media, no Redis. So this runs the same in CI, where the suite itself uses PostgreSQL.

The server runs with ``LAST_SEEN_INTERVAL_SECONDS=0``, so every signed-in request writes its
device session: the worst case for SQLite's single writer. A signed-in page and its two images
(avatar and banner) are requested together, 20 times.
"""

import os
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

BASE_DIR = Path(__file__).resolve().parents[2]
EMAIL = "live@example.com"
PASSWORD = "a-long-Passphrase-42"
ROUNDS = 20

SETUP = f"""
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0, interactive=False)
from allauth.account.models import EmailAddress
from accounts.models import User
user = User.objects.create_user(
    email="{EMAIL}", password="{PASSWORD}", display_name="Live", role="fan",
    onboarding_complete=True,
)
EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
"""

# A one-pixel PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def live_sqlite_server(tmp_path):
    media = tmp_path / "media"
    media.mkdir()
    (media / "avatar.png").write_bytes(PNG)
    (media / "banner.png").write_bytes(PNG)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "umbrella.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "MEDIA_ROOT": str(media),
        "REDIS_URL": "",  # explicit: a developer's .env must not switch Redis on
        "LAST_SEEN_INTERVAL_SECONDS": "0",
        "ACCOUNT_RATE_LIMITS_ENABLED": "false",
        "LOG_LEVEL": "WARNING",
    }
    subprocess.run([sys.executable, "-c", SETUP], cwd=BASE_DIR, env=env, check=True, timeout=120)
    port = _free_port()
    log = (tmp_path / "server.log").open("w")
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
        yield base, tmp_path / "server.log"
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


def _sign_in(base: str) -> dict[str, str]:
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


@pytest.mark.timeout(180)
def test_parallel_signed_in_requests_on_sqlite_never_fail(live_sqlite_server):
    base, log = live_sqlite_server
    cookies = _sign_in(base)
    urls = [f"{base}/dashboard/", f"{base}/media/avatar.png", f"{base}/media/banner.png"]
    start = threading.Barrier(len(urls))

    def fetch(url: str) -> int:
        start.wait(timeout=10)  # released together
        return requests.get(url, cookies=cookies, timeout=30, allow_redirects=False).status_code

    statuses = []
    with ThreadPoolExecutor(max_workers=len(urls)) as pool:
        for _ in range(ROUNDS):
            statuses += list(pool.map(fetch, urls))

    assert len(statuses) == ROUNDS * len(urls)
    assert statuses == [200] * len(statuses), log.read_text()[-3000:]
