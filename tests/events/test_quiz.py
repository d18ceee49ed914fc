"""The quiz engine (events.services.quiz) against a real local quiz app and the server clock
(time-machine): a full quiz, first correct answer wins, ties by total response time, late,
double and non-participant answers refused, the app down with and without cached verdicts,
closing on time (task and lazy), prizes for the top places, the WebSocket translation, and the
correct answer never sent before its question closes."""

import asyncio
import json
import time
from datetime import timedelta
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from events import live_quiz
from events.manifest import manifest_errors
from events.models import (
    QuizAnswer,
    QuizRound,
    QuizRun,
    QuizStatus,
    Role,
    Room,
    RoomEvent,
    Winner,
    WinnerMethod,
)
from events.selectors_quiz import quiz_leaderboard, quiz_state
from events.services import quiz
from events.tasks_quiz import quiz_close_question_task
from tests.accounts.factories import UserFactory
from tests.events.appserver import answer
from tests.events.factories import ParticipantFactory, PrizeFactory, RoomFactory
from tests.events.quizkit import CORRECT, QUESTIONS, QUIZ_HOOK, quiz_manifest, quiz_room
from umbrella.errors import ApplicationError

pytestmark = pytest.mark.django_db
SECOND = timedelta(seconds=1)


def players(room, n=3):
    return [ParticipantFactory(room=room) for _ in range(n)]


def refused(call, *args: Any, **kw: Any) -> ApplicationError:
    with pytest.raises(ApplicationError) as error:
        call(*args, **kw)
    return error.value


def events(room, *types: str) -> list[RoomEvent]:
    rows = RoomEvent.objects.filter(room=room, type__startswith="quiz:").order_by("seq")
    return [e for e in rows if not types or e.type in types]


def keys_in(value: Any) -> set[str]:
    """Every key of a JSON value, at any depth."""
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys_in(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys_in(v)}
    return set()


def answer_it(room, participant, index, **kw):
    qid = kw.pop("question_id", None) or QuizRun.objects.get(room=room).question_id
    return quiz.quiz_answer(
        room=room, by=participant.user, question_id=qid, answer_index=index, **kw
    )


# --- the manifest ------------------------------------------------------------------------------


def test_the_quiz_manifest_is_valid_and_hides_the_correct_index():
    data = quiz_manifest("http://127.0.0.1:9")
    assert manifest_errors(data) == []
    item = data["settings"]["properties"]["questions"]["items"]["properties"]
    assert item["correct_index"]["writeOnly"] is True


# --- a whole quiz -------------------------------------------------------------------------------


