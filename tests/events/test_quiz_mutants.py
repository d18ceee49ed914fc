"""The quiz engine, pinned where the mutation run of events.services.quiz found it loose
(docs/mutation/rooms-quiz.md): the questions' checks at their limits and their messages, the
refusals' codes, messages, details and statuses, the events' data, the times (closing, settling,
response), the app's verdicts and what is cached of them, and the prizes' places."""

import hashlib
import logging
import time
from datetime import UTC, datetime, timedelta
from datetime import timezone as dt_timezone

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.utils import timezone

from events.models import (
    ParticipantStatus,
    QuizAnswer,
    QuizRound,
    QuizRun,
    QuizStatus,
    Role,
    RoomEvent,
    Winner,
)
from events.services import quiz
from tests.events.appserver import answer
from tests.events.factories import ParticipantFactory, PrizeFactory
from tests.events.members_helpers import error_shape, refused
from tests.events.quizkit import QUESTIONS, QUIZ_HOOK, quiz_room

pytestmark = pytest.mark.django_db
SECOND = timedelta(seconds=1)
Q = {"id": "q", "text": "Which?", "options": ["a", "b"], "correct_index": 0, "time_limit_s": 5}


def data_of(room, type):
    return [
        {k: v for k, v in e.data.items() if k not in ("room_id", "timestamp")}
        for e in RoomEvent.objects.filter(room=room, type=type).order_by("seq")
    ]


def open_quiz(server, n=1, **room):
    room = quiz_room(server, **room)
    people = [ParticipantFactory(room=room) for _ in range(n)]
    quiz.quiz_start(room=room, by=room.created_by)
    quiz.quiz_next_question(room=room, by=room.created_by)
    return room, people


def answer_it(room, participant, index, question_id="q1", **kw):
    return quiz.quiz_answer(
        room=room, by=participant.user, question_id=question_id, answer_index=index, **kw
    )


# --- the questions ----------------------------------------------------------------------------


def invalid(settings):
    with pytest.raises(quiz.ApplicationError) as caught:
        quiz.quiz_questions(settings)
    return error_shape(caught.value)


def test_questions_are_normalised():
    questions = [
        {"id": 7, "text": "T", "options": ["a", "b"], "extra": 1},
        {**Q, "id": "x" * quiz.QUESTION_ID_MAX, "time_limit_s": 1.5, "correct_index": 1},
    ]
    assert quiz.quiz_questions({"questions": questions}) == [
        {"id": "7", "text": "T", "options": ["a", "b"], "correct_index": None, "time_limit_s": 30},
        {
            "id": "x" * 100,
            "text": "Which?",
            "options": ["a", "b"],
            "correct_index": 1,
            "time_limit_s": 1.5,
        },
    ]


@pytest.mark.parametrize("value", [None, [], {"questions": {}}, {"questions": []}])
def test_no_questions_is_refused_by_name(value):
    assert invalid(value) == (
        "quiz_invalid_settings",
        "The room's quiz questions are not usable: questions must be a non-empty list.",
        {"path": "questions"},
        400,
    )


def test_at_most_two_hundred_questions():
    many = [{**Q, "id": str(i)} for i in range(quiz.MAX_QUESTIONS)]
    assert len(quiz.quiz_questions({"questions": many})) == 200
    assert invalid({"questions": [*many, {**Q, "id": "one more"}]}) == (
        "quiz_invalid_settings",
        "The room's quiz questions are not usable: questions must have at most 200 questions.",
        {"path": "questions"},
        400,
    )


