"""Deliveries in batches (eager Celery, a real local HTTP server standing in for the app): one
settled check and one INSERT for many messages, concurrent sends, only the failed ones retried;
the manifest's retry block; the Redis due list (push, claim, stale claims, drain)."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from werkzeug import Request, Response

from events import delivery_queue
from events.models import DeadLetter, WebhookDelivery
from events.services import deliveries
from events.services.deliveries import Step
from events.webhooks import breaker
from tests.events.deliveries_helpers import NOTIFY, app_at, make_app, script

pytestmark = pytest.mark.django_db


@pytest.fixture
def hook_app(httpserver, settings):
    yield from app_at(httpserver, settings)


def _message(app, webhook_id, n=0, **extra):
    return {
        "app_pk": app.pk,
        "capability": "notifications",
        "event": "room.completed",
        "payload": {"n": n},
        "webhook_id": webhook_id,
        "attempt": 1,
        "last_attempt": 3,
        **extra,
    }


class FailSome:
    """Answers 500 to the messages whose payload says ``fail``, 200 to the others; keeps the
    webhook-ids it saw and how many requests were in flight at once at most."""

    def __init__(self, delay: float = 0.0) -> None:
        self.ids: list[str] = []
        self.delay = delay
        self.lock = threading.Lock()
        self.in_flight = 0
        self.most_in_flight = 0

    def answer(self, webhook_id: str, body: bytes) -> int:
        with self.lock:
            self.ids.append(webhook_id)
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        time.sleep(self.delay)
        with self.lock:
            self.in_flight -= 1
        return 500 if json.loads(body)["payload"].get("fail") else 200

    def __call__(self, request: Request) -> Response:
        status = self.answer(request.headers["webhook-id"], request.get_data())
        return Response("{}", status=status, content_type="application/json")


@pytest.fixture
def threaded_app(settings):
    """An app served by a threaded local server (pytest-httpserver answers one at a time)."""
    settings.EVENTS_WEBHOOK_ALLOW_PRIVATE = True
    behaviour = FailSome(delay=0.2)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            status = behaviour.answer(self.headers["webhook-id"], body)
            self.send_response(status)
            self.send_header("content-length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: object) -> None:
            pass

    class Server(ThreadingHTTPServer):
        request_queue_size = 64
        daemon_threads = True

    server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    app, _ = make_app(f"http://127.0.0.1:{server.server_address[1]}")
    yield app, behaviour
    server.shutdown()
    breaker.reset(app.app_id, "notifications")


def test_a_batch_shares_one_settled_check_and_one_insert(
    hook_app, httpserver, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    app_server = script(httpserver, 200)
    WebhookDelivery.objects.create(
        app=hook_app,
        capability="notifications",
        event="room.completed",
        webhook_id="msg_done",
        attempt=1,
        outcome="success",
    )
    messages = [_message(hook_app, f"msg_{n}", n) for n in range(6)]
    messages += [_message(hook_app, "msg_done"), _message(hook_app, "msg_2", 2)]
    # The apps, the settled check, the secrets, the INSERT and the savepoint pair around it
    # (these tests run inside a transaction), and the delete of a dead letter of msg_done (a
    # replay that raced its success): the same for 6 messages as for 1.
    with django_assert_max_num_queries(7), django_capture_on_commit_callbacks() as callbacks:
        steps = deliveries.webhook_deliver_many(messages)
    assert steps == [Step.DELIVERED] * 6 + [Step.ALREADY_DELIVERED, Step.DUPLICATE]
    assert callbacks == []  # nothing to retry
    assert sorted(app_server.ids()) == sorted(f"msg_{n}" for n in range(6))  # each sent once
    rows = WebhookDelivery.objects.exclude(webhook_id="msg_done")
    assert sorted(rows.values_list("webhook_id", "attempt", "outcome")) == [
        (f"msg_{n}", 1, "success") for n in range(6)
    ]
    # Each request carries its own message, signed for its own id.
    for request in app_server.requests:
        n = int(request["headers"]["webhook-id"].removeprefix("msg_"))
        assert request["json"] == {"event": "room.completed", "payload": {"n": n}}


def test_the_sends_of_a_batch_overlap_and_only_the_failed_are_retried(
    threaded_app, django_capture_on_commit_callbacks
):
    hook_app, app_server = threaded_app
    messages = [_message(hook_app, f"msg_{n}", n) for n in range(6)]
    messages[1]["payload"] = {"fail": True}
    messages[4]["payload"] = {"fail": True}
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=False) as retries:
        steps = deliveries.webhook_deliver_many(messages)
    took = time.monotonic() - started
    assert steps == [Step.DELIVERED, Step.RETRY] + [Step.DELIVERED] * 2 + [
        Step.RETRY,
        Step.DELIVERED,
    ]
    assert app_server.most_in_flight > 1 and took < 6 * 0.2  # concurrently, not one by one
    assert len(retries) == 2  # one retry message each, with its own backoff
    rows = WebhookDelivery.objects.order_by("webhook_id")
    assert [(r.webhook_id, r.outcome) for r in rows] == [
        (f"msg_{n}", "http_error" if n in (1, 4) else "success") for n in range(6)
    ]
    # Counted in the order the calls ended: two failures among successes open nothing.
    assert breaker.state(hook_app.app_id, "notifications") == "closed"

    # The retries, run: the second attempt of each failing one only.
    retries[0]()
    retries[1]()
    assert sorted(app_server.ids[6:8]) == ["msg_1", "msg_4"]
    assert WebhookDelivery.objects.filter(attempt=2).count() == 2


def test_a_batch_to_a_breaker_with_failures_on_record_goes_one_at_a_time_until_reset(
    hook_app, httpserver
):
    app_server = FailSome()
    httpserver.expect_request(NOTIFY, method="POST").respond_with_handler(app_server)
    for _ in range(2):
        breaker.record_failure(hook_app.app_id, "notifications")
    steps = deliveries.webhook_deliver_many([_message(hook_app, f"msg_{n}", n) for n in range(4)])
    assert steps == [Step.DELIVERED] * 4
    assert app_server.ids[0] == "msg_0"  # alone: its success reset the breaker
    assert breaker.snapshot(hook_app.app_id, "notifications").failures == 0


def test_an_open_breaker_holds_back_the_whole_batch(
    hook_app, httpserver, django_capture_on_commit_callbacks
):
    app_server = script(httpserver, 200)
    for _ in range(5):
        breaker.record_failure(hook_app.app_id, "notifications")
    # Eager Celery cannot wait: each is dead at once, with no attempt made (replayable).
    steps = deliveries.webhook_deliver_many([_message(hook_app, f"msg_{n}", n) for n in range(3)])
    assert steps == [Step.DEAD] * 3 and app_server.requests == []
    assert not WebhookDelivery.objects.exists()
    assert set(DeadLetter.objects.values_list("attempts", flat=True)) == {0}


# --- the manifest's retry block ---------------------------------------------------------------


def _with_retry(app, retry):
    app.manifest = {
        **app.manifest,
        "webhooks": {
            **app.manifest["webhooks"],
            "notifications": {"path": NOTIFY, "async": True, "retry": retry},
        },
    }
    app.save(update_fields=["manifest"])
    return app


@pytest.mark.parametrize(
    ("retry", "attempts"),
    [
        (None, 3),
        ({}, 3),
        ({"enabled": True}, 3),
        ({"enabled": True, "max_attempts": 2, "backoff": "exponential"}, 2),
        ({"max_attempts": 1}, 1),
        ({"enabled": False}, 1),
        ({"enabled": False, "max_attempts": 3}, 1),
        ({"max_attempts": 9}, 3),  # over the schema's limit: never more than 3
    ],
)
def test_round_attempts_follow_the_retry_block(hook_app, retry, attempts):
    if retry is not None:
        _with_retry(hook_app, retry)
    assert deliveries.round_attempts(hook_app, "notifications") == attempts


def test_retry_disabled_makes_one_attempt_then_a_dead_letter(
    hook_app, httpserver, django_capture_on_commit_callbacks
):
    app_server = script(httpserver, 503)
    _with_retry(hook_app, {"enabled": False})
    with django_capture_on_commit_callbacks(execute=True):
        webhook_id = deliveries.webhook_enqueue(
            app=hook_app, capability="notifications", event="room.completed", payload={"a": 1}
        )
    assert app_server.attempts() == ["1"]
    letter = DeadLetter.objects.get(webhook_id=webhook_id)
    assert (letter.attempts, letter.last_error) == (1, "HTTP 503")


def test_max_attempts_bounds_each_round_and_each_replay(
    hook_app, httpserver, django_capture_on_commit_callbacks
):
    app_server = script(httpserver, 500)
    _with_retry(hook_app, {"enabled": True, "max_attempts": 2, "backoff": "exponential"})
    with django_capture_on_commit_callbacks(execute=True):
        webhook_id = deliveries.webhook_enqueue(
            app=hook_app, capability="notifications", event="room.completed", payload={"a": 1}
        )
    assert app_server.attempts() == ["1", "2"]
    letter = DeadLetter.objects.get(webhook_id=webhook_id)
    assert letter.attempts == 2

    breaker.reset(hook_app.app_id, "notifications")
    with django_capture_on_commit_callbacks(execute=True):
        deliveries.dead_letter_replay(dead_letter_id=letter.pk, by=hook_app.owner)
    assert app_server.attempts() == ["1", "2", "3", "4"]  # a round of 2 again
    letter.refresh_from_db()
    assert (letter.attempts, letter.requeued_at) == (4, None)


def test_each_round_knows_its_first_attempt(hook_app):
    message = _message(hook_app, "msg_r", attempt=5, last_attempt=6, first_attempt=4)
    assert deliveries._next(message, attempt=6)["first_attempt"] == 4
    # A message from before rounds had their own size: rounds of 3 (4, 5, 6).
    old = _message(hook_app, "msg_o", attempt=5, last_attempt=6)
    assert deliveries._first_attempt(old) == 4
    assert deliveries._first_attempt(_message(hook_app, "msg_f")) == 1


# --- the due list (Redis) ---------------------------------------------------------------------


@pytest.fixture
def due_list(settings):
    if not settings.REDIS_URL:
        pytest.skip("needs Redis: set REDIS_URL")
    delivery_queue.clear()
    yield
    delivery_queue.clear()


def test_claims_are_acknowledged_and_stale_ones_come_back(due_list, monkeypatch):
    monkeypatch.setattr(delivery_queue, "_send_drain", lambda: None)  # no drain: by hand
    delivery_queue.push([{"webhook_id": f"msg_{n}"} for n in range(5)])
    assert delivery_queue.pending() == (5, 0)
    first = delivery_queue.claim(3)
    assert [json.loads(i)["webhook_id"] for i in first] == ["msg_0", "msg_1", "msg_2"]
    assert delivery_queue.pending() == (2, 3)
    delivery_queue.done(first[:2])
    assert delivery_queue.pending() == (2, 1)  # msg_2 still claimed: its worker died, say
    delivery_queue.done(delivery_queue.claim(2))
    assert delivery_queue.claim(5) == []  # msg_2 is not stale yet
    later = time.time() + delivery_queue.stale_after() + 1
    with time_machine.travel(later, tick=False):
        again = delivery_queue.claim(5)
    assert [json.loads(i)["webhook_id"] for i in again] == ["msg_2"]


def test_the_first_push_starts_one_drain_and_release_says_when_more_came(due_list, monkeypatch):
    drains: list[int] = []
    monkeypatch.setattr(delivery_queue, "_send_drain", lambda: drains.append(1))
    delivery_queue.push([{"webhook_id": "msg_a"}])
    delivery_queue.push([{"webhook_id": "msg_b"}])
    assert drains == [1]  # the second found a drain coming
    delivery_queue.claim(10)
    delivery_queue.push([{"webhook_id": "msg_c"}])  # while draining: nothing sent
    assert delivery_queue.release() is True  # msg_c waits: the drain goes on
    delivery_queue.claim(10)
    assert delivery_queue.release() is False
    delivery_queue.push([{"webhook_id": "msg_d"}])
    assert drains == [1, 1]  # no drain running: a new one


def test_a_drain_delivers_the_list_in_batches(due_list, hook_app, httpserver, monkeypatch):
    # One lane, in this thread: other threads would not see this test's transaction.
    monkeypatch.setattr(delivery_queue, "LANES", 1)
    app_server = script(httpserver, 200)
    # Eager Celery: the first push runs the drain task at once, in this process.
    delivery_queue.push([_message(hook_app, f"msg_{n}", n) for n in range(7)])
    assert sorted(app_server.ids()) == sorted(f"msg_{n}" for n in range(7))
    assert delivery_queue.pending() == (0, 0)
    assert WebhookDelivery.objects.filter(outcome="success").count() == 7

    # In batches of 3: three rounds, each message once; already delivered ones are skipped.
    monkeypatch.setattr(delivery_queue, "BATCH", 3)
    delivery_queue.push([_message(hook_app, f"msg_{n}", n) for n in range(5, 12)])
    assert len(app_server.requests) == 7 + 5
    assert delivery_queue.pending() == (0, 0)
