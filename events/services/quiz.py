"""The quiz engine of a room (SPEC-events §4 ``quiz_validation``, §7 quiz events, §8 Quiz).

The organizer starts the quiz, shows the room's questions one by one and ends it; participants
answer. Every time is the **server's** clock: an answer is timed when the server received it,
and refused once the question's time is up. Correctness is the app's call (its
``quiz_validation`` webhook, 2 s); its verdicts are cached per room and question for five
minutes and decide when the app fails; with nothing cached the answer is refused (the
participant may answer again).

**The correct answer never reaches a participant before its question closes**: the question
event carries no correct index, the answer event no correctness, the round winner is computed
and announced only when the question closes (with the correct index). A question closes when
the organizer moves on or ends the quiz, or on time: a Celery task scheduled for
``settles_at`` (events.tasks_quiz) and, lazily, the next answer or read (:func:`quiz_close_due`).
Closing is idempotent (under the run's row lock, guarded by its status).

Lock order: the quiz run row, then the room row (:func:`events.realtime.publish`), then a
prize (:func:`quiz_award`). See docs/rooms.md, "Quiz".
"""

import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import User
from events import policy, realtime
from events.models import (
    Capability,
    Participant,
    ParticipantStatus,
    QuizAnswer,
    QuizJudge,
    QuizRound,
    QuizRun,
    QuizStatus,
    Room,
    RoomStatus,
    Winner,
    WinnerMethod,
)
from events.services import winners
from events.webhooks.calls import webhook_call, webhook_config
from umbrella.errors import ApplicationError

logger = logging.getLogger(__name__)

MIN_OPTIONS, MAX_OPTIONS = 2, 6
DEFAULT_TIME_LIMIT_S = 30
MAX_TIME_LIMIT_S = 3600
MAX_QUESTIONS = 200
QUESTION_ID_MAX = 100
# The app's verdicts for a question are remembered this long (SPEC-events §4: 5 min).
VERDICT_CACHE_SECONDS = 300
# How long after its time is up a question waits for answers still being judged (the app's
# quiz_validation timeout is added to this).
SETTLE_MARGIN = timedelta(milliseconds=500)
EVENT = "quiz.answer"  # the delivery rows' event name of a quiz_validation call


# --- the questions --------------------------------------------------------------------------


def _invalid(message: str, index: int | None = None) -> ApplicationError:
    path = "questions" if index is None else f"questions[{index}]"
    return ApplicationError(
        "quiz_invalid_settings",
        f"The room's quiz questions are not usable: {path} {message}.",
        details={"path": path},
    )


def quiz_questions(settings: Any) -> list[dict[str, Any]]:
    """The room settings' ``questions`` checked and normalised (ids as strings, the time limit
    defaulted): ``400 quiz_invalid_settings`` naming the first problem."""
    questions = settings.get("questions") if isinstance(settings, dict) else None
    if not isinstance(questions, list) or not questions:
        raise _invalid("must be a non-empty list")
    if len(questions) > MAX_QUESTIONS:
        raise _invalid(f"must have at most {MAX_QUESTIONS} questions")
    seen: set[str] = set()
    out = []
    for i, q in enumerate(questions):
        if not isinstance(q, dict):
            raise _invalid("must be an object", i)
        qid = q.get("id")
        if isinstance(qid, bool) or not isinstance(qid, str | int) or not str(qid).strip():
            raise _invalid("needs an id (a string or an integer)", i)
        qid = str(qid)
        if len(qid) > QUESTION_ID_MAX or qid in seen:
            raise _invalid("has an id that is too long or repeated", i)
        seen.add(qid)
        text, options = q.get("text"), q.get("options")
        if not isinstance(text, str) or not text.strip():
            raise _invalid("needs a text", i)
        if (
            not isinstance(options, list)
            or not MIN_OPTIONS <= len(options) <= MAX_OPTIONS
            or not all(isinstance(o, str) for o in options)
        ):
            raise _invalid(f"needs {MIN_OPTIONS} to {MAX_OPTIONS} options (texts)", i)
        correct = q.get("correct_index")
        if correct is not None and (
            isinstance(correct, bool)
            or not isinstance(correct, int)
            or not 0 <= correct < len(options)
        ):
            raise _invalid("has a correct_index that is not one of its options", i)
        limit = q.get("time_limit_s", DEFAULT_TIME_LIMIT_S)
        if isinstance(limit, bool) or not isinstance(limit, int | float):
            raise _invalid("has a time_limit_s that is not a number", i)
        if not 1 <= limit <= MAX_TIME_LIMIT_S:
            raise _invalid(f"has a time_limit_s outside 1 to {MAX_TIME_LIMIT_S}", i)
        out.append(
            {
                "id": qid,
                "text": text,
                "options": list(options),
                "correct_index": correct,
                "time_limit_s": limit,
            }
        )
    return out


