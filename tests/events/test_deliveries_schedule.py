"""When each attempt of a message goes, read from the broker itself: Celery not eager (as on a
real worker), its tasks published to the test Redis broker on a queue of this test's own and
read back from there, not run. The retry backoff of each round (a replay's too), the deferral
while the breaker is open (its probe time, the 10-minute bound), first attempts and replays
onto the due list, and the arguments every next attempt carries.

Written from the survivors of a mutation run (docs/testing.md, "Events: deliveries and the due
list"). The app is a real local HTTP server."""

import base64
import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
import redis
import time_machine
from django.conf import settings as django_settings

from events import delivery_queue
from events.models import DeadLetter, WebhookDelivery
from events.services import deliveries
from events.services.deliveries import Step
from events.webhooks import breaker
from tests.events.deliveries_helpers import app_at, script
from umbrella.celery import app as celery_app

pytestmark = pytest.mark.django_db

T0 = 1_900_000_000.0  # a frozen clock (unix time)
DELIVERY_TASKS = {"events.webhook_deliver", "events.webhook_drain"}


@dataclass(frozen=True)
class Sent:
    task: str
    kwargs: dict[str, Any]
    countdown: float | None  # seconds from when it was sent (its ETA), if any


class Broker:
    """The Celery messages published to one queue of the test Redis broker."""

    def __init__(self, queue: str) -> None:
        self.queue = queue
        self.client = redis.Redis.from_url(django_settings.CELERY_BROKER_URL)

    def take(self, sent_at: float) -> list[Sent]:
        """The deliveries' messages published since the last take, oldest first (``sent_at``:
        the frozen clock they were sent at). Others (a notification's email) are left out."""
        raw = self.client.lrange(self.queue, 0, -1)
        self.client.delete(self.queue)
        messages = []
        for item in reversed(raw):  # kombu LPUSHes, a worker takes from the other end
            message = json.loads(item)
            _args, kwargs, _embed = json.loads(base64.b64decode(message["body"]))
            eta = message["headers"].get("eta")
            countdown = datetime.fromisoformat(eta).timestamp() - sent_at if eta else None
            if message["headers"]["task"] in DELIVERY_TASKS:
                messages.append(Sent(message["headers"]["task"], kwargs, countdown))
        return messages

    def close(self) -> None:
        self.client.delete(
            self.queue, f"_kombu.binding.{self.queue}", f"_kombu.binding_permanent.{self.queue}"
        )
        self.client.close()


@pytest.fixture
def broker(settings) -> Iterator[Broker]:
    if not settings.REDIS_URL:
        pytest.skip("needs Redis: set REDIS_URL")
    conf = celery_app.conf
    previous = conf.task_always_eager, conf.task_default_queue
    on = Broker(f"test-deliveries-{uuid.uuid4().hex[:10]}")
    try:
        conf.task_always_eager, conf.task_default_queue = False, on.queue
        delivery_queue.clear()  # this queue's due list
        yield on
        delivery_queue.clear()
    finally:  # whatever happened, the other tests get eager Celery back
        conf.task_always_eager, conf.task_default_queue = previous
        on.close()


@pytest.fixture
def hook_app(httpserver, settings):
    yield from app_at(httpserver, settings)


def _message(app, webhook_id="msg_s", **extra) -> dict[str, Any]:
    return {
        "app_pk": app.pk,
        "capability": "notifications",
        "event": "room.completed",
        "payload": {"room_id": 7},
        "webhook_id": webhook_id,
        "attempt": 1,
        "last_attempt": 3,
        **extra,
    }


def _deliver(message: dict[str, Any], capture) -> str:
    """One attempt, its follow-up sent to the broker after the (test's) commit."""
    with capture(execute=True):
        return deliveries.webhook_deliver(**message)


# --- the retry backoff --------------------------------------------------------------------------


def test_each_retry_waits_its_backoff_and_carries_the_next_attempt(
    broker, hook_app, httpserver, django_capture_on_commit_callbacks
):
    app_server = script(httpserver, 500)
    waits = []
    message = _message(hook_app)
    with time_machine.travel(T0, tick=False):
        for attempt in (1, 2):
            assert _deliver(message, django_capture_on_commit_callbacks) == Step.RETRY
            [retry] = broker.take(sent_at=T0)
            assert retry.task == "events.webhook_deliver"
            assert retry.kwargs == {
                **_message(hook_app),
                "attempt": attempt + 1,
                "first_attempt": 1,
                "replay": False,
            }  # no deferred_since: the next attempt is not a deferral
            waits.append(retry.countdown)
            message = retry.kwargs
        # The third failed attempt is the last of the round: a dead letter, nothing sent.
        assert _deliver(message, django_capture_on_commit_callbacks) == Step.DEAD
        assert broker.take(sent_at=T0) == []
    assert 0.7 <= waits[0] <= 1.0 and 1.4 <= waits[1] <= 2.0  # 1 s, 2 s, less ≤ 30 % jitter
    assert app_server.attempts() == ["1", "2", "3"]
    assert DeadLetter.objects.get(webhook_id="msg_s").attempts == 3