def test_a_full_quiz_times_answers_closes_questions_and_ranks_the_players(server, clock):
    room = quiz_room(server)
    organizer = room.created_by
    a, b, c = players(room)

    quiz.quiz_start(room=room, by=organizer)
    run = quiz.quiz_next_question(room=room, by=organizer)
    assert run.status == QuizStatus.QUESTION_OPEN and run.question_id == "q1"
    assert run.closes_at - run.opened_at == 10 * SECOND
    clock.shift(2 * SECOND)
    got = answer_it(room, a, 1)  # right, 2 s
    clock.shift(SECOND)
    answer_it(room, b, 1)  # right, 3 s
    answer_it(room, c, 0)  # wrong
    assert got.response_ms == 2000 and quiz.answer_ack(got).keys() == {
        "question_id", "answer_index", "received_at", "response_ms"}  # fmt: skip
    # The room hears the count, not who answered what (coalesced by events.live_quiz).
    assert quiz.quiz_answers_announce(room_id=room.pk, question_id="q1") == 3
    [told] = events(room, "quiz:answer_submitted")
    assert told.data.keys() == {"question_id", "answers", "room_id", "timestamp"}
    assert (told.data["question_id"], told.data["answers"]) == ("q1", 3)
    # The app got exactly the body docs/apps.md fixes, signed (judging() checked it).
    bodies = [json.loads(r.body) for r in server.hits(QUIZ_HOOK)]
    assert bodies[0] == {"room_id": room.pk, "question_id": "q1", "answer": 1}
    assert len(bodies) == 3

    quiz.quiz_next_question(room=room, by=organizer)  # closes q1, shows q2
    first = QuizRound.objects.get(room=room, question_id="q1")
    assert first.closed_at is not None and first.correct_index == 1
    assert first.winner.participant_id == a.pk
    clock.shift(SECOND)
    answer_it(room, c, 0)  # right, 1 s
    answer_it(room, b, 0)  # right, 1 s, after c (same clock instant, later id)
    answer_it(room, a, 1)  # wrong
    assert quiz.quiz_answers_announce(room_id=room.pk, question_id="q1") is None  # closed
    assert quiz.quiz_answers_announce(room_id=room.pk, question_id="q2") == 3

    finished = quiz.quiz_end(room=room, by=organizer)
    assert finished.status == QuizStatus.FINISHED

    types = [e.type for e in events(room)]
    assert types == [
        "quiz:status_changed",  # idle → between
        "quiz:status_changed",  # between → question_open
        "quiz:question_shown",
        "quiz:answer_submitted",  # 3 answers
        "quiz:question_closed",
        "quiz:round_winner",
        "quiz:status_changed",  # question_open → between
        "quiz:status_changed",  # between → question_open
        "quiz:question_shown",
        "quiz:answer_submitted",  # 3 answers
        "quiz:question_closed",
        "quiz:round_winner",
        "quiz:status_changed",  # question_open → between
        "quiz:status_changed",  # between → finished
        "quiz:finished",
    ]
    statuses = [(e.data["old_status"], e.data["new_status"])
                for e in events(room, "quiz:status_changed")]  # fmt: skip
    assert statuses == [("idle", "between"), ("between", "question_open"),
                        ("question_open", "between"), ("between", "question_open"),
                        ("question_open", "between"), ("between", "finished")]  # fmt: skip
    winners = [e.data for e in events(room, "quiz:round_winner")]
    assert [(w["question_id"], w["participant_id"]) for w in winners] == [
        ("q1", a.pk), ("q2", c.pk)]  # fmt: skip
    [done] = events(room, "quiz:finished")
    board = done.data["leaderboard"]
    # b: 2 right in 3 s + 1 s = 4000 ms; a: 1 right in 2000 ms; c: 1 right in 1000 ms.
    assert [(r["participant_id"], r["correct"], r["total_response_ms"]) for r in board] == [
        (b.pk, 2, 4000), (c.pk, 1, 1000), (a.pk, 1, 2000)]  # fmt: skip
    assert [r["rank"] for r in board] == [1, 2, 3]
    assert board[0]["score"] == 20 and board[0]["answered"] == 2
    # q3 was never shown: nothing about it anywhere.
    assert not QuizRound.objects.filter(question_id="q3").exists()


def test_the_first_correct_answer_by_server_receive_time_wins_the_round(server, clock):
    room = quiz_room(server)
    a, b, c = players(room)
    quiz.quiz_start(room=room, by=room.created_by)
    run = quiz.quiz_next_question(room=room, by=room.created_by)
    opened = run.opened_at
    clock.shift(5 * SECOND)
    # Judged in this order, but received in another: b at 3 s, c at 1 s (wrong), a at 4 s.
    answer_it(room, a, 1, received_at=opened + 4 * SECOND)
    answer_it(room, b, 1, received_at=opened + 3 * SECOND)
    answer_it(room, c, 2, received_at=opened + 1 * SECOND)
    quiz.quiz_end(room=room, by=room.created_by)
    [winner] = events(room, "quiz:round_winner")
    assert winner.data["participant_id"] == b.pk and winner.data["response_ms"] == 3000
    assert QuizRound.objects.get(room=room).winner.participant_id == b.pk
    # A receive time in the future is the present.
    assert QuizAnswer.objects.get(participant=a).response_ms == 4000