@pytest.mark.parametrize(
    ("question", "problem"),
    [
        ("text", "must be an object"),
        ({**Q, "id": True}, "needs an id (a string or an integer)"),
        ({**Q, "id": 1.5}, "needs an id (a string or an integer)"),
        ({**Q, "id": " "}, "needs an id (a string or an integer)"),
        ({k: v for k, v in Q.items() if k != "id"}, "needs an id (a string or an integer)"),
        ({**Q, "id": "x" * 101}, "has an id that is too long or repeated"),
        ({**Q, "id": "first"}, "has an id that is too long or repeated"),
        ({**Q, "text": " "}, "needs a text"),
        ({**Q, "text": 5}, "needs a text"),
        ({**Q, "options": "ab"}, "needs 2 to 6 options (texts)"),
        ({**Q, "options": ["a"], "correct_index": None}, "needs 2 to 6 options (texts)"),
        ({**Q, "options": list("abcdefg")}, "needs 2 to 6 options (texts)"),
        ({**Q, "options": ["a", 2]}, "needs 2 to 6 options (texts)"),
        ({**Q, "correct_index": True}, "has a correct_index that is not one of its options"),
        ({**Q, "correct_index": "0"}, "has a correct_index that is not one of its options"),
        ({**Q, "correct_index": -1}, "has a correct_index that is not one of its options"),
        ({**Q, "correct_index": 2}, "has a correct_index that is not one of its options"),
        ({**Q, "time_limit_s": True}, "has a time_limit_s that is not a number"),
        ({**Q, "time_limit_s": "5"}, "has a time_limit_s that is not a number"),
        ({**Q, "time_limit_s": 0.5}, "has a time_limit_s outside 1 to 3600"),
        ({**Q, "time_limit_s": 3601}, "has a time_limit_s outside 1 to 3600"),
    ],
)
def test_each_problem_of_a_question_is_named_with_its_index(question, problem):
    first = {**Q, "id": "first"}
    assert invalid({"questions": [first, question]}) == (
        "quiz_invalid_settings",
        f"The room's quiz questions are not usable: questions[1] {problem}.",
        {"path": "questions[1]"},
        400,
    )


def test_questions_at_their_limits_are_taken():
    edges = [
        {**Q, "id": "a", "options": list("abcdef"), "correct_index": 5, "time_limit_s": 3600},
        {**Q, "id": "b", "correct_index": 0, "time_limit_s": 1},
        {**Q, "id": 0},
    ]
    got = quiz.quiz_questions({"questions": edges})
    assert [(q["id"], q["correct_index"], q["time_limit_s"]) for q in got] == [
        ("a", 5, 3600),
        ("b", 0, 1),
        ("0", 0, 5),
    ]


def test_moments_are_utc_with_milliseconds():
    assert quiz.moment(None) is None
    at = datetime(2026, 12, 4, 9, 30, 15, 123456, tzinfo=dt_timezone(timedelta(hours=2)))
    assert quiz.moment(at) == "2026-12-04T07:30:15.123Z"


def test_moments_are_utc_whatever_the_processs_own_zone(monkeypatch):
    # astimezone() without UTC would give the process's zone (settings.TIME_ZONE, here UTC).
    at = datetime(2026, 12, 4, 7, 30, tzinfo=UTC)
    monkeypatch.setenv("TZ", "Asia/Kolkata")
    time.tzset()
    try:
        assert quiz.moment(at) == "2026-12-04T07:30:00.000Z"
    finally:
        monkeypatch.undo()
        time.tzset()


def test_the_public_question_is_everything_but_the_answer():
    opened = datetime(2026, 12, 4, 7, 0, tzinfo=UTC)
    run = QuizRun(
        questions=quiz.quiz_questions({"questions": [Q, {**Q, "id": "r", "text": "Second?"}]}),
        question_index=1,
        opened_at=opened,
        closes_at=opened + 5 * SECOND,
        settles_at=opened + 7 * SECOND,
    )
    assert quiz.question_public(run) == {
        "question_id": "r",
        "index": 1,
        "count": 2,
        "text": "Second?",
        "options": ["a", "b"],
        "time_limit_s": 5,
        "opened_at": "2026-12-04T07:00:00.000Z",
        "closes_at": "2026-12-04T07:00:05.000Z",
        "settles_at": "2026-12-04T07:00:07.000Z",
    }


# --- the organizer's controls -----------------------------------------------------------------


def test_a_start_records_who_and_when_and_tells_the_room(server, clock):
    room = quiz_room(server)
    run = quiz.quiz_start(room=room, by=room.created_by)
    run.refresh_from_db()
    assert (run.status, run.started_by, run.started_at) == (
        QuizStatus.BETWEEN,
        room.created_by,
        timezone.now(),
    )
    assert run.questions == quiz.quiz_questions({"questions": QUESTIONS})
    assert (run.question_index, run.question_id) == (None, "")
    assert data_of(room, "quiz:status_changed") == [
        {"old_status": "idle", "new_status": "between", "question_id": None}
    ]


