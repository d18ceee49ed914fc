"""The embedded default on SQLite serves parallel signed-in requests without "database is locked".

A real server (``manage.py runserver``, threaded, as ``bin/dev`` runs it) in a subprocess with
an environment of its own: a fresh SQLite *file* (WAL and locking only exist for files), local
media, no Redis. So this runs the same in CI, where the suite itself uses PostgreSQL.

The server runs with ``LAST_SEEN_INTERVAL_SECONDS=0``, so every signed-in request writes its
device session: the worst case for SQLite's single writer. A signed-in page and its two images
(avatar and banner) are requested together, 20 times.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.dev_server import runserver, sign_in

ROUNDS = 20

# A one-pixel PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


@pytest.fixture
def live_sqlite_server(tmp_path):
    media = tmp_path / "media"
    media.mkdir()
    (media / "avatar.png").write_bytes(PNG)
    (media / "banner.png").write_bytes(PNG)
    with runserver(tmp_path, media=media, migrations=True) as server:
        yield server


@pytest.mark.timeout(180)
def test_parallel_signed_in_requests_on_sqlite_never_fail(live_sqlite_server):
    base, log = live_sqlite_server
    cookies = sign_in(base)
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