def test_a_round_nobody_gets_right_has_no_winner(server, clock):
    room = quiz_room(server)
    [a] = players(room, 1)
    quiz.quiz_start(room=room, by=room.created_by)
    quiz.quiz_next_question(room=room, by=room.created_by)
    answer_it(room, a, 0)
    quiz.quiz_end(room=room, by=room.created_by)
    [closed] = events(room, "quiz:question_closed")
    assert closed.data["winner_participant_id"] is None and closed.data["correct_answers"] == 0
    assert events(room, "quiz:round_winner") == []
    [row] = quiz_leaderboard(room=room)
    assert row["correct"] == 0 and row["total_response_ms"] == 0


def test_ties_in_correct_answers_go_to_the_smaller_total_response_time(server, clock):
    room = quiz_room(server)
    a, b, c, d = players(room, 4)
    organizer = room.created_by
    quiz.quiz_start(room=room, by=organizer)
    quiz.quiz_next_question(room=room, by=organizer)
    clock.shift(SECOND)
    answer_it(room, b, 1)  # b: 1000
    clock.shift(SECOND)
    answer_it(room, a, 1)  # a: 2000
    answer_it(room, d, 0)  # d: wrong
    quiz.quiz_next_question(room=room, by=organizer)
    clock.shift(SECOND)
    answer_it(room, a, 0)  # a: 2000 + 1000 = 3000
    clock.shift(3 * SECOND)
    answer_it(room, b, 0)  # b: 1000 + 4000 = 5000
    answer_it(room, c, 1)  # c: wrong
    clock.shift(SECOND)
    answer_it(room, d, 0)  # d: 1 right, 5000
    quiz.quiz_end(room=room, by=organizer)
    board = [(r["participant_id"], r["correct"], r["total_response_ms"])
             for r in quiz_leaderboard(room=room)]  # fmt: skip
    assert board == [(a.pk, 2, 3000), (b.pk, 2, 5000), (d.pk, 1, 5000), (c.pk, 0, 0)]


# --- refusals ----------------------------------------------------------------------------------


def test_late_answers_are_refused_by_the_server_clock(server, clock):
    room = quiz_room(server)
    a, b, c = players(room)
    quiz.quiz_start(room=room, by=room.created_by)
    run = quiz.quiz_next_question(room=room, by=room.created_by)
    clock.shift(10 * SECOND - timedelta(milliseconds=1))
    answer_it(room, a, 1)  # the last millisecond: in time
    clock.shift(timedelta(milliseconds=1))
    assert refused(answer_it, room, b, 1).code == "question_closed"  # at closes_at: late
    # Received in time but handed over late (a slow socket): still in time.
    answer_it(room, c, 1, received_at=run.closes_at - SECOND)
    assert QuizAnswer.objects.filter(room=room).count() == 2
    assert len(server.hits(QUIZ_HOOK)) == 2  # the late one never reached the app
    # Past the judging grace the question closes at the next answer, lazily.
    clock.shift(5 * SECOND)
    error = refused(answer_it, room, b, 1, question_id="q1")
    assert error.code == "question_closed"
    assert QuizRun.objects.get(room=room).status == QuizStatus.BETWEEN
    assert len(events(room, "quiz:question_closed")) == 1


def test_a_second_answer_to_a_question_is_refused(server, clock):
    room = quiz_room(server)
    [a] = players(room, 1)
    quiz.quiz_start(room=room, by=room.created_by)
    quiz.quiz_next_question(room=room, by=room.created_by)
    answer_it(room, a, 0)
    error = refused(answer_it, room, a, 1)
    assert error.code == "already_answered" and error.status_code == 409
    assert list(QuizAnswer.objects.values_list("answer_index", flat=True)) == [0]
    assert len(server.hits(QUIZ_HOOK)) == 1
    assert events(room, "quiz:answer_submitted") == []  # answering publishes nothing itself
    assert quiz.quiz_answers_announce(room_id=room.pk, question_id="q1") == 1