def test_the_start_refusals_say_why(server):
    draft = quiz_room(server)
    draft.status = "draft"
    assert error_shape(refused(quiz.quiz_start, room=draft, by=draft.created_by)) == (
        "room_not_active",
        "Start the quiz in an active room.",
        {},
        409,
    )
    for capabilities in (["winner_selection"], None):
        room = quiz_room(server)
        room.app_manifest_version.manifest = {
            **room.app_manifest_version.manifest,
            "capabilities": capabilities,
        }
        assert error_shape(refused(quiz.quiz_start, room=room, by=room.created_by)) == (
            "quiz_unsupported",
            "This room's app does not run quizzes.",
            {},
            409,
        )
    room.app_manifest_version.manifest = None
    assert refused(quiz.quiz_start, room=room, by=room.created_by).code == "quiz_unsupported"
    started = quiz_room(server)
    quiz.quiz_start(room=started, by=started.created_by)
    assert error_shape(refused(quiz.quiz_start, room=started, by=started.created_by)) == (
        "quiz_already_started",
        "The quiz has already started.",
        {},
        409,
    )


def test_the_controls_refuse_a_quiz_not_under_way_by_name(server):
    room = quiz_room(server, app_settings={"questions": QUESTIONS[:1]})
    by = room.created_by
    not_started = ("quiz_not_started", "The quiz has not started.", {}, 409)
    assert error_shape(refused(quiz.quiz_next_question, room=room, by=by)) == not_started
    assert error_shape(refused(quiz.quiz_end, room=room, by=by)) == not_started
    QuizRun.objects.create(room=room)  # idle
    assert error_shape(refused(quiz.quiz_end, room=room, by=by)) == not_started
    QuizRun.objects.filter(room=room).delete()
    quiz.quiz_start(room=room, by=by)
    quiz.quiz_next_question(room=room, by=by)
    assert error_shape(refused(quiz.quiz_next_question, room=room, by=by)) == (
        "quiz_no_more_questions",
        "That was the last question: end the quiz.",
        {},
        409,
    )
    quiz.quiz_end(room=room, by=by)
    assert error_shape(refused(quiz.quiz_next_question, room=room, by=by)) == (
        "quiz_finished",
        "The quiz is over.",
        {},
        409,
    )


def test_a_question_opens_with_its_times_and_round(server, clock):
    room = quiz_room(server)
    quiz.quiz_start(room=room, by=room.created_by)
    now = timezone.now()
    run = quiz.quiz_next_question(room=room, by=room.created_by)
    run.refresh_from_db()
    # q1: 10 s to answer, then the app's 2 s timeout and half a second to settle.
    assert (run.status, run.question_index, run.question_id) == ("question_open", 0, "q1")
    assert (run.opened_at, run.closes_at, run.settles_at) == (
        now,
        now + 10 * SECOND,
        now + 12.5 * SECOND,
    )
    first = QuizRound.objects.get(room=room)
    assert (first.question_id, first.index, first.opened_at, first.closes_at) == (
        "q1",
        0,
        now,
        now + 10 * SECOND,
    )
    assert (first.closed_at, first.correct_index, first.winner) == (None, None, None)
    assert data_of(room, "quiz:status_changed")[-1] == {
        "old_status": "between",
        "new_status": "question_open",
        "question_id": "q1",
    }
    assert data_of(room, "quiz:question_shown") == [quiz.question_public(run)]
    clock.shift(SECOND)
    run = quiz.quiz_next_question(room=room, by=room.created_by)
    assert (run.question_index, run.question_id) == (1, "q2")
    second = QuizRound.objects.get(room=room, question_id="q2")
    assert (second.index, second.opened_at) == (1, now + SECOND)


