"""Async deliveries, eager Celery, against a real local HTTP server standing in for the app:
enqueued after commit, 3 attempts, exactly one dead letter, idempotent per webhook-id, the
breaker and 410 decisions, replay and delete."""

import time
from datetime import timedelta

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from accounts.models import Notification
from events.models import DeadLetter, WebhookDelivery
from events.services import deliveries
from events.services.deliveries import Step
from events.tasks import webhook_deliver_task
from events.webhooks import breaker
from tests.accounts.factories import UserFactory
from tests.events.deliveries_helpers import app_at, make_app, script
from umbrella.errors import ApplicationError, NotFoundError

pytestmark = pytest.mark.django_db


@pytest.fixture
def hook_app(httpserver, settings):
    yield from app_at(httpserver, settings)


def _enqueue(app, *, event="room.completed", payload=None, run=True, capture=None):
    with capture(execute=run):
        return deliveries.webhook_enqueue(
            app=app, capability="notifications", event=event, payload=payload or {"room_id": 7}
        )


def _message(app, webhook_id, **extra):
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


def test_enqueue_sends_nothing_before_commit_and_nothing_after_a_rollback(
    hook_app, httpserver, django_capture_on_commit_callbacks
):
    app_server = script(httpserver, 200)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        webhook_id = deliveries.webhook_enqueue(
            app=hook_app, capability="notifications", event="room.completed", payload={"a": 1}
        )
    assert webhook_id.startswith("msg_")
    assert len(callbacks) == 1 and app_server.requests == []

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                deliveries.webhook_enqueue(
                    app=hook_app, capability="notifications", event="x.y", payload={}
                )
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
    assert callbacks == [] and app_server.requests == []