def test_only_participants_answer_and_only_organizers_run_the_quiz(server, clock):
    room = quiz_room(server)
    [a] = players(room, 1)
    moderator = ParticipantFactory(room=room, role=Role.MODERATOR)
    viewer = ParticipantFactory(room=room, role=Role.VIEWER)
    outsider = UserFactory()
    for who in (a.user, moderator.user, viewer.user, outsider):
        assert refused(quiz.quiz_start, room=room, by=who).code == "forbidden"
    quiz.quiz_start(room=room, by=room.created_by)
    quiz.quiz_next_question(room=room, by=room.created_by)
    for who in (room.created_by, moderator.user, viewer.user, outsider):
        error = refused(quiz.quiz_answer, room=room, by=who, question_id="q1", answer_index=1)
        assert error.code == "forbidden" and error.status_code == 403
    for nobody in (AnonymousUser(), None):
        error = refused(quiz.quiz_answer, room=room, by=nobody, question_id="q1", answer_index=1)
        assert error.code == "not_authenticated" and error.status_code == 401
    left = ParticipantFactory(room=room, deleted_at=timezone.now())
    assert refused(answer_it, room, left, 1).code == "forbidden"
    private = quiz_room(server, is_public=False)
    quiz.quiz_start(room=private, by=private.created_by)
    quiz.quiz_next_question(room=private, by=private.created_by)
    error = refused(quiz.quiz_answer, room=private, by=outsider, question_id="q1", answer_index=1)
    assert error.code == "not_found"
    assert not QuizAnswer.objects.exists() and server.hits(QUIZ_HOOK) == []
    assert events(room, "quiz:answer_submitted") == []


def test_bad_answers_and_wrong_questions_are_refused(server, clock):
    room = quiz_room(server)
    [a] = players(room, 1)
    assert refused(answer_it, room, a, 1, question_id="q1").code == "quiz_not_started"
    quiz.quiz_start(room=room, by=room.created_by)
    assert refused(answer_it, room, a, 1, question_id="q1").code == "question_closed"
    quiz.quiz_next_question(room=room, by=room.created_by)
    for index in (3, -1, True, "1", None):
        assert refused(answer_it, room, a, index).code == "invalid_answer"
    assert refused(answer_it, room, a, 1, question_id="q2").code == "question_not_open"
    assert refused(answer_it, room, a, 1, question_id=["q1"]).code == "validation_error"
    assert not QuizAnswer.objects.exists() and server.hits(QUIZ_HOOK) == []


def test_the_controls_follow_the_quiz_state(server, clock):
    room = quiz_room(server, app_settings={"questions": QUESTIONS[:1]})
    organizer = room.created_by
    assert refused(quiz.quiz_next_question, room=room, by=organizer).code == "quiz_not_started"
    assert refused(quiz.quiz_end, room=room, by=organizer).code == "quiz_not_started"
    quiz.quiz_start(room=room, by=organizer)
    assert refused(quiz.quiz_start, room=room, by=organizer).code == "quiz_already_started"
    quiz.quiz_next_question(room=room, by=organizer)
    error = refused(quiz.quiz_next_question, room=room, by=organizer)
    assert error.code == "quiz_no_more_questions"
    assert QuizRun.objects.get(room=room).status == QuizStatus.QUESTION_OPEN  # nothing changed
    quiz.quiz_end(room=room, by=organizer)
    assert refused(quiz.quiz_end, room=room, by=organizer).code == "quiz_finished"
    assert refused(quiz.quiz_next_question, room=room, by=organizer).code == "quiz_finished"
    assert refused(quiz.quiz_start, room=room, by=organizer).code == "quiz_already_started"


@pytest.mark.parametrize(
    ("app_settings", "path"),
    [
        ({}, "questions"),
        ({"questions": []}, "questions"),
        ({"questions": [{**QUESTIONS[0], "options": ["only one"]}]}, "questions[0]"),
        ({"questions": [{**QUESTIONS[0], "options": list("abcdefg")}]}, "questions[0]"),
        ({"questions": [QUESTIONS[0], {**QUESTIONS[1], "id": "q1"}]}, "questions[1]"),
        ({"questions": [{**QUESTIONS[0], "correct_index": 3}]}, "questions[0]"),
        ({"questions": [{**QUESTIONS[0], "time_limit_s": 0}]}, "questions[0]"),
        ({"questions": [{**QUESTIONS[0], "text": ""}]}, "questions[0]"),
    ],
)
def test_unusable_questions_refuse_the_start(server, app_settings, path):
    room = quiz_room(server, app_settings=app_settings)
    error = refused(quiz.quiz_start, room=room, by=room.created_by)
    assert error.code == "quiz_invalid_settings" and error.details == {"path": path}
    assert not QuizRun.objects.filter(room=room, status=QuizStatus.BETWEEN).exists()


