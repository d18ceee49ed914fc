"""Reads of a room's quiz (docs/rooms.md, "Quiz"): the leaderboard and the state a client needs
to draw the quiz (the open question, the closed ones with their correct index, the person's own
answers). Only **closed** questions count or show correctness: nothing here reveals the
correct answer to a question still open.
"""

from typing import Any

from django.db.models import Count, Q, Sum

from events.models import Participant, QuizAnswer, QuizRound, QuizRun, QuizStatus, Room
from events.services.quiz import moment, question_public, quiz_close_due


def quiz_leaderboard(*, room: Room) -> list[dict[str, Any]]:
    """Everyone who answered a closed question, best first: most correct answers, then the
    smallest total response time **of their correct answers**, then the earliest joiner
    (lowest participant id). ``rank`` is the 1-based position. Two queries."""
    closed = QuizRound.objects.filter(room=room, closed_at__isnull=False).values("question_id")
    rows = (
        QuizAnswer.objects.filter(room=room, question_id__in=closed)
        .values("participant_id")
        .annotate(
            answered=Count("id"),
            right=Count("id", filter=Q(correct=True)),
            total_response_ms=Sum("response_ms", filter=Q(correct=True), default=0),
            score=Sum("score", default=0.0),
        )
        .order_by("-right", "total_response_ms", "participant_id")
    )
    board = list(rows)
    people = {
        pk: (user_id, name)
        for pk, user_id, name in Participant.objects.filter(
            pk__in=[r["participant_id"] for r in board]
        ).values_list("pk", "user_id", "user__display_name")
    }
    return [
        {
            "rank": rank,
            "participant_id": row["participant_id"],
            "user_id": people[row["participant_id"]][0],
            "display_name": people[row["participant_id"]][1] or "",
            "correct": row["right"],
            "answered": row["answered"],
            "total_response_ms": row["total_response_ms"],
            "score": row["score"],
        }
        for rank, row in enumerate(board, start=1)
    ]


def _asked(run: QuizRun, index: int) -> dict[str, Any]:
    """Question ``index`` as the run copied it ({} if the copy lacks it)."""
    questions = run.questions or []
    return questions[index] if 0 <= index < len(questions) else {}


def quiz_state(
    *, room: Room, participant_id: int | None = None, close_due: bool = True
) -> dict[str, Any]:
    """The quiz as a client draws it (closing first a question whose time is up, unless
    ``close_due`` is false: a read-only snapshot): status, the open question (no correct
    index), the closed rounds with their correct index and winner, ``participant_id``'s own
    answers (correctness only for closed questions), and the leaderboard so far. The caller
    has checked that the person may read the room."""
    run = QuizRun.objects.filter(room=room).first()
    if close_due and quiz_close_due(room_id=room.pk, run=run):
        run = QuizRun.objects.filter(room=room).first()
    if run is None:
        return {
            "status": QuizStatus.IDLE,
            "question": None,
            "rounds": [],
            "my_answers": [],
            "leaderboard": [],
        }
    rounds = list(QuizRound.objects.filter(room=room).select_related("winner").order_by("index"))
    closed = {r.question_id for r in rounds if r.closed_at is not None}
    mine = []
    if participant_id is not None:
        for a in QuizAnswer.objects.filter(room=room, participant_id=participant_id):
            entry: dict[str, Any] = {
                "question_id": a.question_id,
                "answer_index": a.answer_index,
                "response_ms": a.response_ms,
            }
            if a.question_id in closed:
                entry["correct"] = a.correct
            mine.append(entry)
    return {
        "status": run.status,
        "question": question_public(run) if run.status == QuizStatus.QUESTION_OPEN else None,
        "rounds": [
            {
                "question_id": r.question_id,
                "index": r.index,
                # closed: the question is no secret any more (shown with its answer)
                "text": _asked(run, r.index).get("text", ""),
                "options": _asked(run, r.index).get("options", []),
                "opened_at": moment(r.opened_at),
                "closed_at": moment(r.closed_at),
                "correct_index": r.correct_index,
                "winner_participant_id": r.winner.participant_id if r.winner else None,
            }
            for r in rounds
            if r.closed_at is not None
        ],
        "my_answers": mine,
        "leaderboard": quiz_leaderboard(room=room),
    }