def moment(value: datetime | None) -> str | None:
    """A server time as events carry it: ISO 8601, UTC, milliseconds (countdowns need them)."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def question_public(run: QuizRun) -> dict[str, Any]:
    """The open question as everyone may see it — **never** its correct index."""
    q = run.questions[run.question_index or 0]
    return {
        "question_id": q["id"],
        "index": run.question_index,
        "count": len(run.questions),
        "text": q["text"],
        "options": q["options"],
        "time_limit_s": q["time_limit_s"],
        "opened_at": moment(run.opened_at),
        "closes_at": moment(run.closes_at),
        # When the question closes at the latest (its time, then the judging grace): a client
        # that has not heard the close by then reads the state, which closes it (lazy close).
        "settles_at": moment(run.settles_at),
    }


# --- locking and the state machine ------------------------------------------------------------


def _lock_run(room: Room) -> QuizRun | None:
    """The room's quiz run, locked for the rest of the transaction."""
    return QuizRun.objects.select_for_update().filter(room=room).first()


def _share_run(room_id: int) -> QuizRun | None:
    """The room's quiz run under a ``FOR SHARE`` lock for the rest of the transaction: answers
    being saved hold it side by side, while a close (``FOR UPDATE``) waits for them all, and an
    answer arriving during a close waits for it and then reads the closed status. (SQLite: the
    plain read; it locks the whole database for a write anyway.)"""
    if connection.vendor != "postgresql":
        return QuizRun.objects.filter(room_id=room_id).first()
    table = QuizRun._meta.db_table
    rows = QuizRun.objects.raw(f"SELECT * FROM {table} WHERE room_id = %s FOR SHARE", [room_id])  # noqa: S608
    return next(iter(rows), None)


def _lock_or_create_run(room: Room) -> QuizRun:
    run = _lock_run(room)
    if run is None:
        try:
            with transaction.atomic():
                QuizRun.objects.create(room=room)
        except IntegrityError:  # made by a concurrent call: take its lock below
            pass
        run = QuizRun.objects.select_for_update().get(room=room)
    return run


def _status_event(run: QuizRun, old: str) -> tuple[str, dict[str, Any]]:
    return (
        "quiz:status_changed",
        {"old_status": old, "new_status": run.status, "question_id": run.question_id or None},
    )


def _running(run: QuizRun | None) -> QuizRun:
    """``run`` if the quiz is under way (started, not finished), else the refusal."""
    if run is None or run.status == QuizStatus.IDLE:
        raise ApplicationError("quiz_not_started", "The quiz has not started.", status=409)
    if run.status == QuizStatus.FINISHED:
        raise ApplicationError("quiz_finished", "The quiz is over.", status=409)
    return run


