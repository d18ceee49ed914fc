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
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.dev_server import runserver, sign_in


@pytest.fixture
def dev_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """``manage.py runserver`` as ``bin/dev`` runs it, on a fresh SQLite file (tables from the
    models) with one signed-up fan; its address and its log."""
    with runserver(tmp_path, media=tmp_path, migrations=False) as server:
        yield server


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
    cookies = sign_in(base)
    assert " 101 " in _handshake(base, cookies, base), log.read_text()[-3000:]
    # Another site's page with the same cookie is refused.
    assert " 101 " not in _handshake(base, cookies, "https://evil.example")