def test_the_settling_time_follows_the_apps_timeout_or_two_seconds(server, clock):
    room = quiz_room(server)
    room.app.manifest["webhooks"]["quiz_validation"]["timeout_ms"] = 4000
    quiz.quiz_start(room=room, by=room.created_by)
    run = quiz.quiz_next_question(room=room, by=room.created_by)
    assert run.settles_at - run.closes_at == timedelta(milliseconds=4500)
    other = quiz_room(server)
    del other.app.manifest["webhooks"]["quiz_validation"]
    quiz.quiz_start(room=other, by=other.created_by)
    run = quiz.quiz_next_question(room=other, by=other.created_by)
    assert run.settles_at - run.closes_at == timedelta(milliseconds=2500)


def test_the_close_is_scheduled_for_the_settling_time(
    server, clock, monkeypatch, django_capture_on_commit_callbacks
):
    from events import tasks_quiz

    sent = []
    monkeypatch.setattr(
        tasks_quiz.quiz_close_question_task, "apply_async", lambda **kw: sent.append(kw)
    )
    room = quiz_room(server)
    quiz.quiz_start(room=room, by=room.created_by)
    with django_capture_on_commit_callbacks(execute=True):
        quiz.quiz_next_question(room=room, by=room.created_by)
    # q1's 10 s, the app's 2 s and the half second: 12.5 s from now.
    assert sent == [{"kwargs": {"room_id": room.pk, "question_id": "q1"}, "countdown": 12.5}]
    run = QuizRun.objects.get(room=room)
    with django_capture_on_commit_callbacks(execute=True):
        quiz._close_task_on_commit(run, run.settles_at - 20 * SECOND)  # overdue: at once
    assert sent[-1] == {"kwargs": {"room_id": room.pk, "question_id": "q1"}, "countdown": 0.0}


