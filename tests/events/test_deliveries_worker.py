"""Async deliveries through a real Celery worker (tests/celery_worker.py, Redis broker,
PostgreSQL; the session's shared one, tests/events/conftest.py, except where one is killed),
against a real local HTTP server standing in for the app: an endpoint failing 3
times gives exactly one dead letter and a replay delivers it; a worker killed (SIGKILL) in the
middle of a delivery loses nothing: a new worker sends it again, with the same webhook-id."""

import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from typing import Protocol

import pytest
from werkzeug import Request, Response

from events.models import DeadLetter, WebhookDelivery
from events.services import deliveries
from tests import celery_worker
from tests.events.deliveries_helpers import NOTIFY, Scripted, app_at

pytestmark = [pytest.mark.postgres, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def hook_app(httpserver, settings, on_postgres):
    if not settings.REDIS_URL:
        pytest.skip("needs Redis: set REDIS_URL")
    yield from app_at(httpserver, settings)


class Worker(Protocol):
    process: subprocess.Popen

    def output(self) -> str: ...


def _wait(condition: Callable[[], bool], worker: Worker, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if worker.process.poll() is not None:
            pytest.fail(f"worker exited early:\n{worker.output()}")
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not happen in {seconds} s:\n{worker.output()}")
        time.sleep(0.05)


class Own:
    """A worker of the test's own (on its own queue: the shared one must not take its
    tasks), its output read once it is stopped."""

    def __init__(self, queue: str, **env: str) -> None:
        self.process = celery_worker.start(
            {"EVENTS_WEBHOOK_ALLOW_PRIVATE": "true", **env}, queue=queue
        )

    def output(self) -> str:
        if self.process.poll() is None:
            self.process.kill()
        return self.process.communicate()[0]


def _enqueue(app) -> str:
    return deliveries.webhook_enqueue(
        app=app, capability="notifications", event="room.completed", payload={"room_id": 7}
    )


def test_three_failures_give_one_dead_letter_and_a_replay_delivers_it(
    hook_app, httpserver, celery_worker_shared
):
    worker = celery_worker_shared
    failing = Scripted(500)
    httpserver.expect_request(NOTIFY, method="POST").respond_with_handler(failing)
    with worker.sending():
        started = time.monotonic()
        webhook_id = _enqueue(hook_app)
        _wait(lambda: DeadLetter.objects.exists(), worker, 60, "the dead letter")
        took = time.monotonic() - started
        letter = DeadLetter.objects.get()
        assert (letter.webhook_id, letter.attempts) == (webhook_id, 3)
        assert failing.attempts() == ["1", "2", "3"]
        assert failing.ids() == [webhook_id] * 3
        assert took >= 0.7 + 1.4  # two backoff waits, at least 70 % of 1 s and 2 s

        httpserver.clear()
        fixed = Scripted(200)
        httpserver.expect_request(NOTIFY, method="POST").respond_with_handler(fixed)
        deliveries.dead_letter_replay(dead_letter_id=letter.pk, by=hook_app.owner)
        _wait(lambda: not DeadLetter.objects.exists(), worker, 60, "the replay")
    assert fixed.ids() == [webhook_id] and fixed.attempts() == ["4"]
    rows = WebhookDelivery.objects.filter(webhook_id=webhook_id).order_by("attempt")
    assert [(r.attempt, r.outcome) for r in rows] == [
        (1, "http_error"),
        (2, "http_error"),
        (3, "http_error"),
        (4, "success"),
    ]
    # Exactly one dead letter was ever made: the owner was told once.
    assert hook_app.owner.notifications.filter(verb="app.dead_letter").count() == 1


class SlowFirst:
    """Holds the first request until released (the worker is killed meanwhile), answers the
    others at once; keeps every request's webhook-id."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.release = threading.Event()

    def __call__(self, request: Request) -> Response:
        self.ids.append(request.headers["webhook-id"])
        if len(self.ids) == 1:
            self.release.wait(20)
        return Response("{}", status=200, content_type="application/json")


def test_a_worker_killed_mid_delivery_loses_nothing(hook_app, httpserver):
    app_server = SlowFirst()
    httpserver.expect_request(NOTIFY, method="POST").respond_with_handler(app_server)
    queue = f"{celery_worker.QUEUE}-killed"
    celery_worker.purge(queue)
    first, second = Own(queue), None
    try:
        with celery_worker.sending_to_workers(queue):
            webhook_id = _enqueue(hook_app)
            _wait(lambda: len(app_server.ids) == 1, first, 60, "the first delivery")
            os.kill(first.process.pid, signal.SIGKILL)  # mid-call: nothing recorded, nothing acked
            first.process.wait(timeout=10)
            app_server.release.set()
            assert not WebhookDelivery.objects.exists()
            # The new worker takes back what the dead one held once it is older than the
            # broker's visibility timeout (an hour in production; 2 s here), at its next sweep
            # (every second for test workers: tests/celery_worker_app.py).
            second = Own(queue, CELERY_VISIBILITY_TIMEOUT="2")
            _wait(
                lambda: WebhookDelivery.objects.filter(outcome="success").exists(),
                second,
                90,
                "the delivery by the second worker",
            )
    finally:
        for worker in (first, second):
            celery_worker.stop(worker and worker.process)
    assert len(app_server.ids) >= 2 and set(app_server.ids) == {webhook_id}  # one message
    assert WebhookDelivery.objects.get(outcome="success").webhook_id == webhook_id
    assert not DeadLetter.objects.exists()


def test_many_messages_are_drained_in_batches_each_sent_once(
    hook_app, httpserver, celery_worker_shared
):
    from django.db import transaction

    from events import delivery_queue

    app_server = Scripted(200)
    httpserver.expect_request(NOTIFY, method="POST").respond_with_handler(app_server)
    with celery_worker_shared.sending():
        delivery_queue.clear()
        with transaction.atomic():  # pushed after the commit, one drain started
            ids = {_enqueue(hook_app) for _ in range(40)}
        # Every claim is acknowledged too (just after its batch's rows are written).
        _wait(
            lambda: (
                WebhookDelivery.objects.filter(outcome="success").count() >= 40
                and delivery_queue.pending() == (0, 0)
            ),
            celery_worker_shared,
            90,
            "the 40 deliveries",
        )
    assert sorted(app_server.ids()) == sorted(ids)  # each message sent once
    rows = WebhookDelivery.objects.all()
    assert sorted(r.webhook_id for r in rows) == sorted(ids)
    assert {(r.attempt, r.outcome) for r in rows} == {(1, "success")}
