"""The example app of docs/apps.md (``examples/lottery_app``), driven end to end.

The app runs as a **separate process** (``python -I``: the project is not on its path, so it
can only use the standard library and ``standardwebhooks``) and talks to a real server
(pytest-django's ``live_server``) over HTTP, as a third party's app would:

1. a signed-in user registers it through ``POST /api/v1/apps`` with its ``manifest.json``
   (``base_url`` pointing at the app's port) and hands the returned signing secret to it;
2. the platform calls it synchronously (``webhook_call``: winner selection, registration, quiz)
   and asynchronously (a ``notifications`` delivery through Celery: eager, and a real worker on
   PostgreSQL + Redis), and through
   ``POST /api/v1/apps/{app_id}/test-event``; every message arrives signed and the app verifies
   it with the Standard Webhooks library;
3. a replayed ``webhook-id`` gets the first answer and does no work twice; a message that fails
   every attempt becomes a dead letter, and replaying it delivers it once;
4. the app exchanges its app id and client secret for an app token and calls the platform with
   it, alone and for a user (``X-App-Token``);
5. a signing-secret rotation, the breaker, a 410, the health check and a real Celery worker,
   each seen from the app; and docs/apps.md's snippet and names checked against the code.
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
import time_machine
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from accounts.models import Notification
from events.health import app_health_check
from events.models import WEBHOOK_CAPABILITIES, App, Capability, Scope, WebhookDelivery
from events.services.deliveries import webhook_enqueue
from events.webhooks import breaker
from events.webhooks.calls import DEFAULT_TIMEOUT_MS, webhook_call
from events.webhooks.signing import webhook_headers
from tests.accounts.factories import PASSWORD, UserFactory

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "lottery_app"
MANIFEST = EXAMPLE / "manifest.json"

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
        "room_id": 1,
        "draw_id": 1,
        "participants": [{"id": n, "user_id": 100 + n, "metadata": {}} for n in range(1, 9)],
        "prizes": [{"id": 7, "name": "Poster", "quantity_remaining": 3}],
        "app_settings": {},
    }
    now = datetime.now(UTC)
    url = f"{app.url}/hooks/winners"
    stranger = Webhook("whsec_" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB")
    other = stranger.sign("msg_a", now, json.dumps(body))

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


@pytest.mark.django_db(transaction=False)
def test_the_example_app_inspection_routes_and_bad_requests(tmp_path):
    """``LOTTERY_ADMIN_TOKEN`` guards the ``/_`` routes (``/health`` stays open); malformed
    orders are a 400, unknown paths a 404, a platform call without credentials a 503."""
    app = start_example_app(
        _free_port(),
        tmp_path / "app.log",
        UMBRELLA_WEBHOOK_SECRET="whsec_" + "QUJDRA" * 4,
        LOTTERY_ADMIN_TOKEN="let-me-in",
    )
    admin = {"Authorization": "Bearer let-me-in"}
    try:
        assert httpx.get(f"{app.url}/_received").status_code == 401
        assert httpx.post(f"{app.url}/_fail", json={"capability": "x"}).status_code == 401
        assert httpx.get(f"{app.url}/_received", headers=admin).json() == {
            "messages": [],
            "work": {},
        }
        bad = httpx.post(f"{app.url}/_fail", content=b"{nope", headers=admin)
        assert bad.status_code == 400
        assert httpx.post(f"{app.url}/_fail", json={}, headers=admin).status_code == 400
        order = {"path": "/api/v1/apps/me"}
        assert httpx.post(f"{app.url}/_platform", json=order, headers=admin).status_code == 503
        assert httpx.get(f"{app.url}/nowhere").status_code == 404
        assert httpx.post(f"{app.url}/nowhere", content=b"{}").status_code == 404
    finally:
        stop_example_app(app)


# --- against the platform ------------------------------------------------------------------


# httpx's default (5 s) was hit by the live server's first request at load ~12 (setup error).
PLATFORM_TIMEOUT = 30


def _sign_in(base: str, email: str) -> str:
    answer = httpx.post(  # the live server's first request may take seconds on a busy box
        f"{base}/_allauth/app/v1/auth/login",
        json={"email": email, "password": PASSWORD},
        timeout=PLATFORM_TIMEOUT,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["meta"]["access_token"]


@pytest.fixture
def platform_and_app(live_server, settings, tmp_path) -> Iterator[dict[str, Any]]:
    """The app registered through the API by a signed-in user and running with the returned
    secrets; the platform may call loopback addresses (the development setting)."""
    _close_breakers("app_example_lottery")
    settings.EVENTS_WEBHOOK_ALLOW_PRIVATE = True
    owner = UserFactory()
    token = _sign_in(live_server.url, owner.email)
    port = _free_port()
    manifest = json.loads(MANIFEST.read_text())
    manifest["base_url"] = f"http://127.0.0.1:{port}"
    api = httpx.Client(
        base_url=live_server.url,
        headers={"Authorization": f"Bearer {token}"},
        timeout=PLATFORM_TIMEOUT,
    )
    registered = api.post("/api/v1/apps/", json={"manifest": manifest})
    assert registered.status_code == 201, registered.text
    credentials = registered.json()
    assert credentials["app_id"] == "app_example_lottery"  # "app_" and meta.name
    app = start_example_app(
        port,
        tmp_path / "app.log",
        UMBRELLA_WEBHOOK_SECRET=credentials["webhook_secret"],
        UMBRELLA_URL=live_server.url,
        UMBRELLA_APP_ID=credentials["app_id"],
        UMBRELLA_APP_SECRET=credentials["client_secret"],
    )
    yield {"api": api, "app": app, "credentials": credentials, "owner": owner, "token": token}
    stop_example_app(app)
    api.close()
    _close_breakers(credentials["app_id"])


def _close_breakers(app_id: str) -> None:
    """The breaker's state outlives a test (in this process without Redis), and every test
    registers the same app id."""
    for capability in WEBHOOK_CAPABILITIES:
        breaker.reset(app_id, capability)


def _app_row(app_id: str) -> App:
    return App.objects.get(app_id=app_id)


def _call(app_id: str, capability: str, payload: dict[str, Any]) -> Any:
    """A synchronous webhook call through the transport (SPEC-events §4)."""
    return webhook_call(
        app=_app_row(app_id), capability=capability, event=capability, payload=payload
    )


def _deliver(app_id: str, event: str, payload: dict[str, Any]) -> None:
    """An async ``notifications`` delivery (Celery; eager in the tests)."""

    webhook_enqueue(app=_app_row(app_id), capability="notifications", event=event, payload=payload)


def _deliveries(app_id: str) -> Any:
    return WebhookDelivery.objects.filter(app__app_id=app_id).order_by("created_at", "id")


def test_synchronous_calls_arrive_signed_and_are_answered(platform_and_app):
    app, app_id = platform_and_app["app"], platform_and_app["credentials"]["app_id"]
    draw = {
        "room_id": 11,
        "draw_id": 3,
        "participants": [{"id": n, "user_id": 500 + n, "metadata": {}} for n in range(1, 6)],
        "prizes": [{"id": 21, "name": "Vinyl", "quantity_remaining": 2}],
        "app_settings": {"allow_multiple_wins": False},
    }
    result = _call(app_id, "winner_selection", draw)
    winners = result.answer["winners"]
    assert len(winners) == 2 and {w["prize_id"] for w in winners} == {21}
    assert {w["participant_id"] for w in winners} <= {1, 2, 3, 4, 5}

    minor = {"room_id": 11, "user": {"id": 9, "display_name": "Kim"}, "metadata": {"age": 15}}
    assert _call(app_id, "participant_registration", minor).answer == {
        "accept": False,
        "reason": "Participants must be 18 or older.",
    }
    quiz = {"room_id": 11, "question_id": "q1", "answer": 1}
    assert _call(app_id, "quiz_validation", quiz).answer == {"correct": True, "score": 10}

    received = app.received()
    assert [m["capability"] for m in received] == [
        "winner_selection",
        "participant_registration",
        "quiz_validation",
    ]
    assert all(m["verified"] and m["status"] == 200 for m in received)
    assert [m["timeout_ms"] for m in received] == ["5000", "3000", "2000"]
    assert all(m["attempt"] == "1" and m["signatures"] == 1 for m in received)
    # The platform recorded each attempt, with the id the app saw.
    rows = list(_deliveries(app_id))
    assert [r.outcome for r in rows] == ["success"] * 3
    assert [r.webhook_id for r in rows] == [m["webhook_id"] for m in received]


def test_async_delivery_is_verified_and_a_replayed_webhook_id_does_nothing_twice(
    platform_and_app,
):
    app, app_id = platform_and_app["app"], platform_and_app["credentials"]["app_id"]
    _deliver(app_id, "room.completed", {"room_id": 11, "winners": 2})
    [first] = app.received()
    assert first["verified"] and first["capability"] == "notifications"
    assert first["body"] == {"event": "room.completed", "payload": {"room_id": 11, "winners": 2}}
    assert app.work() == {"notifications": 1}

    # The same message again (a retry, or the platform's at-least-once delivery): the app gets
    # the same webhook-id with a fresh signature, answers as the first time and does nothing.
    [row] = _deliveries(app_id)
    headers = dict(row.request_headers)
    at = datetime.now(UTC)
    secret = platform_and_app["credentials"]["webhook_secret"]
    headers["webhook-timestamp"] = str(int(at.timestamp()))
    headers["webhook-signature"] = Webhook(secret).sign(row.webhook_id, at, row.request_body)
    again = httpx.post(f"{app.url}/hooks/notify", content=row.request_body, headers=headers)
    assert again.status_code == 200
    assert again.json() == row_answer(row)
    assert app.work() == {"notifications": 1}
    # And from the platform: a second copy of the message (a task run twice after a worker
    # died mid-delivery sends the same webhook-id again).

    copy = webhook_call(
        app=_app_row(app_id),
        capability="notifications",
        event=row.event,
        payload=first["body"],
        webhook_id=row.webhook_id,
        attempt=2,
    )
    assert copy.ok and copy.answer == row_answer(row)
    assert app.work() == {"notifications": 1}
    assert [(m["webhook_id"], m["duplicate"]) for m in app.received()] == [
        (row.webhook_id, False),
        (row.webhook_id, True),
        (row.webhook_id, True),
    ]


def row_answer(row) -> Any:
    return json.loads(row.response_body)


def test_a_message_failing_every_attempt_is_dead_lettered_and_replayed_once(platform_and_app):
    api, app = platform_and_app["api"], platform_and_app["app"]
    app_id = platform_and_app["credentials"]["app_id"]
    app.fail("notifications", times=3)
    _deliver(app_id, "room.completed", {"room_id": 12})
    attempts = app.received()
    assert [m["attempt"] for m in attempts] == ["1", "2", "3"]
    assert len({m["webhook_id"] for m in attempts}) == 1  # the same id on every retry
    assert all(m["verified"] and m["status"] == 500 for m in attempts)
    assert app.work() == {}

    letters = api.get(f"/api/v1/apps/{app_id}/dead-letters")
    assert letters.status_code == 200, letters.text
    [letter] = letters.json()["results"]
    replayed = api.post(f"/api/v1/apps/{app_id}/dead-letters/{letter['id']}/replay")
    assert replayed.status_code in (200, 202), replayed.text
    assert app.work() == {"notifications": 1}
    last = app.received()[-1]
    assert last["verified"] and last["status"] == 200 and not last["duplicate"]
    assert last["webhook_id"] == attempts[0]["webhook_id"]

    deliveries = api.get(f"/api/v1/apps/{app_id}/deliveries")
    assert deliveries.status_code == 200, deliveries.text
    outcomes = sorted(d["outcome"] for d in deliveries.json()["results"])
    assert outcomes == ["http_error", "http_error", "http_error", "success"]


def test_the_send_test_event_endpoint_reaches_the_app_verified(platform_and_app):
    api, app = platform_and_app["api"], platform_and_app["app"]
    app_id = platform_and_app["credentials"]["app_id"]
    answer = api.post(f"/api/v1/apps/{app_id}/test-event", json={})
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert result["ok"] and result["capability"] == "notifications"
    assert result["answer"] == {"received": True}  # what the app answered, shown to its owner
    [message] = app.received()
    assert message["verified"] and message["status"] == 200
    assert message["webhook_id"] == result["webhook_id"]
    assert message["body"]["event"] == "app.test"
    assert message["body"]["payload"]["test"] is True
    assert message["body"]["payload"]["app_id"] == app_id
    # The attempt is in the delivery log, as signed and sent.
    row = api.get(f"/api/v1/apps/{app_id}/deliveries/{result['delivery_id']}")
    assert row.status_code == 200, row.text
    assert row.json()["event"] == "app.test" and row.json()["outcome"] == "success"
    secret = platform_and_app["credentials"]["webhook_secret"]
    headers = row.json()["request_headers"]
    assert Webhook(secret).verify(row.json()["request_body"], headers) == message["body"]


def test_the_app_token_works_alone_and_for_a_user(platform_and_app):
    """The app fetched its token with its id and client secret (``POST /api/v1/apps/token``)
    and calls the platform with it: alone (a system call), for a user (their token plus
    ``X-App-Token``), and is refused a scope its manifest does not ask for."""
    app, owner = platform_and_app["app"], platform_and_app["owner"]
    app_id = platform_and_app["credentials"]["app_id"]
    alone = app.platform("GET", "/api/v1/apps/me")
    assert alone["status"] == 200, alone
    assert alone["body"]["app_id"] == app_id
    assert alone["body"]["scopes"] == sorted(json.loads(MANIFEST.read_text())["permissions"])
    assert alone["body"]["acting_for"] is None
    for_user = app.platform("GET", "/api/v1/apps/me", user_token=platform_and_app["token"])
    assert for_user["status"] == 200, for_user
    assert for_user["body"]["acting_for"] == {"id": owner.pk, "display_name": owner.display_name}
    # users:read is not among the example's permissions.
    refused = app.platform("GET", f"/api/v1/users/{owner.pk}")
    assert refused["status"] == 403, refused
    assert refused["body"]["error"]["code"] == "app_permission_denied"
    assert refused["body"]["error"]["details"]["required"] == ["users:read"]


def test_during_a_rotation_either_secret_verifies(platform_and_app, tmp_path):
    """After ``rotate-secret`` every call carries one signature per live secret: the running
    app (old secret) and a new instance (new secret only) both verify. Once the grace is over
    (``grace_hours: 0``) the old secret no longer signs and the old instance refuses."""
    api, old = platform_and_app["api"], platform_and_app["app"]
    app_id = platform_and_app["credentials"]["app_id"]
    rotated = api.post(f"/api/v1/apps/{app_id}/rotate-secret", json={"secret": "webhook"})
    assert rotated.status_code == 200, rotated.text
    new_secret = rotated.json()["value"]
    assert new_secret.startswith("whsec_")
    quiz = {"room_id": 11, "question_id": "q2", "answer": 0}
    assert _call(app_id, "quiz_validation", quiz).answer == {"correct": True, "score": 10}
    assert old.received()[-1]["signatures"] == 2 and old.received()[-1]["verified"]

    port = int(old.url.rsplit(":", 1)[1])
    stop_example_app(old)
    new = start_example_app(port, tmp_path / "new.log", UMBRELLA_WEBHOOK_SECRET=new_secret)
    try:
        assert _call(app_id, "quiz_validation", quiz).ok
        [message] = new.received()
        assert message["verified"] and message["signatures"] == 2
        # End the grace now: only the newest secret signs.
        ended = api.post(
            f"/api/v1/apps/{app_id}/rotate-secret", json={"secret": "webhook", "grace_hours": 0}
        )
        assert ended.status_code == 200, ended.text
        newest = ended.json()["value"]
    finally:
        stop_example_app(new)
    stale = start_example_app(port, tmp_path / "stale.log", UMBRELLA_WEBHOOK_SECRET=new_secret)
    try:
        refused = _call(app_id, "quiz_validation", quiz)
        assert not refused.ok and refused.status_code == 401
        [message] = stale.received()
        assert not message["verified"] and message["signatures"] == 1
    finally:
        stop_example_app(stale)
    fresh = start_example_app(port, tmp_path / "fresh.log", UMBRELLA_WEBHOOK_SECRET=newest)
    try:
        assert _call(app_id, "quiz_validation", quiz).ok
    finally:
        stop_example_app(fresh)


def test_the_platform_health_check_finds_the_example_app_and_its_absence(platform_and_app):
    """``GET {base_url}/health`` (every 5 minutes in production; run here at once): healthy
    while the app runs; three failures in a row once it is gone tell the owner, once."""

    app, owner = platform_and_app["app"], platform_and_app["owner"]
    row = _app_row(platform_and_app["credentials"]["app_id"])
    health = app_health_check(app_pk=row.pk)
    assert health is not None
    assert health.consecutive_failures == 0 and health.last_status_code == 200
    stop_example_app(app)
    for beat in range(1, 5):  # one check per 5-minute slot: the next four beats
        with time_machine.travel(timezone.now() + timedelta(minutes=5 * beat), tick=True):
            health = app_health_check(app_pk=row.pk)
    assert health is not None and health.consecutive_failures == 4
    told = Notification.objects.filter(user=owner, verb="app.health_failing")
    assert told.count() == 1


@pytest.mark.postgres
@pytest.mark.worker
def test_a_delivery_through_a_real_worker_reaches_the_example_app(
    platform_and_app, celery_worker_shared
):
    """The same delivery as above, sent by a real Celery worker process (Redis broker,
    PostgreSQL; the session's shared one) instead of eagerly: the app verifies it and does its
    work once."""

    app, app_id = platform_and_app["app"], platform_and_app["credentials"]["app_id"]
    with celery_worker_shared.sending():
        _deliver(app_id, "room.completed", {"room_id": 13})
        deadline = time.monotonic() + 60
        while not app.received():
            assert celery_worker_shared.process.poll() is None, celery_worker_shared.output()
            assert time.monotonic() < deadline, "the worker did not deliver in 60 s"
            time.sleep(0.1)
    [message] = app.received()
    assert message["verified"] and message["status"] == 200 and message["attempt"] == "1"
    assert message["body"] == {"event": "room.completed", "payload": {"room_id": 13}}
    assert app.work() == {"notifications": 1}
    assert [r.outcome for r in _deliveries(app_id)] == ["success"]


def test_failures_open_the_breaker_and_a_410_disables_the_webhook(platform_and_app):
    """Seen from the app: after 5 failed calls in a row the 6th is not sent (the breaker is
    open; the owner is told once); a 410 Gone turns that webhook off: the delivery is
    dead-lettered at once and nothing more is sent to it."""

    api, app, owner = platform_and_app["api"], platform_and_app["app"], platform_and_app["owner"]
    app_id = platform_and_app["credentials"]["app_id"]
    quiz = {"room_id": 11, "question_id": "q1", "answer": 1}
    app.fail("quiz_validation", times=5, status=503)
    outcomes = [_call(app_id, "quiz_validation", quiz).outcome for _ in range(6)]
    assert outcomes == ["http_error"] * 5 + ["breaker_open"]
    assert len(app.received()) == 5 and app.work() == {}
    assert Notification.objects.filter(user=owner, verb="app.breaker_opened").count() == 1

    app.fail("notifications", times=1, status=410)
    _deliver(app_id, "room.completed", {"room_id": 14})
    assert [m["status"] for m in app.received()[5:]] == [410]
    assert _app_row(app_id).disabled_webhooks == ["notifications"]
    [letter] = api.get(f"/api/v1/apps/{app_id}/dead-letters").json()["results"]
    assert letter["attempts"] == 1
    _deliver(app_id, "room.completed", {"room_id": 15})
    assert len(app.received()) == 6  # nothing more was sent
    assert Notification.objects.filter(user=owner, verb="app.webhook_disabled").count() == 1
    refused = api.post(f"/api/v1/apps/{app_id}/dead-letters/{letter['id']}/replay")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "webhook_disabled"


# --- docs/apps.md stays true -----------------------------------------------------------------

DOC = ROOT / "docs" / "apps.md"


def _python_snippet() -> str:
    text = DOC.read_text()
    start = text.index("```python\nimport os") + len("```python\n")
    return text[start : text.index("```", start)]


@pytest.mark.django_db(transaction=False)
def test_the_docs_verification_snippet_accepts_what_the_platform_signs():
    """The Python snippet of "Verifying signatures", run as written, accepts a body signed by
    the platform's own signing code with two live secrets (a rotation) and refuses a changed
    body or a signature made with another secret."""

    secret, older = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_" + "QUJDRA" * 4
    body = b'{"event":"room.completed","payload":{"room_id":7}}'
    headers = webhook_headers(
        signing_secrets=[older, secret],
        webhook_id="msg_doc",
        timestamp=int(time.time()),
        body=body,
        timeout_ms=30000,
        attempt=1,
    )
    os.environ["UMBRELLA_WEBHOOK_SECRET"] = secret
    try:
        namespace: dict[str, Any] = {}
        exec(compile(_python_snippet(), str(DOC), "exec"), namespace)  # noqa: S102 (our doc)
    finally:
        del os.environ["UMBRELLA_WEBHOOK_SECRET"]
    verified = namespace["verified"]
    assert verified(body, headers) == {"event": "room.completed", "payload": {"room_id": 7}}
    assert verified(body.replace(b"7", b"8"), headers) is None
    only_older = headers | {"webhook-signature": headers["webhook-signature"].split()[0]}
    assert verified(body, only_older) is None


@pytest.mark.django_db(transaction=False)
def test_the_docs_name_every_scope_header_and_capability():
    """What apps build against, named on the page: the 11 scopes, every header of a webhook
    call, every capability and each one's default timeout."""

    text = DOC.read_text()
    missing = [f"`{scope}`" for scope in Scope.values if f"| `{scope}` |" not in text]
    headers = webhook_headers(
        signing_secrets=["whsec_" + "QUJDRA" * 4],
        webhook_id="msg_x",
        timestamp=0,
        body=b"{}",
        timeout_ms=1000,
        attempt=1,
    )
    missing += [f"header {name}" for name in headers if f"| `{name}` |" not in text]
    missing += [f"`{c}`" for c in Capability.values if f"`{c}`" not in text]
    missing += [
        f"{capability} {ms}"
        for capability, ms in DEFAULT_TIMEOUT_MS.items()
        if f"`{capability}` {ms}" not in text
    ]
    assert not missing, missing
