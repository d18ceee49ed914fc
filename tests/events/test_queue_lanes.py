"""The Redis due list of deliveries (events/delivery_queue.py), beyond the happy path of
test_deliveries_batches.py: what a drain counts and when it hands over, the message that comes
as the lanes finish, four lanes at once on PostgreSQL, the visibility timeout, one list per
Celery queue, the wire format, a Redis that has lost its scripts, and no Redis at all.

Written from the survivors of a mutation run (docs/testing.md, "Events: deliveries and the due
list"). Deliveries are real: a local HTTP server stands in for the app."""

import json
import logging
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import redis
import time_machine
from django.db import connection
from django.test import override_settings

from events import delivery_queue
from events.models import WebhookDelivery
from events.webhooks import breaker
from tests.events.deliveries_helpers import app_at, make_app, script
from umbrella.celery import app as celery_app

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.fixture
def due_list(settings):
    if not settings.REDIS_URL:
        pytest.skip("needs Redis: set REDIS_URL")
    delivery_queue.clear()
    yield
    delivery_queue.clear()


@pytest.fixture
def drains(monkeypatch) -> list[int]:
    """The drain tasks sent, recorded instead of run (the tests drain by hand)."""
    sent: list[int] = []
    monkeypatch.setattr(delivery_queue, "_send_drain", lambda: sent.append(1))
    return sent


@pytest.fixture
def hook_app(httpserver, settings):
    yield from app_at(httpserver, settings)


def _message(app, n: int) -> dict:
    return {
        "app_pk": app.pk,
        "capability": "notifications",
        "event": "room.completed",
        "payload": {"n": n},
        "webhook_id": f"msg_{n}",
        "attempt": 1,
        "last_attempt": 3,
    }


# --- draining ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_one_drain_takes_the_whole_list_in_batches_and_says_how_many(
    due_list, drains, hook_app, httpserver, monkeypatch
):
    monkeypatch.setattr(delivery_queue, "LANES", 1)  # in this thread, inside the test's transaction
    app_server = script(httpserver, 200)
    delivery_queue.push([_message(hook_app, n) for n in range(7)])
    assert drains == [1]

    assert delivery_queue.drain(batch=3) == 7  # three batches (3, 3, 1), counted once each
    assert drains == [1]  # in time: no hand-over to another drain
    assert sorted(app_server.ids()) == [f"msg_{n}" for n in range(7)]
    assert delivery_queue.pending() == (0, 0)  # every claim acknowledged
    # The drain cleared the flag on its way out: the next message starts a new one.
    delivery_queue.push([_message(hook_app, 7)])
    assert drains == [1, 1]


@pytest.mark.django_db
def test_a_drain_out_of_time_hands_over_after_its_batch(
    due_list, drains, hook_app, httpserver, monkeypatch
):
    monkeypatch.setattr(delivery_queue, "LANES", 1)
    app_server = script(httpserver, 200)
    delivery_queue.push([_message(hook_app, n) for n in range(7)])

    assert delivery_queue.drain(seconds=0, batch=3) == 3  # one batch, then a fresh task
    assert drains == [1, 1]
    assert len(app_server.requests) == 3
    assert delivery_queue.pending() == (4, 0)
    delivery_queue.push([_message(hook_app, 7)])  # the flag stays set: the new drain is coming
    assert drains == [1, 1]


@pytest.mark.django_db
def test_a_message_pushed_as_the_lanes_finish_is_drained_by_the_same_drain(
    due_list, drains, hook_app, httpserver, monkeypatch
):
    monkeypatch.setattr(delivery_queue, "LANES", 1)
    app_server = script(httpserver, 200)
    delivery_queue.push([_message(hook_app, n) for n in range(5)])
    release = delivery_queue.release

    def late_push_then_release() -> bool:
        # Another process pushes after the lanes found the list empty, before the flag goes:
        # it sees the flag set and sends no drain, so this drain must take it.
        if len(app_server.requests) == 5:
            delivery_queue.push([_message(hook_app, 5)])
        return release()

    monkeypatch.setattr(delivery_queue, "release", late_push_then_release)
    assert delivery_queue.drain(batch=2) == 6
    assert drains == [1]
    assert sorted(app_server.ids()) == [f"msg_{n}" for n in range(6)]
    assert delivery_queue.pending() == (0, 0)