def test_enqueue_refuses_a_capability_without_a_webhook(
    hook_app, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(ApplicationError) as no:
        deliveries.webhook_enqueue(
            app=hook_app, capability="quiz_validation", event="x.y", payload={}
        )
    assert (no.value.code, no.value.status_code, callbacks) == ("no_webhook", 409, [])


def test_a_delivery_arrives_signed_once_and_is_recorded(
    hook_app, httpserver, django_capture_on_commit_callbacks
):
    app_server = script(httpserver, 200)
    secret = hook_app.webhook_secrets.get().secret
    webhook_id = _enqueue(hook_app, capture=django_capture_on_commit_callbacks)

    [request] = app_server.requests
    assert request["json"] == {"event": "room.completed", "payload": {"room_id": 7}}
    assert request["headers"]["webhook-id"] == webhook_id
    assert request["headers"]["x-umbrella-attempt"] == "1"
    # The independent Standard Webhooks library accepts the signature.
    row = WebhookDelivery.objects.get()
    Webhook(secret).verify(row.request_body, request["headers"])
    assert (row.webhook_id, row.attempt, row.outcome) == (webhook_id, 1, "success")
    assert not DeadLetter.objects.exists()


def test_an_endpoint_failing_three_times_gives_exactly_one_dead_letter(
    hook_app, httpserver, django_capture_on_commit_callbacks
):
    staff = UserFactory(is_staff=True)
    app_server = script(httpserver, 500)
    webhook_id = _enqueue(hook_app, capture=django_capture_on_commit_callbacks)

    assert app_server.ids() == [webhook_id] * 3  # the same id on every attempt
    assert app_server.attempts() == ["1", "2", "3"]
    rows = WebhookDelivery.objects.order_by("attempt")
    assert [(r.attempt, r.outcome, r.status_code) for r in rows] == [
        (1, "http_error", 500),
        (2, "http_error", 500),
        (3, "http_error", 500),
    ]
    letter = DeadLetter.objects.get()
    assert (letter.webhook_id, letter.attempts, letter.app_id) == (webhook_id, 3, hook_app.pk)
    assert letter.payload == {"room_id": 7} and letter.event == "room.completed"
    assert letter.last_error == "HTTP 500" and letter.requeued_at is None
    told = Notification.objects.filter(verb="app.dead_letter")
    assert sorted(n.user_id for n in told) == sorted([hook_app.owner_id, staff.pk])
    assert {n.target_url for n in told} == {
        f"/developers/apps/{hook_app.app_id}/dead-letters/",
        "/staff/webhooks/",
    }

    # The last attempt's task run again (a worker died before acknowledging it): nothing is
    # sent, no second dead letter, nobody told twice.
    assert deliveries.webhook_deliver(**_message(hook_app, webhook_id, attempt=3)) == (
        Step.ALREADY_DEAD
    )
    assert len(app_server.requests) == 3
    assert DeadLetter.objects.count() == 1 and told.count() == 2


def test_a_message_that_got_through_is_not_sent_again(
    hook_app, httpserver, django_capture_on_commit_callbacks
):
    app_server = script(httpserver, 503, 200)
    webhook_id = _enqueue(hook_app, capture=django_capture_on_commit_callbacks)
    assert app_server.attempts() == ["1", "2"]

    for attempt in (1, 2, 3):  # any of its tasks, run again
        step = deliveries.webhook_deliver(**_message(hook_app, webhook_id, attempt=attempt))
        assert step == Step.ALREADY_DELIVERED
    assert len(app_server.requests) == 2 and not DeadLetter.objects.exists()


def test_410_disables_the_webhook_and_dead_letters_at_once(
    hook_app, httpserver, django_capture_on_commit_callbacks
):
    app_server = script(httpserver, 410)
    webhook_id = _enqueue(hook_app, capture=django_capture_on_commit_callbacks)

    assert len(app_server.requests) == 1  # no retry: the endpoint is gone
    hook_app.refresh_from_db()
    assert hook_app.disabled_webhooks == ["notifications"]
    letter = DeadLetter.objects.get(webhook_id=webhook_id)
    assert letter.attempts == 1 and "410" in letter.last_error
    # The next message is not sent at all: dead at once, zero attempts.
    other = _enqueue(hook_app, capture=django_capture_on_commit_callbacks)
    assert len(app_server.requests) == 1
    assert DeadLetter.objects.get(webhook_id=other).attempts == 0
    # Replaying is refused until the owner re-enables it; nothing changes.
    with pytest.raises(ApplicationError) as refused:
        deliveries.dead_letter_replay(dead_letter_id=letter.pk, by=hook_app.owner)
    assert (refused.value.code, refused.value.status_code) == ("webhook_disabled", 409)
    letter.refresh_from_db()
    assert letter.requeued_at is None


def test_an_open_breaker_defers_the_attempt_without_counting_it(
    hook_app, httpserver, django_capture_on_commit_callbacks
):
    app_server = script(httpserver, 200)
    for _ in range(5):
        breaker.record_failure(hook_app.app_id, "notifications")
    assert breaker.state(hook_app.app_id, "notifications") == "open"
    webhook_task_eager = webhook_deliver_task.app.conf.task_always_eager
    webhook_deliver_task.app.conf.task_always_eager = False  # as on a real worker
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            step = deliveries.webhook_deliver(**_message(hook_app, "msg_breaker"))
    finally:
        webhook_deliver_task.app.conf.task_always_eager = webhook_task_eager
    assert step == Step.DEFERRED
    assert len(callbacks) == 1  # the same attempt, later
    assert app_server.requests == [] and not WebhookDelivery.objects.exists()
    assert not DeadLetter.objects.exists()

    # Deferred for 10 minutes already: dead, with the attempts made so far (none).
    step = deliveries.webhook_deliver(
        **_message(hook_app, "msg_breaker", deferred_since=time.time() - 601)
    )
    assert step == Step.DEAD
    letter = DeadLetter.objects.get(webhook_id="msg_breaker")
    assert letter.attempts == 0 and "breaker" in letter.last_error


def test_the_breaker_wait_reaches_the_probe_time_with_bounded_jitter(hook_app):
    with time_machine.travel(1_000_000, tick=False):
        for _ in range(5):
            breaker.record_failure(hook_app.app_id, "notifications")
        waits = [
            deliveries.breaker_wait(hook_app.app_id, "notifications", now=1_000_000 + 20)
            for _ in range(200)
        ]
    assert all(40 <= w <= 40 * 1.3 for w in waits)  # 60 s after the last failure, 20 s ago
    assert max(waits) - min(waits) > 1  # spread


def test_an_inactive_app_gets_nothing_and_the_message_is_dead(
    hook_app, httpserver, django_capture_on_commit_callbacks
):
    app_server = script(httpserver, 200)
    hook_app.is_active = False
    hook_app.save()
    webhook_id = _enqueue(hook_app, capture=django_capture_on_commit_callbacks)
    assert app_server.requests == []
    assert DeadLetter.objects.get(webhook_id=webhook_id).attempts == 0


def test_a_deleted_app_is_skipped_quietly(hook_app, httpserver):
    app_server = script(httpserver, 200)
    hook_app.deleted_at = timezone.now()
    hook_app.save()
    assert deliveries.webhook_deliver(**_message(hook_app, "msg_gone")) == Step.NO_APP
    assert app_server.requests == [] and not DeadLetter.objects.exists()


# --- replay -----------------------------------------------------------------------------------


def _dead_letter(app, httpserver, capture):
    server = script(httpserver, 500)
    webhook_id = _enqueue(app, capture=capture)
    httpserver.clear()
    return DeadLetter.objects.get(webhook_id=webhook_id), server


def test_a_replay_delivers_the_same_message_and_removes_the_dead_letter(
    hook_app, httpserver, django_capture_on_commit_callbacks
):
    letter, _ = _dead_letter(hook_app, httpserver, django_capture_on_commit_callbacks)
    app_server = script(httpserver, 200)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        replayed = deliveries.dead_letter_replay(dead_letter_id=letter.pk, by=hook_app.owner)
    assert replayed.requeued_at is not None and app_server.requests == []  # after commit
    callbacks[0]()

    [request] = app_server.requests
    assert request["headers"]["webhook-id"] == letter.webhook_id
    assert request["headers"]["x-umbrella-attempt"] == "4"  # numbered after the first three
    assert request["json"] == {"event": "room.completed", "payload": {"room_id": 7}}
    assert not DeadLetter.objects.exists()
    assert WebhookDelivery.objects.filter(webhook_id=letter.webhook_id).count() == 4


def test_a_replay_that_fails_again_keeps_one_dead_letter_and_tells_again(
    hook_app, httpserver, django_capture_on_commit_callbacks
):
    letter, _ = _dead_letter(hook_app, httpserver, django_capture_on_commit_callbacks)
    breaker.reset(hook_app.app_id, "notifications")  # later: 3 more failures don't open it
    app_server = script(httpserver, 502)
    with django_capture_on_commit_callbacks(execute=True):
        deliveries.dead_letter_replay(dead_letter_id=letter.pk, by=hook_app.owner)
    assert app_server.attempts() == ["4", "5", "6"]
    again = DeadLetter.objects.get()
    assert again.pk == letter.pk and again.attempts == 6
    assert again.requeued_at is None and again.last_error == "HTTP 502"
    assert Notification.objects.filter(user=hook_app.owner, verb="app.dead_letter").count() == 2


def test_a_replay_under_way_is_not_started_twice(
    hook_app, httpserver, django_capture_on_commit_callbacks
):
    letter, _ = _dead_letter(hook_app, httpserver, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        deliveries.dead_letter_replay(dead_letter_id=letter.pk, by=hook_app.owner)
        with pytest.raises(ApplicationError) as refused:
            deliveries.dead_letter_replay(dead_letter_id=letter.pk, by=hook_app.owner)
    assert (refused.value.code, refused.value.status_code) == ("already_requeued", 409)
    assert len(callbacks) == 1
    # A replay whose task was lost (15 minutes without news) may be started again.
    later = timezone.now() + timedelta(minutes=16)
    with time_machine.travel(later), django_capture_on_commit_callbacks() as callbacks:
        deliveries.dead_letter_replay(dead_letter_id=letter.pk, by=hook_app.owner)
    assert len(callbacks) == 1


def test_only_the_owner_and_staff_replay_or_delete(
    hook_app, httpserver, django_capture_on_commit_callbacks
):
    letter, _ = _dead_letter(hook_app, httpserver, django_capture_on_commit_callbacks)
    stranger = UserFactory()
    with pytest.raises(NotFoundError):
        deliveries.dead_letter_replay(dead_letter_id=letter.pk, by=stranger)
    with pytest.raises(NotFoundError):
        deliveries.dead_letter_delete(dead_letter_id=letter.pk, by=stranger)
    with pytest.raises(NotFoundError):
        deliveries.dead_letters_replay(app=hook_app, by=stranger, all=True)
    letter.refresh_from_db()
    assert letter.requeued_at is None

    with django_capture_on_commit_callbacks(execute=False):
        deliveries.dead_letter_replay(dead_letter_id=letter.pk, by=UserFactory(is_staff=True))
    deliveries.dead_letter_delete(dead_letter_id=letter.pk, by=hook_app.owner)
    assert not DeadLetter.objects.exists()


def test_bulk_replay_of_ids_is_all_or_nothing_and_skips_those_under_way(
    hook_app, httpserver, django_capture_on_commit_callbacks
):
    script(httpserver, 500)
    ids = [_enqueue(hook_app, capture=django_capture_on_commit_callbacks) for _ in range(3)]
    letters = list(DeadLetter.objects.filter(webhook_id__in=ids).order_by("id"))
    other_app, _ = make_app(httpserver.url_for("/"))
    foreign = DeadLetter.objects.create(
        app=other_app, capability="notifications", event="e.v", webhook_id="msg_x", payload={}
    )

    with pytest.raises(NotFoundError) as refused:
        deliveries.dead_letters_replay(
            app=hook_app, by=hook_app.owner, ids=[letters[0].pk, foreign.pk]
        )
    assert refused.value.details == {"missing": [foreign.pk]}
    assert not DeadLetter.objects.filter(requeued_at__isnull=False).exists()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        deliveries.dead_letter_replay(dead_letter_id=letters[0].pk, by=hook_app.owner)
        result = deliveries.dead_letters_replay(
            app=hook_app, by=hook_app.owner, ids=[x.pk for x in letters]
        )
    assert result.replayed == [letters[1].pk, letters[2].pk]
    assert result.skipped == [letters[0].pk] and result.remaining == 0
    assert len(callbacks) == 3


def test_bulk_replay_of_all_delivers_every_dead_letter(
    hook_app, httpserver, django_capture_on_commit_callbacks
):
    script(httpserver, 500)
    ids = {_enqueue(hook_app, capture=django_capture_on_commit_callbacks) for _ in range(3)}
    assert DeadLetter.objects.count() == 3  # the last ones held by the breaker it opened
    breaker.reset(hook_app.app_id, "notifications")  # later, the app fixed
    httpserver.clear()
    app_server = script(httpserver, 200)
    with django_capture_on_commit_callbacks(execute=True):
        result = deliveries.dead_letters_replay(app=hook_app, by=hook_app.owner, all=True)
    assert len(result.replayed) == 3 and result.remaining == 0
    assert set(app_server.ids()) == ids and len(app_server.requests) == 3
    assert not DeadLetter.objects.exists()


# --- the test event ---------------------------------------------------------------------------


def test_the_test_event_is_sent_now_and_recorded(hook_app, httpserver):
    app_server = script(httpserver, 200)
    result = deliveries.app_send_test_event(app=hook_app, by=hook_app.owner)
    assert result.ok and result.capability == "notifications" and result.status_code == 200
    [request] = app_server.requests
    assert request["json"]["event"] == "app.test"
    assert request["json"]["payload"]["test"] is True
    row = WebhookDelivery.objects.get(pk=result.delivery_id)
    assert (row.event, row.webhook_id, row.outcome) == ("app.test", result.webhook_id, "success")


def test_the_test_event_to_a_webhook_the_manifest_lacks_is_refused(hook_app, httpserver):
    with pytest.raises(ApplicationError) as refused:
        deliveries.app_send_test_event(
            app=hook_app, by=hook_app.owner, capability="quiz_validation"
        )
    assert (refused.value.code, refused.value.status_code) == ("no_webhook", 409)
    with pytest.raises(NotFoundError):
        deliveries.app_send_test_event(app=hook_app, by=UserFactory())
    assert not WebhookDelivery.objects.exists()
