"""Races on PostgreSQL (threads released together, tests/concurrency.py): copies of a message's
last attempt dying at once make one dead letter, told once; replays at once requeue once."""

import pytest

from accounts.models import Notification
from events.models import App, DeadLetter
from events.services import deliveries
from events.tasks import webhook_deliver_task
from tests.concurrency import run_together
from tests.events.factories import AppFactory
from umbrella.errors import ApplicationError

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_duplicate_last_attempts_make_exactly_one_dead_letter():
    app = AppFactory()

    def die() -> bool:
        return deliveries.dead_letter_record(
            app=App.objects.get(pk=app.pk),
            capability="notifications",
            event="room.completed",
            payload={"room_id": 7},
            webhook_id="msg_race",
            attempts=3,
            error="HTTP 500",
        )

    results = run_together(die, 8)
    assert sorted(results, key=str) == [False] * 7 + [True], results
    assert DeadLetter.objects.filter(webhook_id="msg_race").count() == 1
    assert Notification.objects.filter(user=app.owner, verb="app.dead_letter").count() == 1


def test_replays_at_once_requeue_the_message_once(monkeypatch):
    sent: list[dict] = []  # the broker's side (as tests/umbrella/test_worker.py does)
    monkeypatch.setattr(webhook_deliver_task, "apply_async", lambda **kw: sent.append(kw))
    app = AppFactory()
    letter = DeadLetter.objects.create(
        app=app, capability="notifications", event="e.v", webhook_id="msg_r", payload={}
    )

    def replay() -> str:
        try:
            deliveries.dead_letter_replay(dead_letter_id=letter.pk, by=app.owner)
        except ApplicationError as error:
            return error.code
        return "requeued"

    results = run_together(replay, 6)
    assert sorted(results) == ["already_requeued"] * 5 + ["requeued"], results
    assert [kw["kwargs"]["webhook_id"] for kw in sent] == ["msg_r"]
