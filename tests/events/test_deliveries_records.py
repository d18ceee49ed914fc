"""What the deliveries services write and answer, exactly: each refusal's code, status, message
and details (the API shows them), the dead letter's row and the notification it sends, the
replay of a letter whose webhook left the manifest, bulk replay's order and bounds, the test
event's payload and answer, and the queries a delivery costs.

Written from the survivors of a mutation run (docs/testing.md, "Events: deliveries and the due
list"). The app is a real local HTTP server."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Notification
from events.models import DeadLetter, WebhookDelivery
from events.services import deliveries
from events.services.deliveries import Step
from tests.accounts.factories import UserFactory
from tests.events.deliveries_helpers import app_at, script
from umbrella.errors import ApplicationError, NotFoundError

pytestmark = pytest.mark.django_db


@pytest.fixture
def hook_app(httpserver, settings):
    yield from app_at(httpserver, settings)


def _letter(app, n: int = 1, **fields) -> DeadLetter:
    values = {
        "capability": "notifications",
        "event": "room.completed",
        "webhook_id": f"msg_dead_{app.pk}_{n}",
        "payload": {"n": n},
        "last_error": "HTTP 500",
        "attempts": 3,
        "failed_at": timezone.now() - timedelta(minutes=n),
        **fields,
    }
    return DeadLetter.objects.create(app=app, **values)


def _refusal(error: ApplicationError) -> tuple:
    return (error.code, error.status_code, error.message, error.details)


# --- refusals -----------------------------------------------------------------------------------


def test_enqueueing_to_a_webhook_the_manifest_lacks_names_the_capability(hook_app):
    with pytest.raises(ApplicationError) as refused:
        deliveries.webhook_enqueue(
            app=hook_app, capability="quiz_validation", event="x.y", payload={}
        )
    assert _refusal(refused.value) == (
        "no_webhook",
        409,
        "The app's manifest has no quiz_validation webhook.",
        {"capability": "quiz_validation"},
    )


def test_a_payload_that_is_not_a_json_object_is_a_programming_error(hook_app):
    with pytest.raises(TypeError) as refused:
        deliveries.webhook_enqueue(
            app=hook_app,
            capability="notifications",
            event="x.y",
            payload=["a"],  # type: ignore[arg-type]
        )
    assert str(refused.value) == "a webhook payload is a JSON object"
    with pytest.raises(ValueError) as zero:
        deliveries.retry_delay(0)
    assert str(zero.value) == "attempts count from 1"


def test_someone_elses_dead_letter_is_not_found_whatever_they_try(hook_app):
    letter = _letter(hook_app)
    stranger = UserFactory()
    for attempt in (
        lambda: deliveries.dead_letter_replay(dead_letter_id=letter.pk, by=stranger),
        lambda: deliveries.dead_letter_delete(dead_letter_id=letter.pk, by=stranger),
    ):
        with pytest.raises(NotFoundError) as refused:
            attempt()
        assert _refusal(refused.value) == ("not_found", 404, "No such dead letter.", {})
    letter.refresh_from_db()
    assert letter.requeued_at is None


def test_a_dead_letter_of_a_disabled_app_is_not_replayed(
    hook_app, django_capture_on_commit_callbacks
):
    letter = _letter(hook_app)
    hook_app.is_active = False
    hook_app.save(update_fields=["is_active"])
    with django_capture_on_commit_callbacks() as callbacks:
        for replay in (
            lambda: deliveries.dead_letter_replay(dead_letter_id=letter.pk, by=hook_app.owner),
            lambda: deliveries.dead_letters_replay(app=hook_app, by=hook_app.owner, all=True),
        ):
            with pytest.raises(ApplicationError) as refused:
                replay()
            assert _refusal(refused.value) == (
                "app_inactive",
                409,
                "The app is disabled: nothing can be sent to it.",
                {},
            )
    assert callbacks == []
    letter.refresh_from_db()
    assert letter.requeued_at is None


def test_a_dead_letter_of_a_disabled_webhook_names_the_capability(hook_app):
    letter = _letter(hook_app)
    hook_app.disabled_webhooks = ["notifications"]
    hook_app.save(update_fields=["disabled_webhooks"])
    with pytest.raises(ApplicationError) as refused:
        deliveries.dead_letter_replay(dead_letter_id=letter.pk, by=hook_app.owner)
    assert _refusal(refused.value) == (
        "webhook_disabled",
        409,
        "The notifications webhook is disabled (it answered 410 Gone): re-enable it first.",
        {"capability": "notifications"},
    )


# --- the dead letter's row and its notification ---------------------------------------------------


def _record(app, **changes) -> bool:
    values = {
        "app": app,
        "capability": "notifications",
        "event": "room.completed",
        "payload": {"room_id": 7},
        "webhook_id": "msg_rec",
        "attempts": 3,
        "error": "HTTP 500",
        **changes,
    }
    return deliveries.dead_letter_record(**values)


def test_a_dead_letter_keeps_the_first_1000_characters_of_the_error(hook_app):
    assert _record(hook_app, error="e" * 1500) is True
    letter = DeadLetter.objects.get()
    assert letter.last_error == "e" * 1000
    # A replay failing again with a long error is cut the same way.
    letter.requeued_at = timezone.now()
    letter.save(update_fields=["requeued_at"])
    assert _record(hook_app, error="f" * 1500, attempts=6) is True
    letter.refresh_from_db()
    assert (letter.last_error, letter.attempts, letter.requeued_at) == ("f" * 1000, 6, None)


def test_the_owner_is_told_which_capability_and_event_failed_once(hook_app):
    assert _record(hook_app) is True
    assert _record(hook_app) is False  # a second copy of the last attempt: nothing changes
    [told] = Notification.objects.filter(user=hook_app.owner, verb="app.dead_letter")
    assert told.text == (
        f"{hook_app.name}: a notifications message (room.completed) failed every attempt. "
        "Inspect and replay it from the dead letters."
    )
    assert DeadLetter.objects.count() == 1


def test_a_failed_replay_of_fewer_attempts_keeps_the_higher_count(hook_app):
    _letter(hook_app, webhook_id="msg_rec", attempts=6, requeued_at=timezone.now())
    before = DeadLetter.objects.get().failed_at
    assert _record(hook_app, attempts=5, error="HTTP 502") is True
    letter = DeadLetter.objects.get()
    assert (letter.attempts, letter.last_error, letter.requeued_at) == (6, "HTTP 502", None)
    assert letter.failed_at > before


# --- replays ------------------------------------------------------------------------------------


def test_a_letter_whose_webhook_left_the_manifest_is_replayed_and_dead_again_saying_why(
    hook_app, httpserver, django_capture_on_commit_callbacks
):
    app_server = script(httpserver, 200)
    letter = _letter(hook_app, capability="winner_selection")
    hook_app.manifest = {**hook_app.manifest, "webhooks": {"notifications": "/hooks/notify"}}
    hook_app.save(update_fields=["manifest"])
    with django_capture_on_commit_callbacks(execute=True):
        deliveries.dead_letter_replay(dead_letter_id=letter.pk, by=hook_app.owner)
    letter.refresh_from_db()
    assert (letter.attempts, letter.requeued_at) == (3, None)  # nothing was sent: no attempt
    assert letter.last_error == deliveries.NOT_CONFIGURED_ERROR
    assert app_server.requests == []


def test_bulk_replay_takes_the_oldest_first_and_says_how_many_remain(
    hook_app, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(deliveries, "BULK_REPLAY_MAX", 2)
    newest, middle, oldest = (_letter(hook_app, n) for n in (1, 2, 3))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = deliveries.dead_letters_replay(app=hook_app, by=hook_app.owner, all=True)
    assert (first.replayed, first.skipped, first.remaining) == ([oldest.pk, middle.pk], [], 1)
    assert len(callbacks) == 2
    newest.refresh_from_db()
    assert newest.requeued_at is None  # for the next call


def test_bulk_replay_refuses_more_ids_than_it_replays_at_once(
    hook_app, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(deliveries, "BULK_REPLAY_MAX", 2)
    letters = [_letter(hook_app, n) for n in range(3)]
    with pytest.raises(ApplicationError) as refused:
        deliveries.dead_letters_replay(app=hook_app, by=hook_app.owner, ids=[x.pk for x in letters])
    assert _refusal(refused.value) == (
        "validation_error",
        400,
        "At most 2 ids at once.",
        {"ids": ["At most 2 ids at once."]},
    )
    with pytest.raises(ApplicationError) as neither:
        deliveries.dead_letters_replay(app=hook_app, by=hook_app.owner)
    assert _refusal(neither.value) == (
        "validation_error",
        400,
        "Give either ids or all: true.",
        {"ids": ["Required."]},
    )
    assert not DeadLetter.objects.filter(requeued_at__isnull=False).exists()
    # The same id given three times is one id.
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        once = deliveries.dead_letters_replay(
            app=hook_app, by=hook_app.owner, ids=[letters[0].pk] * 3
        )
    assert once.replayed == [letters[0].pk] and len(callbacks) == 1


# --- a delivery's cost --------------------------------------------------------------------------


def test_a_first_round_delivery_costs_no_dead_letter_query(
    hook_app, httpserver, django_assert_num_queries
):
    script(httpserver, 200)
    message = {
        "app_pk": hook_app.pk,
        "capability": "notifications",
        "event": "room.completed",
        "payload": {},
        "webhook_id": "msg_q",
        "attempt": 1,
        "last_attempt": 3,
    }
    # The app, the settled check, the signing secrets, the INSERT inside its savepoint pair.
    with django_assert_num_queries(6):
        assert deliveries.webhook_deliver(**message) == Step.DELIVERED
    assert WebhookDelivery.objects.get().outcome == "success"


# --- more refusals --------------------------------------------------------------------------------


def test_a_dead_letter_that_does_not_exist_is_not_found(hook_app):
    for attempt in (
        lambda: deliveries.dead_letter_replay(dead_letter_id=10**9, by=hook_app.owner),
        lambda: deliveries.dead_letter_delete(dead_letter_id=10**9, by=hook_app.owner),
    ):
        with pytest.raises(NotFoundError) as refused:
            attempt()
        assert _refusal(refused.value) == ("not_found", 404, "No such dead letter.", {})


def test_a_stranger_is_told_there_is_no_such_app(hook_app):
    _letter(hook_app)
    stranger = UserFactory()
    for attempt in (
        lambda: deliveries.dead_letters_replay(app=hook_app, by=stranger, all=True),
        lambda: deliveries.app_send_test_event(app=hook_app, by=stranger),
    ):
        with pytest.raises(NotFoundError) as refused:
            attempt()
        assert _refusal(refused.value) == ("not_found", 404, "No such app.", {})
    assert not DeadLetter.objects.filter(requeued_at__isnull=False).exists()


def test_a_replay_under_way_says_since_when_and_may_go_again_after_exactly_15_minutes(
    hook_app, django_capture_on_commit_callbacks
):
    letter = _letter(hook_app)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        with django_capture_on_commit_callbacks(execute=False):
            deliveries.dead_letter_replay(dead_letter_id=letter.pk, by=hook_app.owner)
        with pytest.raises(ApplicationError) as refused:
            deliveries.dead_letter_replay(dead_letter_id=letter.pk, by=hook_app.owner)
    assert _refusal(refused.value) == (
        "already_requeued",
        409,
        "This message is being sent again already.",
        {"requeued_at": start.isoformat()},
    )
    later = start + timedelta(minutes=15)
    with (
        time_machine.travel(later, tick=False),
        django_capture_on_commit_callbacks(execute=False) as callbacks,
    ):
        deliveries.dead_letter_replay(dead_letter_id=letter.pk, by=hook_app.owner)
    assert len(callbacks) == 1


def test_bulk_replay_of_ids_names_those_that_are_not_this_apps(hook_app):
    letter = _letter(hook_app)
    with pytest.raises(NotFoundError) as refused:
        deliveries.dead_letters_replay(app=hook_app, by=hook_app.owner, ids=[letter.pk, 10**9])
    assert _refusal(refused.value) == (
        "not_found",
        404,
        "Some ids are not dead letters of this app.",
        {"missing": [10**9]},
    )


def test_bulk_replay_of_ids_takes_as_many_as_allowed_and_leaves_the_others_alone(
    hook_app, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(deliveries, "BULK_REPLAY_MAX", 2)
    same_time = timezone.now() - timedelta(hours=1)
    first, second, other = (_letter(hook_app, n, failed_at=same_time) for n in (1, 2, 3))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = deliveries.dead_letters_replay(
            app=hook_app, by=hook_app.owner, ids=[second.pk, first.pk]
        )
    # Exactly the limit is allowed; letters that failed at the same time go in id order; the
    # app's other letters are not "remaining" (they were not asked for).
    assert (result.replayed, result.skipped, result.remaining) == ([first.pk, second.pk], [], 0)
    assert len(callbacks) == 2
    other.refresh_from_db()
    assert other.requeued_at is None


# --- the settled check ----------------------------------------------------------------------------


def test_a_success_wins_over_a_stale_dead_letter_which_goes(hook_app, httpserver):
    """A replay raced a late success of the first round: the message is delivered, so its dead
    letter (not being replayed any more) is deleted and nothing is sent."""
    app_server = script(httpserver, 200)
    WebhookDelivery.objects.create(
        app=hook_app,
        capability="notifications",
        event="room.completed",
        webhook_id="msg_both",
        attempt=2,
        outcome="success",
    )
    _letter(hook_app, webhook_id="msg_both")
    message = {
        "app_pk": hook_app.pk,
        "capability": "notifications",
        "event": "room.completed",
        "payload": {},
        "webhook_id": "msg_both",
        "attempt": 3,
        "last_attempt": 3,
    }
    assert deliveries.webhook_deliver(**message) == Step.ALREADY_DELIVERED
    assert not DeadLetter.objects.exists() and app_server.requests == []


def test_a_batch_asks_only_about_its_own_apps_and_messages(hook_app, httpserver):
    """Not every app, every success or every dead letter in the tables (they grow for 90
    days): the batch's reads name its ids."""
    script(httpserver, 200)
    message = {
        "app_pk": hook_app.pk,
        "capability": "notifications",
        "event": "room.completed",
        "payload": {},
        "webhook_id": "msg_own",
        "attempt": 1,
        "last_attempt": 3,
    }
    with CaptureQueriesContext(connection) as queries:
        deliveries.webhook_deliver(**message)
    [apps] = [q["sql"] for q in queries if 'FROM "events_app"' in q["sql"]]
    assert '"events_app"."id" IN' in apps
    [settled] = [q["sql"] for q in queries if "UNION" in q["sql"]]
    assert settled.count('"webhook_id" IN') == 2  # the successes and the dead letters


# --- what the doors' reads cost -------------------------------------------------------------------


def test_replaying_or_deleting_a_dead_letter_reads_it_with_its_app(
    hook_app, django_assert_num_queries, django_capture_on_commit_callbacks
):
    letter = _letter(hook_app)
    owner = hook_app.owner
    # The letter with its app (locked) and the requeue UPDATE, in the service's transaction (a
    # savepoint pair here, inside the test's); the manifest's retry block needs no query.
    with django_assert_num_queries(4), django_capture_on_commit_callbacks(execute=False):
        deliveries.dead_letter_replay(dead_letter_id=letter.pk, by=owner)
    other = _letter(hook_app, 2)
    # The letter with its app, and the DELETE (in its savepoint pair).
    with django_assert_num_queries(4):
        deliveries.dead_letter_delete(dead_letter_id=other.pk, by=owner)