class Slow:
    """A threaded local app: answers 200 after ``delay``; keeps each webhook-id and how many
    requests it held at once at most."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.ids: list[str] = []
        self.lock = threading.Lock()
        self.in_flight = 0
        self.most_in_flight = 0


@pytest.fixture
def slow_app(settings) -> Iterator[tuple]:
    settings.EVENTS_WEBHOOK_ALLOW_PRIVATE = True
    behaviour = Slow(delay=0.3)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["content-length"]))
            with behaviour.lock:
                behaviour.ids.append(self.headers["webhook-id"])
                behaviour.in_flight += 1
                behaviour.most_in_flight = max(behaviour.most_in_flight, behaviour.in_flight)
            time.sleep(behaviour.delay)
            with behaviour.lock:
                behaviour.in_flight -= 1
            self.send_response(200)
            self.send_header("content-length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: object) -> None:
            pass

    class Server(ThreadingHTTPServer):
        daemon_threads = True

    server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    app, _ = make_app(f"http://127.0.0.1:{server.server_address[1]}")
    yield app, behaviour
    server.shutdown()
    breaker.reset(app.app_id, "notifications")


def _connections_to_this_database(*, at_most: int | None = None) -> int:
    """The connections PostgreSQL lists for the test database; with ``at_most``, read again for
    up to 5 s until there are no more than that: a closed connection's server process leaves
    the list a moment after the client closed it (CI saw one still listed once)."""
    deadline = time.monotonic() + 5
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            )
            count = int(cursor.fetchone()[0])
        if at_most is None or count <= at_most or time.monotonic() > deadline:
            return count
        time.sleep(0.05)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_four_lanes_deliver_at_once_each_message_once_and_close_their_connections(
    due_list, drains, slow_app, caplog
):
    app, behaviour = slow_app
    assert delivery_queue.LANES == 4
    delivery_queue.push([_message(app, n) for n in range(8)])
    before = _connections_to_this_database()

    with caplog.at_level(logging.ERROR, logger="events.delivery_queue"):
        assert delivery_queue.drain(batch=1) == 8

    assert sorted(behaviour.ids) == [f"msg_{n}" for n in range(8)]  # each once
    assert behaviour.most_in_flight > 1  # the lanes overlap
    assert delivery_queue.pending() == (0, 0)
    assert WebhookDelivery.objects.filter(outcome="success").count() == 8
    # Each lane's thread closed the connection it opened for its batches.
    assert _connections_to_this_database(at_most=before) <= before  # (others may close meanwhile)
    assert caplog.records == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_message_that_is_not_json_is_logged_by_its_lane_and_the_rest_delivered(
    due_list, drains, slow_app, caplog
):
    app, behaviour = slow_app
    delivery_queue.push([_message(app, 0)])
    due, _claimed, _flag = delivery_queue._keys()
    delivery_queue._client().rpush(due, b"not json" * 50)  # a broken sender's
    delivery_queue.push([_message(app, 1)])

    with caplog.at_level(logging.ERROR, logger="events.delivery_queue"):
        assert delivery_queue.drain(batch=1) == 3

    assert sorted(behaviour.ids) == ["msg_0", "msg_1"]
    assert delivery_queue.pending() == (0, 0)  # the bad one is acknowledged too: not retried
    [record] = caplog.records
    assert record.getMessage() == f"not a delivery message: {('not json' * 25)!r}"  # 200 chars
    assert record.threadName.startswith("webhook-drain")  # a lane's thread, named


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_drain_in_one_lane_runs_in_the_callers_thread_and_keeps_its_connection(
    due_list, drains, hook_app, httpserver, monkeypatch
):
    monkeypatch.setattr(delivery_queue, "LANES", 1)
    script(httpserver, 200)
    delivery_queue.push([_message(hook_app, n) for n in range(3)])
    assert WebhookDelivery.objects.count() == 0  # this thread's connection is open
    assert delivery_queue.drain() == 3
    assert connection.connection is not None  # not closed under the worker's feet
    assert WebhookDelivery.objects.count() == 3


# --- claims and the visibility timeout ---------------------------------------------------------


def test_the_brokers_visibility_timeout_decides_when_a_claim_is_stale(due_list, drains, settings):
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 7}
    assert delivery_queue.stale_after() == 7.0
    delivery_queue.push([{"webhook_id": "msg_a"}])
    start = time.time()
    with time_machine.travel(start, tick=False) as clock:
        [claimed] = delivery_queue.claim(5)
        clock.shift(6.5)
        assert delivery_queue.claim(5) == []  # its worker may still be at it
        clock.shift(1)
        assert delivery_queue.claim(5) == [claimed]  # 7.5 s: its worker is taken for dead
    assert delivery_queue.pending() == (0, 1)


@pytest.mark.parametrize("options", [None, {}, {"other": 1}], ids=["unset", "empty", "other"])
def test_without_a_visibility_timeout_a_claim_is_stale_after_an_hour(settings, options):
    if options is None:
        del settings.CELERY_BROKER_TRANSPORT_OPTIONS
    else:
        settings.CELERY_BROKER_TRANSPORT_OPTIONS = options
    assert delivery_queue.stale_after() == 3600.0


def test_acknowledging_nothing_changes_nothing(due_list, drains):
    delivery_queue.push([{"webhook_id": "msg_a"}])
    claimed = delivery_queue.claim(1)
    delivery_queue.done([])
    assert delivery_queue.pending() == (0, 1)
    delivery_queue.done(claimed)
    assert delivery_queue.pending() == (0, 0)


def test_clearing_forgets_the_due_and_claimed_messages_and_the_drain_flag(due_list, drains):
    delivery_queue.push([{"webhook_id": f"msg_{n}"} for n in range(3)])
    delivery_queue.claim(1)
    assert (delivery_queue.pending(), drains) == ((2, 1), [1])
    delivery_queue.clear()
    assert delivery_queue.pending() == (0, 0)
    delivery_queue.push([{"webhook_id": "msg_new"}])
    assert drains == [1, 1]  # no drain was running any more: a new one is sent


def test_the_list_holds_compact_json_with_sorted_keys(due_list, drains):
    delivery_queue.push([{"webhook_id": "msg_a", "attempt": 1, "payload": {"b": [1, 2], "a": ""}}])
    assert delivery_queue.claim(1) == [
        '{"attempt":1,"payload":{"a":"","b":[1,2]},"webhook_id":"msg_a"}'
    ]


# --- one list per Celery queue -----------------------------------------------------------------


def test_each_celery_queue_has_its_own_list_claims_and_drain(due_list, drains):
    """Two deployments (or two test workers) sharing one Redis keep apart: the keys carry the
    Celery queue's name."""
    ours = celery_app.conf.task_default_queue

    def on(queue: str) -> None:
        celery_app.conf.task_default_queue = queue

    on("deliveries-other")
    try:
        delivery_queue.clear()
        delivery_queue.push([{"webhook_id": "msg_other"}])
        on(ours)
        delivery_queue.push([{"webhook_id": "msg_ours"}])
        assert drains == [1, 1]  # each list's first push starts its own drain
        assert delivery_queue.pending() == (1, 0)
        [mine] = delivery_queue.claim(5)
        assert json.loads(mine) == {"webhook_id": "msg_ours"}

        later = time.time() + delivery_queue.stale_after() + 1
        with time_machine.travel(later, tick=False):
            on("deliveries-other")
            # The other list's claim takes back its own stale claims only, not ours.
            [theirs] = delivery_queue.claim(5)
            assert json.loads(theirs) == {"webhook_id": "msg_other"}
            assert delivery_queue.pending() == (0, 1)
            on(ours)
            assert delivery_queue.claim(5) == [mine]  # ours came back to our list
    finally:
        on("deliveries-other")
        try:
            delivery_queue.clear()
        finally:
            on(ours)