def test_a_broker_that_is_down_leaves_the_close_to_the_lazy_path(
    server, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    from events import tasks_quiz

    def down(**kw):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks_quiz.quiz_close_question_task, "apply_async", down)
    room = quiz_room(server)
    quiz.quiz_start(room=room, by=room.created_by)
    with (
        caplog.at_level(logging.WARNING, logger="events.services.quiz"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        quiz.quiz_next_question(room=room, by=room.created_by)
    [logged] = [r for r in caplog.records if r.name == "events.services.quiz"]
    assert logged.getMessage() == "quiz: could not schedule the close of a question"
    assert logged.exc_info[1].args == ("broker down",)  # the reason, for the operator
    assert QuizRun.objects.get(room=room).status == QuizStatus.QUESTION_OPEN


def test_the_close_tells_the_count_the_answer_and_the_winner(server, clock):
    room, (a, b, c) = open_quiz(server, 3)
    clock.shift(2 * SECOND)
    answer_it(room, c, 0)  # wrong
    answer_it(room, b, 1)  # right, 2 s
    clock.shift(SECOND)
    answer_it(room, a, 1)  # right, 3 s
    clock.shift(SECOND)
    quiz.quiz_end(room=room, by=room.created_by)
    assert data_of(room, "quiz:question_closed") == [
        {
            "question_id": "q1",
            "correct_index": 1,
            "answers": 3,
            "correct_answers": 2,
            "winner_participant_id": b.pk,
        }
    ]
    assert data_of(room, "quiz:round_winner") == [
        {"question_id": "q1", "participant_id": b.pk, "user_id": b.user_id, "response_ms": 2000}
    ]
    first = QuizRound.objects.get(room=room)
    assert (first.closed_at, first.correct_index, first.winner.participant_id) == (
        timezone.now(),
        1,
        b.pk,
    )
    run = QuizRun.objects.get(room=room)
    assert (run.status, run.finished_at) == (QuizStatus.FINISHED, timezone.now())
    assert data_of(room, "quiz:status_changed")[-2:] == [
        {"old_status": "question_open", "new_status": "between", "question_id": "q1"},
        {"old_status": "between", "new_status": "finished", "question_id": "q1"},
    ]
    [finished] = data_of(room, "quiz:finished")
    assert [r["participant_id"] for r in finished["leaderboard"]] == [b.pk, a.pk, c.pk]


def test_equal_receive_times_go_to_the_earlier_answer(server, clock):
    room, (a, b) = open_quiz(server, 2)
    clock.shift(SECOND)
    answer_it(room, b, 1)
    answer_it(room, a, 1)
    quiz.quiz_end(room=room, by=room.created_by)
    assert QuizRound.objects.get(room=room).winner.participant_id == b.pk


def test_only_the_closing_questions_answers_count(server, clock):
    room, (a, b) = open_quiz(server, 2)
    answer_it(room, a, 1)
    quiz.quiz_next_question(room=room, by=room.created_by)  # closes q1
    answer_it(room, b, 1, question_id="q2")  # wrong on q2
    quiz.quiz_end(room=room, by=room.created_by)
    closed = data_of(room, "quiz:question_closed")
    assert [(d["question_id"], d["answers"], d["correct_answers"]) for d in closed] == [
        ("q1", 1, 1),
        ("q2", 1, 0),
    ]
    assert QuizRound.objects.get(room=room, question_id="q2").winner is None
    assert QuizRound.objects.get(room=room, question_id="q1").winner.participant_id == a.pk


def test_an_end_between_questions_closes_nothing(server):
    room = quiz_room(server)
    quiz.quiz_start(room=room, by=room.created_by)
    quiz.quiz_end(room=room, by=room.created_by)
    assert data_of(room, "quiz:question_closed") == []
    assert data_of(room, "quiz:status_changed")[-1] == {
        "old_status": "between",
        "new_status": "finished",
        "question_id": None,
    }


# --- closing on time --------------------------------------------------------------------------


def test_a_question_closes_when_its_settling_time_is_reached_not_before(server, clock):
    room, _ = open_quiz(server)
    run = QuizRun.objects.get(room=room)
    clock.move_to(run.settles_at - timedelta(milliseconds=1))
    assert quiz.quiz_close_due(room_id=room.pk) is False
    assert quiz.quiz_close_due(room_id=room.pk, run=QuizRun.objects.get(room=room)) is False
    clock.move_to(run.settles_at)
    assert quiz.quiz_close_due(room_id=room.pk, question_id="q2") is False
    assert quiz.quiz_close_due(room_id=room.pk, question_id="q2", run=run) is False
    assert QuizRun.objects.get(room=room).status == QuizStatus.QUESTION_OPEN
    assert quiz.quiz_close_due(room_id=room.pk, question_id="q1", run=run) is True
    assert QuizRun.objects.get(room=room).status == QuizStatus.BETWEEN
    assert len(data_of(room, "quiz:question_closed")) == 1
    # Someone closed it meanwhile: the stale run read before says due, the row says no.
    assert quiz.quiz_close_due(room_id=room.pk, run=run) is False
    assert quiz.quiz_close_due(room_id=room.pk) is False
    assert len(data_of(room, "quiz:question_closed")) == 1


def test_a_due_question_closes_without_a_run_given(server, clock):
    room, _ = open_quiz(server)
    clock.move_to(QuizRun.objects.get(room=room).settles_at)
    assert quiz.quiz_close_due(room_id=room.pk) is True
    assert data_of(room, "quiz:status_changed")[-1]["new_status"] == "between"


def test_nothing_is_due_without_a_run_or_a_settling_time():
    assert quiz._is_due(None, timezone.now()) is False
    now = timezone.now()
    assert quiz._is_due(QuizRun(status=QuizStatus.QUESTION_OPEN, settles_at=None), now) is False
    assert quiz._is_due(QuizRun(status=QuizStatus.BETWEEN, settles_at=now), now) is False
    assert quiz._is_due(QuizRun(status=QuizStatus.QUESTION_OPEN, settles_at=now), now) is True


# --- answers and verdicts ---------------------------------------------------------------------


def test_verdict_keys_hash_the_question_id():
    digest = hashlib.sha256("q 1/é".encode()).hexdigest()[:32]
    assert quiz._verdict_key(4, "q 1/é", 2) == f"events:quiz:4:{digest}:2"
    assert quiz._verdict_key(4, "q 1/é", "correct") == f"events:quiz:4:{digest}:correct"


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (None, "expected {correct: bool, score?: number}"),
        ({"correct": 1}, "expected {correct: bool, score?: number}"),
        ({"correct": True, "score": True}, "score must be a number"),
        ({"correct": True, "score": "1"}, "score must be a number"),
    ],
)
def test_an_app_answer_must_say_correct_and_may_score(answer, message):
    with pytest.raises(ValueError) as caught:
        quiz._check_answer(answer)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    "good", [{"correct": False}, {"correct": True, "score": 2.5}, {"correct": True, "score": None}]
)
def test_good_app_answers_pass(good):
    assert quiz._check_answer(good) is None