def _close(run: QuizRun, room: Room, now: datetime) -> list[tuple[str, dict[str, Any]]]:
    """Close the open question of ``run`` (locked): reveal its correct index, decide its round
    winner (the first correct answer by server receive time) and move to ``between``. Returns
    the events; the caller saves ``run`` and publishes them."""
    question = run.questions[run.question_index or 0]
    answers = QuizAnswer.objects.filter(room=room, question_id=run.question_id)
    winner = (
        answers.filter(correct=True)
        .select_related("participant")
        .order_by("received_at", "id")
        .first()
    )
    tally = answers.aggregate(answers=Count("id"), correct=Count("id", filter=Q(correct=True)))
    QuizRound.objects.filter(room=room, question_id=run.question_id).update(
        closed_at=now, correct_index=question["correct_index"], winner=winner
    )
    events: list[tuple[str, dict[str, Any]]] = [
        (
            "quiz:question_closed",
            {
                "question_id": run.question_id,
                "correct_index": question["correct_index"],
                "answers": tally["answers"],
                "correct_answers": tally["correct"],
                "winner_participant_id": winner.participant_id if winner else None,
            },
        )
    ]
    if winner is not None:
        events.append(
            (
                "quiz:round_winner",
                {
                    "question_id": run.question_id,
                    "participant_id": winner.participant_id,
                    "user_id": winner.participant.user_id,
                    "response_ms": winner.response_ms,
                },
            )
        )
    run.status = QuizStatus.BETWEEN
    events.append(_status_event(run, QuizStatus.QUESTION_OPEN))
    return events


def _close_task_on_commit(run: QuizRun, settles_at: datetime) -> None:
    from events.tasks_quiz import quiz_close_question_task

    room_id, question_id = run.room_id, run.question_id
    countdown = max(0.0, (settles_at - timezone.now()).total_seconds())

    def enqueue() -> None:
        try:
            quiz_close_question_task.apply_async(
                kwargs={"room_id": room_id, "question_id": question_id}, countdown=countdown
            )
        except Exception:  # a broker that is down: the lazy close still closes it
            logger.warning("quiz: could not schedule the close of a question", exc_info=True)

    transaction.on_commit(enqueue)


# --- the organizer's controls ---------------------------------------------------------------


@transaction.atomic
def quiz_start(*, room: Room, by: User) -> QuizRun:
    """Start the room's quiz (``idle`` → ``between``; the first question is shown by
    :func:`quiz_next_question`). The room must be active, its app must validate quiz answers
    and its settings hold usable questions. A room runs its quiz once."""
    policy.require(by, policy.QUIZ_CONTROL, room)
    if room.status != RoomStatus.ACTIVE:
        raise ApplicationError("room_not_active", "Start the quiz in an active room.", status=409)
    capabilities = (room.app_manifest_version.manifest or {}).get("capabilities") or []
    if Capability.QUIZ_VALIDATION not in capabilities:
        raise ApplicationError(
            "quiz_unsupported", "This room's app does not run quizzes.", status=409
        )
    questions = quiz_questions(room.app_settings)
    run = _lock_or_create_run(room)
    if run.status != QuizStatus.IDLE:
        raise ApplicationError("quiz_already_started", "The quiz has already started.", status=409)
    run.status = QuizStatus.BETWEEN
    run.questions = questions
    run.started_by = by
    run.started_at = timezone.now()
    run.save()
    realtime.publish(room, *_status_event(run, QuizStatus.IDLE))
    return run


@transaction.atomic
def quiz_next_question(*, room: Room, by: User) -> QuizRun:
    """Close the open question (if any) and show the next one: ``quiz:question_shown`` with its
    text, options, time limit and server closing time — never its correct index."""
    policy.require(by, policy.QUIZ_CONTROL, room)
    run = _running(_lock_run(room))
    index = 0 if run.question_index is None else run.question_index + 1
    if index >= len(run.questions):
        raise ApplicationError(
            "quiz_no_more_questions",
            "That was the last question: end the quiz.",
            status=409,
        )
    now = timezone.now()
    events = _close(run, room, now) if run.status == QuizStatus.QUESTION_OPEN else []
    question = run.questions[index]
    timeout_ms = 2000
    config = webhook_config(room.app, Capability.QUIZ_VALIDATION)
    if config is not None:
        timeout_ms = config.timeout_ms
    run.status = QuizStatus.QUESTION_OPEN
    run.question_index = index
    run.question_id = question["id"]
    run.opened_at = now
    run.closes_at = now + timedelta(seconds=question["time_limit_s"])
    settles_at = run.closes_at + timedelta(milliseconds=timeout_ms) + SETTLE_MARGIN
    run.settles_at = settles_at
    run.save()
    QuizRound.objects.create(
        room=room,
        question_id=run.question_id,
        index=index,
        opened_at=now,
        closes_at=run.closes_at,
    )
    events.append(_status_event(run, QuizStatus.BETWEEN))
    events.append(("quiz:question_shown", question_public(run)))
    realtime.publish_many(room, events)
    _close_task_on_commit(run, settles_at)
    return run