# --- without Redis -----------------------------------------------------------------------------


def test_available_only_with_redis_and_a_real_worker(due_list):
    assert celery_app.conf.task_always_eager  # the tests' Celery
    assert delivery_queue.available() is False
    celery_app.conf.task_always_eager = False
    try:
        assert delivery_queue.available() is True
    finally:
        celery_app.conf.task_always_eager = True


@pytest.mark.timeout(20)
def test_without_redis_there_is_no_list_and_a_drain_ends_at_once(settings):
    settings.CACHES = LOCMEM
    celery_app.conf.task_always_eager = False
    try:
        assert delivery_queue.available() is False  # a real worker, but no Redis
    finally:
        celery_app.conf.task_always_eager = True
    with pytest.raises(RuntimeError) as refused:
        delivery_queue.push([{"webhook_id": "msg_a"}])
    assert str(refused.value) == "the delivery list needs Redis"
    assert delivery_queue.claim(5) == []
    delivery_queue.done(["anything"])
    assert delivery_queue.release() is False
    assert delivery_queue.pending() == (0, 0)
    # What beat's drain does on a site without Redis: nothing, and it ends.
    assert delivery_queue.drain() == 0


# --- a Redis that lost its scripts (restarted, flushed) ----------------------------------------


@pytest.fixture
def fresh_cache(fresh_redis: redis.Redis) -> Iterator[redis.Redis]:
    """A private Redis server (tests/events/conftest.py) as the cache: counters ours alone."""
    port = fresh_redis.connection_pool.connection_kwargs["port"]
    cache = {
        "BACKEND": "umbrella.cache.RedisCache",
        "LOCATION": f"redis://127.0.0.1:{port}/0",
        "KEY_PREFIX": "fresh",
    }
    with override_settings(CACHES={"default": cache}):  # gone before the server is
        yield fresh_redis


def _script_calls(client: redis.Redis) -> tuple[int, int]:
    stats = client.info("commandstats")
    return (
        stats.get("cmdstat_eval", {}).get("calls", 0),
        stats.get("cmdstat_evalsha", {}).get("calls", 0),
    )


def test_a_redis_without_the_scripts_gets_each_once_then_one_evalsha_per_call(fresh_cache, drains):
    delivery_queue.push([{"webhook_id": "msg_a"}])  # NOSCRIPT: sent whole, and run
    assert drains == [1]
    assert _script_calls(fresh_cache) == (1, 1)
    delivery_queue.push([{"webhook_id": "msg_b"}, {"webhook_id": "msg_c"}])
    assert _script_calls(fresh_cache) == (1, 2)  # known now: EVALSHA alone

    claimed = delivery_queue.claim(2)
    assert [json.loads(c)["webhook_id"] for c in claimed] == ["msg_a", "msg_b"]
    assert delivery_queue.claim(2) == ['{"webhook_id":"msg_c"}']
    assert delivery_queue.release() is False
    # push, claim and release: each script sent once, every call one EVALSHA.
    assert _script_calls(fresh_cache) == (3, 5)
    assert delivery_queue.pending() == (0, 3)