def test_a_verdict_without_a_score_scores_one_for_right_and_is_cached_five_minutes(
    server, monkeypatch
):
    room, (a, b) = open_quiz(server, 2)
    server.route(QUIZ_HOOK, answer(200, {"correct": True}))
    saved = []
    real = cache.set_many
    monkeypatch.setattr(cache, "set_many", lambda d, t: saved.append((d, t)) or real(d, t))
    got = answer_it(room, a, 1)
    assert (got.correct, got.score, got.judged_by) == (True, 1.0, "app")
    key = quiz._verdict_key(room.pk, "q1", 1)
    correct_key = quiz._verdict_key(room.pk, "q1", "correct")
    assert saved == [({key: [True, 1.0], correct_key: 1}, 300)]
    server.route(QUIZ_HOOK, answer(200, {"correct": False}))
    got = answer_it(room, b, 0)
    assert (got.correct, got.score) == (False, 0.0)
    assert saved[-1] == ({quiz._verdict_key(room.pk, "q1", 0): [False, 0.0]}, 300)


def test_a_cached_verdict_keeps_its_score(server):
    room, (a, b, c) = open_quiz(server, 3)
    server.route(QUIZ_HOOK, answer(200, {"correct": False, "score": 0.5}))
    answer_it(room, a, 0)
    server.route(QUIZ_HOOK, answer(500, {}))
    got = answer_it(room, b, 0)
    assert (got.correct, got.score, got.judged_by) == (False, 0.5, "cache")
    # Nothing known of index 2, and no correct index known: the app must answer.
    error = refused(answer_it, room=room, participant=c, index=2)
    assert error_shape(error) == (
        "quiz_validation_unavailable",
        "The quiz app could not check your answer right now; please answer again.",
        {"outcome": "http_error"},
        503,
    )


def test_the_known_correct_index_itself_is_not_judged_wrong_from_the_cache(server):
    room, (a, b) = open_quiz(server, 2)
    cache.set(quiz._verdict_key(room.pk, "q1", "correct"), 1)
    server.route(QUIZ_HOOK, answer(500, {}))
    # The correct index is known but this index's own verdict is not: no guess either way.
    assert refused(answer_it, room=room, participant=a, index=1).code == (
        "quiz_validation_unavailable"
    )
    assert answer_it(room, b, 0).correct is False


def test_an_answer_is_timed_from_the_opening_by_when_it_was_received(server, clock):
    room, (a, b) = open_quiz(server, 2)
    run = QuizRun.objects.get(room=room)
    clock.shift(3 * SECOND)
    got = answer_it(room, a, 1, received_at=run.opened_at + 1500 * timedelta(milliseconds=1))
    assert (got.received_at, got.response_ms) == (
        run.opened_at + timedelta(milliseconds=1500),
        1500,
    )
    got = answer_it(room, b, 0)
    assert (got.received_at, got.response_ms) == (timezone.now(), 3000)
    assert quiz._response_ms(QuizRun(opened_at=None), timezone.now()) == 0
    assert quiz._response_ms(run, run.opened_at - SECOND) == 0


def test_an_integer_question_id_is_its_text(server, clock):
    room = quiz_room(server, app_settings={"questions": [{**Q, "id": 5}]})
    [a] = [ParticipantFactory(room=room)]
    quiz.quiz_start(room=room, by=room.created_by)
    quiz.quiz_next_question(room=room, by=room.created_by)
    server.route(QUIZ_HOOK, answer(200, {"correct": True, "score": 3}))
    got = quiz.quiz_answer(room=room, by=a.user, question_id=5, answer_index=0)
    assert (got.question_id, got.score) == ("5", 3.0)


