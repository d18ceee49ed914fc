"""The quiz's WebSocket messages (SPEC-events §7, §8): ``quiz:start``, ``quiz:next_question``,
``quiz:answer {question_id, answer_index}``, ``quiz:end``, handed over by the room consumer
(events.consumers). The person is the consumer's connection (``consumer.user``), never a field
of the message. Rules live in events.services.quiz; this module only translates, and paces
the answers' announcements.

A control that works sends nothing back to its sender directly: everyone in the room (the
sender too) gets the resulting events (``quiz:status_changed``, ``quiz:question_shown``…). An
answer that is saved is acknowledged **to its sender at once**, ``quiz:answer_ack {question_id,
answer_index, received_at, response_ms}`` (no correctness; not a room event: not logged, no
``seq`` of its own), and the room hears how many answers the question has so far,
``quiz:answer_submitted {question_id, answers}``, **at most every** :data:`ANNOUNCE_EVERY`
(the last answer of a burst is counted at the end of its window). A refusal is an
``error {code, message}`` to the sender alone. Why: docs/decisions/quiz-answer-ack.md.

The blocking work (the services: database, the app's ``quiz_validation`` webhook) runs on a
pool of ``settings.WS_THREADS`` threads, not on Channels' single thread for sync code.
"""

import asyncio
import hashlib
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings
from django.core.cache import cache as shared_cache
from django.utils import timezone

from events.models import QuizAnswer
from events.selectors_rooms import room_get
from events.services import quiz
from umbrella.errors import ApplicationError

logger = logging.getLogger(__name__)

QUIZ_MESSAGES = frozenset({"quiz:start", "quiz:next_question", "quiz:answer", "quiz:end"})
# Seconds: a room hears a question's answer count at most this often (per question, across
# every ws process: the window's first answer claims it in the shared cache).
ANNOUNCE_EVERY = 0.25

_CONTROLS = {
    "quiz:start": quiz.quiz_start,
    "quiz:next_question": quiz.quiz_next_question,
    "quiz:end": quiz.quiz_end,
}
# The announcements waiting for the end of their window (kept: a task nobody holds may be
# collected before it runs).
_announcing: set["asyncio.Task[None]"] = set()


@cache
def _threads() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=settings.WS_THREADS, thread_name_prefix="ws-quiz")


def _blocking(func: Any) -> Any:
    """``func`` run on the quiz's thread pool, database connections tidied around it. Not
    Channels' thread-sensitive single thread: an answer waits for the app's webhook (up to
    2 s), and every other socket's answer would queue behind it (bench/quiz.py). The services
    are safe side by side (tests/events/test_quiz_concurrency.py)."""
    return database_sync_to_async(func, thread_sensitive=False, executor=_threads())


def _window_claimed(room_id: int, question_id: str, now: float) -> float | None:
    """The end of the current announcement window if this call claims it (the first answer of
    the window, in any process), else ``None`` (its announcement is already due)."""
    window = int(now / ANNOUNCE_EVERY)
    question = hashlib.sha256(question_id.encode()).hexdigest()[:32]  # any id makes a valid key
    key = f"events:quiz:announce:{room_id}:{question}:{window}"
    claimed = shared_cache.add(key, 1, timeout=5)
    return (window + 1) * ANNOUNCE_EVERY if claimed else None


def _run(user: Any, kind: str, data: dict[str, Any], received_at: Any) -> Any:
    room = room_get(data.get("room_id"), user)
    if kind == "quiz:answer":
        answer = quiz.quiz_answer(
            room=room,
            by=user,
            question_id=data.get("question_id"),
            answer_index=data.get("answer_index"),
            received_at=received_at,
        )
        # Claimed after the answer committed: the window's announcement counts from the
        # database at the window's end, so it includes this answer.
        return answer, _window_claimed(room.pk, answer.question_id, time.time())
    _CONTROLS[kind](room=room, by=user)
    return None


async def _wait_until(at: float) -> None:
    await asyncio.sleep(max(0.0, at - time.time()))


async def _announce_at(at: float, room_id: int, question_id: str) -> None:
    await _wait_until(at)
    try:
        await _blocking(quiz.quiz_answers_announce)(room_id=room_id, question_id=question_id)
    except Exception:  # the close still tells the count
        logger.warning("quiz: could not announce the answer count", exc_info=True)


def announcing() -> set["asyncio.Task[None]"]:
    """The announcements still waiting for their window's end (tests wait for them)."""
    return set(_announcing)


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
        done = await _blocking(_run)(consumer.user, kind, data, received_at)
    except ApplicationError as error:
        await consumer.send_error(error.code, error.message, room_id=data.get("room_id"))
        return
    if done is None:
        return
    answer: QuizAnswer = done[0]
    announce_at: float | None = done[1]
    await consumer.send_message("quiz:answer_ack", quiz.answer_ack(answer), answer.room_id)
    if announce_at is not None:
        task = asyncio.create_task(_announce_at(announce_at, answer.room_id, answer.question_id))
        _announcing.add(task)
        task.add_done_callback(_announcing.discard)