def test_a_replay_round_starts_its_backoff_again(
    broker, hook_app, httpserver, django_capture_on_commit_callbacks
):
    """Attempt 5 of a replay (its round: 4, 5, 6) waits like a round's second attempt (2 s),
    not like a fifth (16 s)."""
    script(httpserver, 503)
    replayed = _message(hook_app, attempt=5, last_attempt=6, first_attempt=4, replay=True)
    with time_machine.travel(T0, tick=False):
        assert _deliver(replayed, django_capture_on_commit_callbacks) == Step.RETRY
        [retry] = broker.take(sent_at=T0)
    assert retry.kwargs == {**replayed, "attempt": 6}
    assert 1.4 <= retry.countdown <= 2.0


def test_a_message_from_before_rounds_had_their_size_retries_in_rounds_of_three(
    broker, hook_app, httpserver, django_capture_on_commit_callbacks
):
    """A task enqueued by an older release carries no ``first_attempt``: attempt 5 of 6 is the
    second of its round (4, 5, 6), and the next attempt says so."""
    script(httpserver, 500)
    old = _message(hook_app, attempt=5, last_attempt=6)
    with time_machine.travel(T0, tick=False):
        assert _deliver(old, django_capture_on_commit_callbacks) == Step.RETRY
        [retry] = broker.take(sent_at=T0)
    assert retry.kwargs == {**old, "attempt": 6, "first_attempt": 4, "replay": False}
    assert 1.4 <= retry.countdown <= 2.0