@pytest.mark.parametrize("question_id", [None, True, 1.5, ["q1"]])
def test_a_missing_question_id_is_refused_by_name(server, question_id):
    room, (a,) = open_quiz(server)
    error = refused(answer_it, room=room, participant=a, index=1, question_id=question_id)
    assert error_shape(error) == (
        "validation_error",
        "question_id is required.",
        {"question_id": ["This field is required."]},
        400,
    )
    assert error.field == "question_id"


@pytest.mark.parametrize("index", [3, -1, True, "1", None])
def test_an_answer_that_is_no_option_is_refused_by_name(server, index):
    room, (a,) = open_quiz(server)
    error = refused(answer_it, room=room, participant=a, index=index)
    assert error_shape(error) == (
        "invalid_answer",
        "answer_index must be an option of the question (0 to 2).",
        {},
        400,
    )
    assert error.field == "answer_index"
    assert not QuizAnswer.objects.exists()


def test_the_last_option_is_an_answer(server):
    room, (a,) = open_quiz(server)
    assert answer_it(room, a, 2).answer_index == 2


def test_answer_refusals_say_why(server, clock):
    room = quiz_room(server)
    [a] = [ParticipantFactory(room=room)]
    assert error_shape(refused(answer_it, room=room, participant=a, index=1)) == (
        "quiz_not_started",
        "The quiz has not started.",
        {},
        409,
    )
    QuizRun.objects.create(room=room)  # idle
    assert refused(answer_it, room=room, participant=a, index=1).code == "quiz_not_started"
    QuizRun.objects.filter(room=room).delete()
    quiz.quiz_start(room=room, by=room.created_by)
    closed = (
        "question_closed",
        "This question is closed: answers are no longer taken.",
        {},
        409,
    )
    assert error_shape(refused(answer_it, room=room, participant=a, index=1)) == closed
    quiz.quiz_next_question(room=room, by=room.created_by)
    assert error_shape(refused(answer_it, room=room, participant=a, index=1, question_id="q2")) == (
        "question_not_open",
        "That is not the question now open.",
        {"question_id": ["q2"]},
        409,
    )
    answer_it(room, a, 1)
    assert error_shape(refused(answer_it, room=room, participant=a, index=0)) == (
        "already_answered",
        "You already answered this question.",
        {},
        409,
    )
    QuizRun.objects.filter(room=room).update(closes_at=None)
    other = ParticipantFactory(room=room)
    assert error_shape(refused(answer_it, room=room, participant=other, index=1)) == closed


def test_a_pending_member_cannot_answer(server):
    room, _ = open_quiz(server)
    pending = ParticipantFactory(room=room, status=ParticipantStatus.PENDING_APPROVAL)
    error = refused(answer_it, room=room, participant=pending, index=1)
    assert (error.code, error.status_code) == ("forbidden", 403)


def test_nobody_signed_in_is_told_a_private_rooms_quiz_is_not_found(server):
    # The room is checked before the sign-in: a private room's existence is not revealed.
    room, _ = open_quiz(server, is_public=False)
    for nobody in (AnonymousUser(), None):
        error = refused(quiz.quiz_answer, room=room, by=nobody, question_id="q1", answer_index=1)
        assert error_shape(error) == ("not_found", "No such room.", {}, 404)
    assert not QuizAnswer.objects.exists()


def test_a_member_of_another_room_answers_only_as_this_rooms_participant(server):
    elsewhere = ParticipantFactory(room=quiz_room(server))
    room, _ = open_quiz(server)
    error = refused(answer_it, room=room, participant=elsewhere, index=1)
    assert (error.code, error.status_code) == ("forbidden", 403)
    here = ParticipantFactory(room=room, user=elsewhere.user)
    assert answer_it(room, here, 1).participant_id == here.pk


def test_the_count_is_told_only_for_the_open_question(server):
    room = quiz_room(server)
    assert quiz.quiz_answers_announce(room_id=room.pk, question_id="q1") is None
    quiz.quiz_start(room=room, by=room.created_by)
    assert quiz.quiz_answers_announce(room_id=room.pk, question_id="q1") is None
    quiz.quiz_next_question(room=room, by=room.created_by)
    assert quiz.quiz_answers_announce(room_id=room.pk, question_id="q2") is None
    assert quiz.quiz_answers_announce(room_id=room.pk, question_id="q1") == 0
    assert data_of(room, "quiz:answer_submitted") == [{"question_id": "q1", "answers": 0}]