@transaction.atomic
def quiz_end(*, room: Room, by: User) -> QuizRun:
    """End the quiz (closing the open question): ``quiz:finished {leaderboard}``."""
    from events.selectors_quiz import quiz_leaderboard

    policy.require(by, policy.QUIZ_CONTROL, room)
    run = _running(_lock_run(room))
    now = timezone.now()
    events = _close(run, room, now) if run.status == QuizStatus.QUESTION_OPEN else []
    run.status = QuizStatus.FINISHED
    run.finished_at = now
    run.save()
    events.append(_status_event(run, QuizStatus.BETWEEN))
    events.append(("quiz:finished", {"leaderboard": quiz_leaderboard(room=room)}))
    realtime.publish_many(room, events)
    return run


def _is_due(run: QuizRun | None, now: datetime) -> bool:
    return bool(
        run is not None
        and run.status == QuizStatus.QUESTION_OPEN
        and run.settles_at is not None
        and run.settles_at <= now
    )


def quiz_close_due(
    *, room_id: int, question_id: str | None = None, run: QuizRun | None = None
) -> bool:
    """Close the room's open question if its time (``settles_at``) has passed — by the Celery
    task and lazily by answers and reads (which pass the ``run`` they read, unlocked).
    Idempotent: ``False`` when there was nothing to do."""
    now = timezone.now()
    due = QuizRun.objects.filter(
        room_id=room_id, status=QuizStatus.QUESTION_OPEN, settles_at__lte=now
    )
    if question_id is not None:
        due = due.filter(question_id=question_id)
    if run is not None:
        if not _is_due(run, now) or (question_id is not None and run.question_id != question_id):
            return False
    elif not due.exists():
        return False
    with transaction.atomic():
        run = due.select_for_update().first()
        if run is None:  # closed meanwhile by someone else
            return False
        room = Room.objects.get(pk=room_id)
        events = _close(run, room, now)
        run.save()
        realtime.publish_many(room, events)
    return True


# --- answers ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    correct: bool
    score: float
    judged_by: str


def _verdict_key(room_id: int, question_id: str, answer_index: int | str) -> str:
    # Question ids are the organizer's text: hashed, so any id makes a valid cache key.
    qid = hashlib.sha256(question_id.encode()).hexdigest()[:32]
    return f"events:quiz:{room_id}:{qid}:{answer_index}"


def _check_answer(answer: Any) -> None:
    if not isinstance(answer, dict) or not isinstance(answer.get("correct"), bool):
        raise ValueError("expected {correct: bool, score?: number}")
    score = answer.get("score")
    if score is not None and (isinstance(score, bool) or not isinstance(score, int | float)):
        raise ValueError("score must be a number")


def _judge(room: Room, question_id: str, answer_index: int) -> Verdict:
    """Ask the app; remember its verdict; on failure use what it said before (this index's
    verdict, or — one correct index per question — any index once the correct one is known);
    with nothing cached, ``503 quiz_validation_unavailable``."""
    result = webhook_call(
        app=room.app,
        capability=Capability.QUIZ_VALIDATION,
        event=EVENT,
        payload={"room_id": room.pk, "question_id": question_id, "answer": answer_index},
        answer_check=_check_answer,
    )
    if result.ok:
        correct = bool(result.answer["correct"])
        score = result.answer.get("score")
        verdict = Verdict(
            correct, float(score if score is not None else int(correct)), QuizJudge.APP
        )
        remembered: dict[str, Any] = {
            _verdict_key(room.pk, question_id, answer_index): [correct, verdict.score]
        }
        if correct:
            remembered[_verdict_key(room.pk, question_id, "correct")] = answer_index
        cache.set_many(remembered, VERDICT_CACHE_SECONDS)
        return verdict
    keys = [
        _verdict_key(room.pk, question_id, answer_index),
        _verdict_key(room.pk, question_id, "correct"),
    ]
    cached = cache.get_many(keys)
    if keys[0] in cached:
        was_correct, was_score = cached[keys[0]]
        return Verdict(bool(was_correct), float(was_score), QuizJudge.CACHE)
    if keys[1] in cached and cached[keys[1]] != answer_index:
        return Verdict(False, 0.0, QuizJudge.CACHE)
    raise ApplicationError(
        "quiz_validation_unavailable",
        "The quiz app could not check your answer right now; please answer again.",
        details={"outcome": result.outcome},
        status=503,
    )