def test_a_room_must_be_active_and_its_app_must_judge_quizzes(server):
    draft = RoomFactory(app_settings={"questions": QUESTIONS})
    assert refused(quiz.quiz_start, room=draft, by=draft.created_by).code == "room_not_active"
    lottery = quiz_room(server)
    lottery.app_manifest_version.manifest = {**lottery.app_manifest_version.manifest,
                                             "capabilities": ["winner_selection"]}  # fmt: skip
    error = refused(quiz.quiz_start, room=lottery, by=lottery.created_by)
    assert error.code == "quiz_unsupported"


# --- the app fails -----------------------------------------------------------------------------


def test_the_app_down_with_nothing_cached_refuses_the_answer_clearly(server, clock):
    room = quiz_room(server)
    [a] = players(room, 1)
    quiz.quiz_start(room=room, by=room.created_by)
    quiz.quiz_next_question(room=room, by=room.created_by)
    good = server.routes[QUIZ_HOOK]
    for failure in (answer(500, {}), answer(200, {"correct": "yes"})):
        server.route(QUIZ_HOOK, failure)
        error = refused(answer_it, room, a, 1)
        assert error.code == "quiz_validation_unavailable" and error.status_code == 503
        assert "answer again" in error.message
    assert not QuizAnswer.objects.exists() and events(room, "quiz:answer_submitted") == []
    server.route(QUIZ_HOOK, good)  # back: the participant answers again
    assert answer_it(room, a, 1).judged_by == "app"


def test_the_app_down_judges_from_its_cached_verdicts(server, clock):
    room = quiz_room(server)
    a, b, c, d = players(room, 4)
    quiz.quiz_start(room=room, by=room.created_by)
    quiz.quiz_next_question(room=room, by=room.created_by)
    answer_it(room, a, 1)  # the app says right: the correct index of q1 is now known
    answer_it(room, b, 0)  # the app says wrong
    server.route(QUIZ_HOOK, answer(503, {}))
    clock.shift(SECOND)
    c_answer = answer_it(room, c, 1)  # judged from the cache
    d_answer = answer_it(room, d, 2)  # never asked, but not the known correct index: wrong
    assert (c_answer.correct, c_answer.score, c_answer.judged_by) == (True, 10.0, "cache")
    assert (d_answer.correct, d_answer.judged_by) == (False, "cache")
    assert len(server.hits(QUIZ_HOOK)) == 4  # the app was asked every time first
    # The cache is per room and question: q2 has nothing cached yet.
    quiz.quiz_next_question(room=room, by=room.created_by)
    assert refused(answer_it, room, a, 0).code == "quiz_validation_unavailable"


