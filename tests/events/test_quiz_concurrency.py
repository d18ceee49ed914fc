"""The quiz under concurrency, on PostgreSQL: many simultaneous answers to one question make
exactly one round winner (the first correct by receive time), one answer per person however many
arrive at once, closes racing each other close once, and answers racing the close are either in
the close's count or refused."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from events.models import QuizAnswer, QuizRound, Room, RoomEvent
from events.services import quiz
from tests.concurrency import run_together
from tests.events.factories import ParticipantFactory
from tests.events.quizkit import quiz_room
from umbrella.errors import ApplicationError

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
N = 20


def fresh(room: Room) -> Room:
    return Room.objects.select_related("app", "app_manifest_version").get(pk=room.pk)


def open_quiz(server):
    room = quiz_room(server)
    people = [ParticipantFactory(room=room) for _ in range(N)]
    quiz.quiz_start(room=room, by=room.created_by)
    quiz.quiz_next_question(room=room, by=room.created_by)
    return room, people


def answers_from(room, people, index=1):
    queue = iter(people)
    lock = threading.Lock()

    def one():
        with lock:
            person = next(queue)
        return quiz.quiz_answer(
            room=fresh(room), by=person.user, question_id="q1", answer_index=index
        )

    return one


def test_many_simultaneous_answers_make_exactly_one_round_winner(server):
    room, people = open_quiz(server)
    results = run_together(answers_from(room, people), N)
    assert [r for r in results if not isinstance(r, QuizAnswer)] == []
    with time_machine.travel(timezone.now() + timedelta(minutes=1)):
        closed = run_together(lambda: quiz.quiz_close_due(room_id=room.pk), 8)
    assert sorted(closed) == [False] * 7 + [True]
    first = QuizAnswer.objects.filter(room=room, correct=True).order_by("received_at", "id")[0]
    [winner] = RoomEvent.objects.filter(room=room, type="quiz:round_winner")
    assert winner.data["participant_id"] == first.participant_id
    [close] = RoomEvent.objects.filter(room=room, type="quiz:question_closed")
    assert close.data["answers"] == N and close.data["correct_answers"] == N
    assert QuizRound.objects.get(room=room).winner_id == first.pk
    seqs = list(RoomEvent.objects.filter(room=room).values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))  # gapless, whatever the interleaving


def test_one_person_answering_many_times_at_once_answers_once(server):
    room, [person, *_] = open_quiz(server)
    results = run_together(answers_from(room, [person] * 10), 10)
    errors = [r for r in results if isinstance(r, ApplicationError)]
    assert len(results) - len(errors) == 1
    assert {e.code for e in errors} == {"already_answered"}
    assert QuizAnswer.objects.filter(room=room).count() == 1
    assert quiz.quiz_answers_announce(room_id=room.pk, question_id="q1") == 1


def test_answers_racing_the_end_are_counted_by_the_close_or_refused(server):
    room, people = open_quiz(server)
    answer = answers_from(room, people)

    def announce():
        return quiz.quiz_answers_announce(room_id=room.pk, question_id="q1")

    calls = iter(
        [lambda: quiz.quiz_end(room=fresh(room), by=room.created_by)]
        + [answer] * N
        + [announce] * 4  # the answers' counts, racing the close too
    )
    lock = threading.Lock()

    def one():
        with lock:
            call = next(calls)
        return call()

    results = run_together(one, N + 1 + 4)
    refused = [r for r in results if isinstance(r, ApplicationError)]
    assert {e.code for e in refused} <= {"question_closed"}
    saved = QuizAnswer.objects.filter(room=room).count()
    assert saved == N - len(refused)
    [close] = RoomEvent.objects.filter(room=room, type="quiz:question_closed")
    assert close.data["answers"] == saved
    # A count is told before the close or not at all, and never more than the close counts.
    told = RoomEvent.objects.filter(room=room, type="quiz:answer_submitted")
    assert all(e.seq < close.seq and e.data["answers"] <= saved for e in told)
    counts = [e.data["answers"] for e in told.order_by("seq")]
    assert counts == sorted(counts)  # a later count is never smaller
    announced = [r for r in results if isinstance(r, int) and not isinstance(r, bool)]
    assert sorted(announced) == sorted(e.data["answers"] for e in told)