def _answering_participant(room: Room, by: User) -> int:
    """``by``'s participant id in ``room`` if the policy lets them answer (one query: the row
    read here tells the policy the role)."""
    if by is None or not by.is_authenticated:
        policy.require(by, policy.QUIZ_ANSWER, room)  # refuses: sign in / not found
    row = (
        Participant.objects.live()
        .filter(room=room, user_id=by.pk, status=ParticipantStatus.ACTIVE)
        .values_list("pk", "role")
        .first()
    )
    policy.remember_role(room, by.pk, row[1] if row else None)
    policy.require(by, policy.QUIZ_ANSWER, room)
    if row is None:  # unreachable: the policy admits members only
        raise ApplicationError("forbidden", "Only participants answer the quiz.", status=403)
    return int(row[0])


def _question_closed() -> ApplicationError:
    return ApplicationError(
        "question_closed", "This question is closed: answers are no longer taken.", status=409
    )


def _check_open(run: QuizRun | None, question_id: str) -> QuizRun:
    if run is None or run.status != QuizStatus.QUESTION_OPEN:
        if run is None or run.status == QuizStatus.IDLE:
            raise ApplicationError("quiz_not_started", "The quiz has not started.", status=409)
        raise _question_closed()
    if run.question_id != question_id:
        raise ApplicationError(
            "question_not_open",
            "That is not the question now open.",
            details={"question_id": [question_id]},
            status=409,
        )
    return run


def _response_ms(run: QuizRun, received: datetime) -> int:
    opened = run.opened_at or received
    return max(0, round((received - opened).total_seconds() * 1000))


def _already() -> ApplicationError:
    return ApplicationError("already_answered", "You already answered this question.", status=409)


def quiz_answer(
    *,
    room: Room,
    by: User,
    question_id: Any,
    answer_index: Any,
    received_at: datetime | None = None,
) -> QuizAnswer:
    """``by`` (a participant) answers the open question. ``received_at`` is when the server got
    the message (now if not given; never later than now). One answer per question; refused once
    the question's time is up by the server clock (``409 question_closed``). The app judges it
    (outside any transaction). Nothing is published: the caller acknowledges the answerer
    (:func:`answer_ack`) and announces the count to the room, coalesced
    (:func:`quiz_answers_announce`, from events.live_quiz) — one room event per answer was a
    fan-out of N x N messages for N answerers (docs/decisions/quiz-answer-ack.md).
    """
    now = timezone.now()
    received = min(received_at or now, now)
    participant_id = _answering_participant(room, by)
    if isinstance(question_id, bool) or not isinstance(question_id, str | int):
        raise ApplicationError(
            "validation_error",
            "question_id is required.",
            details={"question_id": ["This field is required."]},
            field="question_id",
        )
    question_id = str(question_id)
    run = QuizRun.objects.filter(room=room).first()
    if quiz_close_due(room_id=room.pk, run=run):  # a question whose time is up closes first
        run = QuizRun.objects.filter(room=room).first()
    run = _check_open(run, question_id)
    if run.closes_at is None or received >= run.closes_at:
        raise _question_closed()
    options = run.questions[run.question_index or 0]["options"]
    if (
        isinstance(answer_index, bool)
        or not isinstance(answer_index, int)
        or not 0 <= answer_index < len(options)
    ):
        raise ApplicationError(
            "invalid_answer",
            f"answer_index must be an option of the question (0 to {len(options) - 1}).",
            field="answer_index",
        )
    answers = QuizAnswer.objects.filter(room=room, question_id=question_id)
    if answers.filter(participant_id=participant_id).exists():
        raise _already()
    verdict = _judge(room, question_id, answer_index)
    with transaction.atomic():
        # Shared, not exclusive: answers save side by side; a close waits for them (and counts
        # them) or comes first (and they are refused question_closed).
        run = _check_open(_share_run(room.pk), question_id)
        try:
            with transaction.atomic():
                answer = QuizAnswer.objects.create(
                    room=room,
                    question_id=question_id,
                    participant_id=participant_id,
                    answer_index=answer_index,
                    received_at=received,
                    response_ms=_response_ms(run, received),
                    correct=verdict.correct,
                    score=verdict.score,
                    judged_by=verdict.judged_by,
                )
        except IntegrityError:
            raise _already() from None
    return answer


