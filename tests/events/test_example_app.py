"""The example app of docs/apps.md (``examples/lottery_app``), driven end to end.

The app runs as a **separate process** (``python -I``: the project is not on its path, so it
can only use the standard library and ``standardwebhooks``) and talks to a real server
(pytest-django's ``live_server``) over HTTP, as a third party's app would:

1. a signed-in user registers it through ``POST /api/v1/apps`` with its ``manifest.json``
   (``base_url`` pointing at the app's port) and hands the returned signing secret to it;
2. the platform calls it synchronously (``webhook_call``: winner selection, registration, quiz)
   and asynchronously (a ``notifications`` delivery through Celery, eager here), and through
   ``POST /api/v1/apps/{app_id}/test-event``; every message arrives signed and the app verifies
   it with the Standard Webhooks library;
3. a replayed ``webhook-id`` gets the first answer and does no work twice; a message that fails
   every attempt becomes a dead letter, and replaying it delivers it once;
4. the app exchanges its app id and client secret for an app token and calls the platform with
   it, alone and for a user (``X-App-Token``).
"""

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from tests.accounts.factories import PASSWORD, UserFactory

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "lottery_app"

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(180)]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ExampleApp:
    """The example app's process and its inspection routes."""

    def __init__(self, port: int, log: Path, process: subprocess.Popen) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.log = log
        self.process = process

    def received(self) -> list[dict[str, Any]]:
        return httpx.get(f"{self.url}/_received", timeout=10).json()["messages"]

    def work(self) -> dict[str, int]:
        return httpx.get(f"{self.url}/_received", timeout=10).json()["work"]

    def platform(self, method: str, path: str, **order: Any) -> dict[str, Any]:
        answer = httpx.post(
            f"{self.url}/_platform", json={"method": method, "path": path, **order}, timeout=20
        )
        assert answer.status_code == 200, answer.text
        return answer.json()

    def fail(self, capability: str, times: int, status: int = 500) -> None:
        order = {"capability": capability, "times": times, "status": status}
        assert httpx.post(f"{self.url}/_fail", json=order, timeout=10).status_code == 200

    def output(self) -> str:
        return self.log.read_text()


def start_example_app(port: int, log: Path, **env: str) -> ExampleApp:
    """``python -I app.py --port <port>`` with ``env`` (the UMBRELLA_* variables), waiting until
    ``GET /health`` answers."""
    process = subprocess.Popen(
        [sys.executable, "-I", str(EXAMPLE / "app.py"), "--port", str(port)],
        cwd=EXAMPLE,
        env={"PATH": os.environ.get("PATH", ""), **env},
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    app = ExampleApp(port, log, process)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the example app exited: {app.output()}")
        try:
            if httpx.get(f"{app.url}/health", timeout=1).status_code == 200:
                return app
        except httpx.TransportError:
            time.sleep(0.05)
    process.kill()
    raise AssertionError(f"the example app did not start: {app.output()}")


def stop_example_app(app: ExampleApp) -> None:
    if app.process.poll() is None:
        app.process.terminate()
        try:
            app.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            app.process.kill()
            app.process.wait()


def _signed(secret: str, body: dict[str, Any], *, msg_id: str, at: datetime) -> dict[str, str]:
    data = json.dumps(body)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, at, data),
        "content-type": "application/json",
    }


# --- the example app on its own (no platform needed) ---------------------------------------


@pytest.fixture
def lone_app(tmp_path) -> Iterator[tuple[ExampleApp, str]]:
    secret = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    app = start_example_app(_free_port(), tmp_path / "app.log", UMBRELLA_WEBHOOK_SECRET=secret)
    yield app, secret
    stop_example_app(app)


@pytest.mark.django_db(transaction=False)
def test_the_example_app_refuses_what_it_cannot_verify_and_dedupes(lone_app):
    """Its own guarantees, with messages signed here by the library: a wrong signature, a
    missing header or a timestamp older than 5 minutes is refused (401) and does nothing; one
    good signature among several is enough; a replayed webhook-id gets the first answer."""
    app, secret = lone_app
    body = {
        "type": "winner_selection",
        "data": {
            "room_id": 1,
            "draw_id": 1,
            "participants": [{"id": n, "user_id": 100 + n, "metadata": {}} for n in range(1, 9)],
            "prizes": [{"id": 7, "name": "Poster", "quantity_remaining": 3}],
            "app_settings": {},
        },
    }
    now = datetime.now(UTC)
    url = f"{app.url}/hooks/winners"
    other = Webhook("whsec_" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB").sign("msg_a", now, json.dumps(body))

    wrong = _signed(secret, body, msg_id="msg_a", at=now) | {"webhook-signature": other}
    assert httpx.post(url, content=json.dumps(body), headers=wrong).status_code == 401
    stale = _signed(secret, body, msg_id="msg_b", at=now - timedelta(minutes=6))
    assert httpx.post(url, content=json.dumps(body), headers=stale).status_code == 401
    unsigned = {"webhook-id": "msg_c", "webhook-timestamp": str(int(now.timestamp()))}
    assert httpx.post(url, content=json.dumps(body), headers=unsigned).status_code == 401
    assert app.work() == {}

    good = _signed(secret, body, msg_id="msg_d", at=now)
    good["webhook-signature"] = f"{other} {good['webhook-signature']}"  # a rotation: two secrets
    first = httpx.post(url, content=json.dumps(body), headers=good)
    assert first.status_code == 200
    winners = first.json()["winners"]
    assert len(winners) == 3
    assert len({w["participant_id"] for w in winners}) == 3
    assert {w["prize_id"] for w in winners} == {7}
    again = httpx.post(url, content=json.dumps(body), headers=good)
    assert again.status_code == 200 and again.json() == first.json()
    assert app.work() == {"winner_selection": 1}
    seen = [(m["webhook_id"], m["verified"], m.get("duplicate")) for m in app.received()]
    assert seen == [
        ("msg_a", False, None),
        ("msg_b", False, None),
        ("msg_c", False, None),
        ("msg_d", True, False),
        ("msg_d", True, True),
    ]