def test_cached_verdicts_expire_after_five_minutes(server, clock, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    room = quiz_room(server, app_settings={"questions": [
        {**QUESTIONS[0], "time_limit_s": 3600}]})  # fmt: skip
    a, b = players(room, 2)
    quiz.quiz_start(room=room, by=room.created_by)
    quiz.quiz_next_question(room=room, by=room.created_by)
    answer_it(room, a, 1)
    server.route(QUIZ_HOOK, answer(500, {}))
    clock.shift(timedelta(minutes=5, seconds=1))
    assert refused(answer_it, room, b, 1).code == "quiz_validation_unavailable"


# --- closing on time ---------------------------------------------------------------------------


def test_the_task_closes_a_question_when_due_once_and_reads_close_it_lazily(
    server, clock, django_capture_on_commit_callbacks
):
    room = quiz_room(server)
    [a] = players(room, 1)
    quiz.quiz_start(room=room, by=room.created_by)
    with django_capture_on_commit_callbacks(execute=True) as scheduled:
        quiz.quiz_next_question(room=room, by=room.created_by)
    assert len(scheduled) >= 1  # the close task (eager here: it runs now, finds nothing due)
    assert QuizRun.objects.get(room=room).status == QuizStatus.QUESTION_OPEN
    answer_it(room, a, 1)
    clock.shift(10 * SECOND)  # time is up; still judging answers received in time
    assert quiz_close_question_task(room_id=room.pk, question_id="q1") is False
    clock.shift(3 * SECOND)  # past the judging grace (2 s timeout + 0.5 s)
    assert quiz_close_question_task(room_id=room.pk, question_id="q1") is True
    assert quiz_close_question_task(room_id=room.pk, question_id="q1") is False  # idempotent
    assert len(events(room, "quiz:question_closed")) == 1
    assert len(events(room, "quiz:round_winner")) == 1
    # The next question; its time passes with no task: the next read closes it.
    quiz.quiz_next_question(room=room, by=room.created_by)
    clock.shift(30 * SECOND)
    state = quiz_state(room=room, participant_id=a.pk)
    assert state["status"] == QuizStatus.BETWEEN and state["question"] is None
    assert [r["correct_index"] for r in state["rounds"]] == [1, 0]
    assert state["my_answers"] == [
        {"question_id": "q1", "answer_index": 1, "response_ms": 0, "correct": True}]  # fmt: skip
    assert len(events(room, "quiz:question_closed")) == 2


# --- the correct answer never leaks ------------------------------------------------------------


def test_no_correct_answer_reaches_anyone_before_its_question_closes(server, clock):
    room = quiz_room(server)
    a, b = players(room, 2)
    organizer = room.created_by
    seen_before_close: dict[str, list[Any]] = {}
    quiz.quiz_start(room=room, by=organizer)
    for q in QUESTIONS:
        quiz.quiz_next_question(room=room, by=organizer)
        clock.shift(SECOND)
        acks = [quiz.answer_ack(answer_it(room, a, q["correct_index"])),
                quiz.answer_ack(answer_it(room, b, 1 - min(q["correct_index"], 1)))]  # fmt: skip
        assert quiz.quiz_answers_announce(room_id=room.pk, question_id=q["id"]) == 2
        state = quiz_state(room=room, participant_id=a.pk)
        mine = [m for m in state["my_answers"] if m["question_id"] == q["id"]]
        seen_before_close[q["id"]] = [acks, state["question"], mine]
        assert len(mine) == 1 and state["question"]["question_id"] == q["id"]
    quiz.quiz_end(room=room, by=organizer)

    log = events(room)
    closes = {e.data["question_id"]: e.seq for e in log if e.type == "quiz:question_closed"}
    assert set(closes) == set(CORRECT)
    for qid, closed_at_seq in closes.items():
        before = [e for e in log if e.seq < closed_at_seq]
        for event in before:
            earlier_close = event.type in ("quiz:question_closed", "quiz:round_winner")
            if earlier_close and event.data["question_id"] != qid:
                continue  # an earlier question's close tells that question's answer only
            leaked = keys_in(event.data) & {"correct_index", "correct", "score", "correct_answers"}
            assert not leaked, (event.type, event.data)
        shown = next(e for e in before if e.type == "quiz:question_shown"
                     and e.data["question_id"] == qid)  # fmt: skip
        assert "correct_index" not in json.dumps(shown.data)
        assert not keys_in(seen_before_close[qid]) & {"correct_index", "correct", "score"}
    # After the close, the correct index is told with it.
    assert {e.data["question_id"]: e.data["correct_index"]
            for e in log if e.type == "quiz:question_closed"} == CORRECT  # fmt: skip


# --- prizes for the top places -----------------------------------------------------------------


def test_the_top_places_are_awarded_a_prize_once_the_quiz_is_over(server, clock):
    room = quiz_room(server)
    a, b, c = players(room)
    prize = PrizeFactory(room=room, quantity=2)
    organizer = room.created_by
    quiz.quiz_start(room=room, by=organizer)
    quiz.quiz_next_question(room=room, by=organizer)
    clock.shift(SECOND)
    answer_it(room, b, 1)
    clock.shift(SECOND)
    answer_it(room, a, 1)
    answer_it(room, c, 0)
    error = refused(quiz.quiz_award, room=room, by=organizer, prize_id=prize.pk, places=2)
    assert error.code == "quiz_not_finished"
    quiz.quiz_end(room=room, by=organizer)
    assert refused(quiz.quiz_award, room=room, by=a.user, prize_id=prize.pk, places=1).code == (
        "forbidden"
    )
    assert refused(quiz.quiz_award, room=room, by=organizer, prize_id=prize.pk,
                   places=0).code == "validation_error"  # fmt: skip
    # Three places asked, but c got nothing right: only a and b are placed.
    won = quiz.quiz_award(room=room, by=organizer, prize_id=prize.pk, places=3)
    assert [(w.participant_id, w.metadata["quiz_rank"]) for w in won] == [(b.pk, 1), (a.pk, 2)]
    assert {w.method for w in won} == {WinnerMethod.MANUAL}
    assert won[0].metadata == {"source": "quiz", "quiz_rank": 1, "correct": 1,
                               "total_response_ms": 1000}  # fmt: skip
    prize.refresh_from_db()
    assert prize.quantity_remaining == 0
    again = refused(quiz.quiz_award, room=room, by=organizer, prize_id=prize.pk, places=1)
    assert again.code == "prize_exhausted"
    assert Winner.objects.filter(room=room).count() == 2


# --- the WebSocket messages ----------------------------------------------------------------------


class FakeConsumer:
    """What events.live_quiz needs of the room consumer: its user, ``send_error`` and
    ``send_message``."""

    def __init__(self, user: Any) -> None:
        self.user = user
        self.errors: list[tuple[str, str, Any]] = []
        self.sent: list[tuple[str, dict[str, Any], Any]] = []

    async def send_error(self, code: str, message: str, room_id: Any = None) -> None:
        self.errors.append((code, message, room_id))

    async def send_message(self, kind: str, data: dict[str, Any], room_id: Any) -> None:
        self.sent.append((kind, data, room_id))


@pytest.mark.django_db(transaction=True)
def test_the_quiz_messages_drive_the_services_as_the_connected_person(server):
    room = quiz_room(server)
    a, b = players(room, 2)
    handle = async_to_sync(live_quiz.handle)
    organizer = FakeConsumer(room.created_by)
    handle(organizer, "quiz:start", {"room_id": room.pk})
    handle(organizer, "quiz:next_question", {"room_id": room.pk})
    assert organizer.errors == []
    # The message names someone else: ignored, the connection decides.
    player = FakeConsumer(a.user)
    handle(player, "quiz:answer", {"room_id": room.pk, "question_id": "q1", "answer_index": 1,
                                   "user_id": b.user_id, "participant_id": b.pk})  # fmt: skip
    assert player.errors == []
    assert list(QuizAnswer.objects.values_list("participant_id", flat=True)) == [a.pk]
    [(kind, ack, rid)] = player.sent
    assert (kind, rid, ack["answer_index"]) == ("quiz:answer_ack", room.pk, 1)
    assert organizer.sent == []  # controls answer through the room's events only
    handle(player, "quiz:answer", {"room_id": room.pk, "question_id": "q1", "answer_index": 0})
    handle(player, "quiz:end", {"room_id": room.pk})
    handle(player, "quiz:answer", {"room_id": 10**9, "question_id": "q1", "answer_index": 0})
    handle(player, "quiz:answer", {"question_id": "q1", "answer_index": 0})
    handle(player, "quiz:answer", "not an object")  # type: ignore[arg-type]
    assert [(code, rid) for code, _, rid in player.errors] == [
        ("already_answered", room.pk),
        ("forbidden", room.pk),
        ("not_found", 10**9),
        ("not_found", None),
        ("bad_request", None),
    ]
    handle(organizer, "quiz:end", {"room_id": room.pk})
    assert organizer.errors == []
    assert QuizRun.objects.get(room=room).status == QuizStatus.FINISHED
    assert len(player.sent) == 1  # refusals are errors, never acknowledgements


class FrozenTime:
    """``time`` for events.live_quiz whose ``time()`` stands still (``shift`` moves it)."""

    def __init__(self, at: float) -> None:
        self.at = at

    def time(self) -> float:
        return self.at


@pytest.mark.django_db(transaction=True)
def test_answers_are_acknowledged_at_once_and_the_room_hears_the_count_once_a_window(
    server, monkeypatch
):
    room = quiz_room(server)
    people = players(room, 4)
    quiz.quiz_start(room=room, by=room.created_by)
    quiz.quiz_next_question(room=room, by=room.created_by)
    every = live_quiz.ANNOUNCE_EVERY
    # The clock stands 0.1 s into a window (which answers claim it is the clock's call).
    frozen = FrozenTime((int(time.time() / every) + 1) * every + 0.1)
    monkeypatch.setattr(live_quiz, "time", frozen)
    sockets = [FakeConsumer(p.user) for p in people]
    window_ends: dict[float, asyncio.Event] = {}  # when each window ends: when the test says

    async def wait_until(at: float) -> None:
        await window_ends.setdefault(at, asyncio.Event()).wait()

    monkeypatch.setattr(live_quiz, "_wait_until", wait_until)

    async def answer(socket: FakeConsumer, index: int) -> None:
        message = {"room_id": room.pk, "question_id": "q1", "answer_index": index}
        await live_quiz.handle(socket, "quiz:answer", message)

    async def end_window() -> None:
        pending = live_quiz.announcing()
        assert len(pending) == 1  # the window's first answer claimed it, in one task
        window_ends.setdefault((int(frozen.at / every) + 1) * every, asyncio.Event()).set()
        await asyncio.wait_for(asyncio.gather(*pending), 30)

    async def burst() -> None:
        # Three answers in one window, a repeated one refused; then one in the next window.
        for socket, index in zip(sockets[:3], (1, 0, 2), strict=True):
            await answer(socket, index)
        await answer(sockets[0], 0)
        await end_window()
        frozen.at += every
        await answer(sockets[3], 1)
        await end_window()

    async_to_sync(burst)()
    # Each answerer got its own acknowledgement at once: its option and time, no correctness.
    for socket, index in zip(sockets, (1, 0, 2, 1), strict=True):
        [(kind, ack, room_id)] = socket.sent
        assert (kind, room_id) == ("quiz:answer_ack", room.pk)
        assert ack.keys() == {"question_id", "answer_index", "received_at", "response_ms"}
        assert (ack["question_id"], ack["answer_index"]) == ("q1", index)
    assert [code for code, _, _ in sockets[0].errors] == ["already_answered"]
    # The room heard two counts, not one event per answer, and never who answered.
    told = [e.data for e in events(room, "quiz:answer_submitted")]
    assert [(d["question_id"], d["answers"]) for d in told] == [("q1", 3), ("q1", 4)]
    assert all(d.keys() == {"question_id", "answers", "room_id", "timestamp"} for d in told)


# --- cost --------------------------------------------------------------------------------------


def test_an_answer_costs_a_bounded_number_of_queries(server, clock, django_assert_max_num_queries):
    room = quiz_room(server)
    [a] = players(room, 1)
    quiz.quiz_start(room=room, by=room.created_by)
    quiz.quiz_next_question(room=room, by=room.created_by)
    room = Room.objects.select_related("app", "app_manifest_version").get(pk=room.pk)
    # Reads: the person, the run, a previous answer, the app's secrets; the attempt's row; then
    # savepoint, run lock (shared), savepoint + answer + release, release. Nothing published.
    with django_assert_max_num_queries(11):
        answer_it(room, a, 1, question_id="q1")
    # The room's count (at most every ANNOUNCE_EVERY): savepoint, run lock, count, the room,
    # the event (3), release.
    with django_assert_max_num_queries(8):
        quiz.quiz_answers_announce(room_id=room.pk, question_id="q1")