def quiz_answers_announce(*, room_id: int, question_id: str) -> int | None:
    """``quiz:answer_submitted {question_id, answers}``: how many answers the open question has
    so far, told to the room — no option, no correctness, nobody named. Nothing when the
    question is no longer open (its close tells the final count). Returns the count announced.
    Called at most every :data:`events.live_quiz.ANNOUNCE_EVERY` per question, after answers
    (coalesced)."""
    with transaction.atomic():
        run = _share_run(room_id)  # a close in progress finishes first; then nothing to say
        if run is None or run.status != QuizStatus.QUESTION_OPEN or run.question_id != question_id:
            return None
        # The room row first (it numbers the event): counts follow the events' order, so a
        # later count is never smaller, whichever window's announcement commits first.
        # (NO KEY: answers being saved hold the row KEY SHARE, by their foreign key, and go on.)
        room = Room.objects.select_for_update(no_key=True).get(pk=room_id)
        count = QuizAnswer.objects.filter(room_id=room_id, question_id=question_id).count()
        realtime.publish(
            room, "quiz:answer_submitted", {"question_id": question_id, "answers": count}
        )
    return count


def answer_ack(answer: QuizAnswer) -> dict[str, Any]:
    """What the answerer alone is told once the answer is saved (``quiz:answer_ack``): its own
    option, received, and when — never whether it was right."""
    return {
        "question_id": answer.question_id,
        "answer_index": answer.answer_index,
        "received_at": moment(answer.received_at),
        "response_ms": answer.response_ms,
    }


# --- prizes for the top places ------------------------------------------------------------------


@transaction.atomic
def quiz_award(*, room: Room, by: User, prize_id: Any, places: Any) -> list[Winner]:
    """Give one unit of ``prize_id`` to each of the top ``places`` of the finished quiz's
    leaderboard (participants still eligible, with at least one correct answer), as a
    ``manual`` award by ``by`` (metadata: rank, correct answers, total response time)."""
    from events.selectors_quiz import quiz_leaderboard

    policy.require(by, policy.WINNERS_DRAW, room)
    if isinstance(places, bool) or not isinstance(places, int) or not 1 <= places <= 100:
        raise ApplicationError(
            "validation_error",
            "places must be 1 to 100.",
            details={"places": ["1 to 100."]},
            field="places",
        )
    run = QuizRun.objects.filter(room=room).first()
    if run is None or run.status != QuizStatus.FINISHED:
        raise ApplicationError(
            "quiz_not_finished", "Award quiz prizes once the quiz is over.", status=409
        )
    prize = winners.lock_prize(room, prize_id)
    board = [row for row in quiz_leaderboard(room=room) if row["correct"] > 0]
    eligible = winners.eligible_ids(room, [row["participant_id"] for row in board])
    top = [row for row in board if row["participant_id"] in eligible][:places]
    if not top:
        raise ApplicationError(
            "no_quiz_winners", "Nobody eligible answered a question correctly.", status=409
        )
    return winners.winners_award(
        room=room,
        prize=prize,
        participant_ids=[row["participant_id"] for row in top],
        method=WinnerMethod.MANUAL,
        by=by,
        metadata=[
            {
                "source": "quiz",
                "quiz_rank": row["rank"],
                "correct": row["correct"],
                "total_response_ms": row["total_response_ms"],
            }
            for row in top
        ],
        checked_eligible=True,
    )