def test_the_count_is_of_this_rooms_answers_only(server):
    room, (a,) = open_quiz(server)
    answer_it(room, a, 1)
    # another room with the same questions, its "q1" open too (its app judges from now on)
    other, (b, c) = open_quiz(server, n=2)
    answer_it(other, b, 1)
    answer_it(other, c, 0)
    assert quiz.quiz_answers_announce(room_id=room.pk, question_id="q1") == 1
    assert quiz.quiz_answers_announce(room_id=other.pk, question_id="q1") == 2
    assert data_of(room, "quiz:answer_submitted") == [{"question_id": "q1", "answers": 1}]


def test_the_acknowledgement_is_the_answerers_own(server, clock):
    room, (a,) = open_quiz(server)
    clock.shift(SECOND)
    got = answer_it(room, a, 2)
    assert quiz.answer_ack(got) == {
        "question_id": "q1",
        "answer_index": 2,
        "received_at": quiz.moment(timezone.now()),
        "response_ms": 1000,
    }


# --- prizes for the top places ----------------------------------------------------------------


def finished_quiz(server, clock, n):
    room, people = open_quiz(server, n)
    for person in people:
        clock.shift(SECOND)
        answer_it(room, person, 1)
    quiz.quiz_end(room=room, by=room.created_by)
    return room, people


@pytest.mark.parametrize("places", [0, 101, True, "1", None, 1.0])
def test_places_are_one_to_a_hundred(server, clock, places):
    room, _ = finished_quiz(server, clock, 1)
    prize = PrizeFactory(room=room)
    error = refused(
        quiz.quiz_award, room=room, by=room.created_by, prize_id=prize.pk, places=places
    )
    assert error_shape(error) == (
        "validation_error",
        "places must be 1 to 100.",
        {"places": ["1 to 100."]},
        400,
    )
    assert error.field == "places"


def test_a_hundred_places_and_one_place_are_given(server, clock):
    room, (a, b) = finished_quiz(server, clock, 2)
    first, second = PrizeFactory(room=room, quantity=5), PrizeFactory(room=room, quantity=5)
    [won] = quiz.quiz_award(room=room, by=room.created_by, prize_id=first.pk, places=1)
    assert won.participant_id == a.pk and won.selected_by == room.created_by
    every = quiz.quiz_award(room=room, by=room.created_by, prize_id=second.pk, places=100)
    assert [w.metadata for w in every] == [
        {"source": "quiz", "quiz_rank": 1, "correct": 1, "total_response_ms": 1000},
        {"source": "quiz", "quiz_rank": 2, "correct": 1, "total_response_ms": 2000},
    ]
    assert [w.participant_id for w in every] == [a.pk, b.pk]


def test_no_award_before_the_quiz_is_over_or_without_a_quiz(server, clock):
    room = quiz_room(server)
    prize = PrizeFactory(room=room)
    error = refused(quiz.quiz_award, room=room, by=room.created_by, prize_id=prize.pk, places=1)
    assert error_shape(error) == (
        "quiz_not_finished",
        "Award quiz prizes once the quiz is over.",
        {},
        409,
    )


def test_no_award_when_nobody_eligible_got_anything_right(server, clock):
    room, (a, b) = open_quiz(server, 2)
    answer_it(room, a, 0)  # wrong
    answer_it(room, b, 1)  # right, then made a viewer: no longer eligible
    b.role = Role.VIEWER
    b.save()
    quiz.quiz_end(room=room, by=room.created_by)
    prize = PrizeFactory(room=room)
    error = refused(quiz.quiz_award, room=room, by=room.created_by, prize_id=prize.pk, places=3)
    assert error_shape(error) == (
        "no_quiz_winners",
        "Nobody eligible answered a question correctly.",
        {},
        409,
    )
    assert not Winner.objects.exists()