def test_only_known_arguments_are_passed_on_to_the_next_attempt(
    broker, hook_app, httpserver, django_capture_on_commit_callbacks
):
    """A message with an argument a newer sender added (it reached an older worker's batch):
    its retry is a task this worker's ``events.webhook_deliver`` accepts."""
    script(httpserver, 500)
    with time_machine.travel(T0, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            steps = deliveries.webhook_deliver_many([{**_message(hook_app), "priority": "high"}])
        [retry] = broker.take(sent_at=T0)
    assert steps == [Step.RETRY]
    assert set(retry.kwargs) == deliveries.MESSAGE_KEYS - {"deferred_since"}
    assert "priority" not in retry.kwargs


# --- the breaker --------------------------------------------------------------------------------


def _open_breaker(app, at: float) -> None:
    with time_machine.travel(at, tick=False):
        for _ in range(5):
            breaker.record_failure(app.app_id, "notifications")


def test_an_open_breaker_defers_the_same_attempt_until_its_probe_time(
    broker, hook_app, httpserver, django_capture_on_commit_callbacks
):
    app_server = script(httpserver, 200)
    _open_breaker(hook_app, T0)
    message = _message(hook_app, attempt=2, first_attempt=1)
    waits = []
    for _ in range(20):
        with time_machine.travel(T0 + 20, tick=False):
            assert _deliver(message, django_capture_on_commit_callbacks) == Step.DEFERRED
            [later] = broker.take(sent_at=T0 + 20)
        waits.append(later.countdown)
    # The same attempt (not counted), marked deferred since now, at the probe time (60 s after
    # the last failure: 40 s from now), plus up to 30 % so the held messages spread out.
    assert later.task == "events.webhook_deliver"
    assert later.kwargs == {**message, "deferred_since": T0 + 20, "replay": False}
    assert all(40 <= w <= 52 for w in waits) and max(waits) - min(waits) > 1
    assert app_server.requests == [] and not WebhookDelivery.objects.exists()


def test_a_deferral_keeps_its_first_time_and_gives_up_after_ten_minutes(
    broker, hook_app, httpserver, django_capture_on_commit_callbacks
):
    script(httpserver, 200)
    _open_breaker(hook_app, T0 + 560)
    since = T0
    with time_machine.travel(T0 + 599, tick=False):
        message = _message(hook_app, deferred_since=since)
        assert _deliver(message, django_capture_on_commit_callbacks) == Step.DEFERRED
        [later] = broker.take(sent_at=T0 + 599)
    assert later.kwargs["deferred_since"] == since  # 599 s in all: once more
    with time_machine.travel(T0 + 600, tick=False):
        assert _deliver(later.kwargs, django_capture_on_commit_callbacks) == Step.DEAD
        assert broker.take(sent_at=T0 + 600) == []
    letter = DeadLetter.objects.get(webhook_id="msg_s")
    assert (letter.attempts, letter.last_error) == (0, deliveries.BREAKER_ERROR)


@pytest.mark.parametrize(
    ("probe_in", "low", "high"),
    [
        (45.0, 45.0, 45.0 * 1.3),  # open: until its probe time
        (0.4, 1.0, 1.3),  # a probe time just ahead: at least a second
        (0.0, 5.0, 6.5),  # half-open (a probe is out): its verdict comes in seconds
    ],
)
def test_the_breaker_wait_is_the_time_to_the_probe_within_bounds(hook_app, probe_in, low, high):
    _open_breaker(hook_app, T0)
    now = T0 + 60 - probe_in
    waits = [deliveries.breaker_wait(hook_app.app_id, "notifications", now=now) for _ in range(300)]
    assert all(low <= w <= high for w in waits)
    assert min(waits) < low * 1.05 and max(waits) > high * 0.95  # the whole 30 % used


def test_a_closed_breaker_waits_the_half_open_few_seconds(hook_app):
    waits = [deliveries.breaker_wait(hook_app.app_id, "notifications", now=T0) for _ in range(50)]
    assert all(5.0 <= w <= 6.5 for w in waits)


def test_the_wait_is_never_over_the_breakers_sixty_seconds(hook_app):
    _open_breaker(hook_app, T0 + 1000)  # a failure recorded "later" than now (clocks apart)
    waits = [deliveries.breaker_wait(hook_app.app_id, "notifications", now=T0) for _ in range(50)]
    assert all(60.0 <= w <= 78.0 for w in waits)


# --- first attempts and replays go onto the due list ---------------------------------------------


def test_a_first_attempt_goes_onto_the_due_list_and_starts_one_drain(
    broker, hook_app, django_capture_on_commit_callbacks
):
    assert delivery_queue.available()
    with time_machine.travel(T0, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            webhook_id = deliveries.webhook_enqueue(
                app=hook_app, capability="notifications", event="room.completed", payload={"a": 1}
            )
        [drain] = broker.take(sent_at=T0)
    assert (drain.task, drain.kwargs, drain.countdown) == ("events.webhook_drain", {}, None)
    [queued] = delivery_queue.claim(5)
    assert json.loads(queued) == {
        "app_pk": hook_app.pk,
        "capability": "notifications",
        "event": "room.completed",
        "payload": {"a": 1},
        "webhook_id": webhook_id,
        "attempt": 1,
        "last_attempt": 3,
        "first_attempt": 1,
    }


def test_a_replay_goes_onto_the_due_list_numbered_after_the_failed_round(
    broker, hook_app, django_capture_on_commit_callbacks
):
    letter = DeadLetter.objects.create(
        app=hook_app,
        capability="notifications",
        event="room.completed",
        payload={"room_id": 7},
        webhook_id="msg_dead",
        attempts=3,
        last_error="HTTP 500",
    )
    with time_machine.travel(T0, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            deliveries.dead_letter_replay(dead_letter_id=letter.pk, by=hook_app.owner)
        [drain] = broker.take(sent_at=T0)
    assert drain.task == "events.webhook_drain"
    [queued] = delivery_queue.claim(5)
    assert json.loads(queued) == {
        "app_pk": hook_app.pk,
        "capability": "notifications",
        "event": "room.completed",
        "payload": {"room_id": 7},
        "webhook_id": "msg_dead",
        "attempt": 4,
        "last_attempt": 6,
        "first_attempt": 4,
        "replay": True,
    }


def test_without_the_due_list_a_first_attempt_is_one_task_with_no_countdown(
    broker, hook_app, settings, django_capture_on_commit_callbacks
):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert not delivery_queue.available()  # a worker, but no Redis cache
    with time_machine.travel(T0, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            webhook_id = deliveries.webhook_enqueue(
                app=hook_app, capability="notifications", event="room.completed", payload={}
            )
        [task] = broker.take(sent_at=T0)
    assert (task.task, task.countdown) == ("events.webhook_deliver", None)
    assert task.kwargs["webhook_id"] == webhook_id and task.kwargs["attempt"] == 1


def test_nothing_is_sent_before_the_commit(broker, hook_app, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        deliveries.webhook_enqueue(
            app=hook_app, capability="notifications", event="room.completed", payload={}
        )
    assert len(callbacks) == 1
    assert broker.take(sent_at=time.time()) == [] and delivery_queue.pending() == (0, 0)


# --- rounds and deferrals, as the next attempt sees them ----------------------------------------


def test_a_round_numbers_its_backoff_from_its_own_first_attempt(
    broker, hook_app, httpserver, django_capture_on_commit_callbacks
):
    """A replay of a message whose webhook allows 2 attempts: its round is 3, 4. Attempt 3 is
    the round's first, so it waits 1 s, whatever a round of 3 would have said."""
    script(httpserver, 500)
    replayed = _message(hook_app, attempt=3, last_attempt=4, first_attempt=3, replay=True)
    with time_machine.travel(T0, tick=False):
        assert _deliver(replayed, django_capture_on_commit_callbacks) == Step.RETRY
        [retry] = broker.take(sent_at=T0)
    assert retry.kwargs == {**replayed, "attempt": 4}
    assert 0.7 <= retry.countdown <= 1.0


def test_an_attempt_that_waited_for_the_breaker_and_failed_retries_as_a_fresh_attempt(
    broker, hook_app, httpserver, django_capture_on_commit_callbacks
):
    """Once the breaker let it through, its deferral is over: the retry does not carry the old
    time, which would dead-letter the next deferral early."""
    script(httpserver, 500)
    deferred = _message(hook_app, deferred_since=T0 - 300)
    with time_machine.travel(T0, tick=False):
        assert _deliver(deferred, django_capture_on_commit_callbacks) == Step.RETRY
        [retry] = broker.take(sent_at=T0)
    assert "deferred_since" not in retry.kwargs
    assert retry.kwargs["attempt"] == 2
