"""The quiz's WebSocket messages (SPEC-events §7, §8): ``quiz:start``, ``quiz:next_question``,
``quiz:answer {question_id, answer_index}``, ``quiz:end``, handed over by the room consumer
(events.consumers). The person is the consumer's connection (``consumer.user``), never a field
of the message. Rules live in events.services.quiz; this module only translates.

A message that works sends nothing back to its sender directly: everyone in the room (the
sender too) gets the resulting events (``quiz:status_changed``, ``quiz:question_shown``,
``quiz:answer_submitted``…). A refusal is an ``error {code, message}`` to the sender alone.
"""

from typing import Any

from channels.db import database_sync_to_async
from django.utils import timezone

from events.selectors_rooms import room_get
from events.services import quiz
from umbrella.errors import ApplicationError

QUIZ_MESSAGES = frozenset({"quiz:start", "quiz:next_question", "quiz:answer", "quiz:end"})

_CONTROLS = {
    "quiz:start": quiz.quiz_start,
    "quiz:next_question": quiz.quiz_next_question,
    "quiz:end": quiz.quiz_end,
}


def _run(user: Any, kind: str, data: dict[str, Any], received_at: Any) -> None:
    room = room_get(data.get("room_id"), user)
    if kind == "quiz:answer":
        quiz.quiz_answer(
            room=room,
            by=user,
            question_id=data.get("question_id"),
            answer_index=data.get("answer_index"),
            received_at=received_at,
        )
    else:
        _CONTROLS[kind](room=room, by=user)


async def handle(consumer: Any, kind: str, data: dict[str, Any]) -> None:
    """Answer one quiz message on ``consumer`` (``kind`` is one of :data:`QUIZ_MESSAGES`)."""
    received_at = timezone.now()  # the server's clock times the answer, before any waiting
    if not isinstance(data, dict):
        await consumer.send_error(
            "bad_request", "The message's data must be an object.", room_id=None
        )
        return
    if kind not in QUIZ_MESSAGES:
        await consumer.send_error(
            "unknown_type", f"Unknown message type {kind!r}.", room_id=data.get("room_id")
        )
        return
    try:
        # Not thread-sensitive: an answer waits for the app's quiz_validation webhook (up to 2 s);
        # on the process-wide single thread that Channels' default would use, every other
        # socket's answer, subscribe and replay would queue behind it (bench/quiz.py). The
        # services are safe to run side by side (tests/events/test_quiz_concurrency.py).
        await database_sync_to_async(_run, thread_sensitive=False)(
            consumer.user, kind, data, received_at
        )
    except ApplicationError as error:
        await consumer.send_error(error.code, error.message, room_id=data.get("room_id"))
