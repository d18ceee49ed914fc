"""``GET /api/v1/rooms/{id}/quiz`` (docs/rooms.md, "Quiz"): the quiz state for clients without
the socket — the open question never with its correct index, your own answers without their
correctness until the close, the leaderboard of closed questions; a read after the question's
time closes it (and the close is published); the room's read rule; a fixed number of queries."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from events.models import RoomEvent, RoomStatus
from events.services import quiz
from tests.accounts.factories import UserFactory
from tests.events.factories import AppFactory, ParticipantFactory, RoomFactory
from tests.events.quizkit import QUESTIONS, quiz_room

pytestmark = pytest.mark.django_db
FORBIDDEN_BEFORE_CLOSE = {"correct_index", "correct", "score", "correct_answers"}


def keys_in(value):
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys_in(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys_in(v)}
    return set()


def read(room, user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client.get(f"/api/v1/rooms/{room.pk}/quiz")


def test_an_open_question_is_read_without_its_answer_and_told_after_the_close(server, clock):
    room = quiz_room(server)
    player = ParticipantFactory(room=room)
    quiz.quiz_start(room=room, by=room.created_by)
    run = quiz.quiz_next_question(room=room, by=room.created_by)
    clock.shift(timedelta(seconds=2))
    quiz.quiz_answer(room=room, by=player.user, question_id="q1", answer_index=1)

    mine = read(room, player.user)
    anyone = read(room)
    assert mine.status_code == 200 and anyone.status_code == 200
    body = mine.json()
    assert body["supported"] is True and body["status"] == "question_open"
    assert body["question"] == {
        "question_id": "q1",
        "index": 0,
        "count": 3,
        "text": "2 + 2?",
        "options": ["3", "4", "5"],
        "time_limit_s": 10,
        "opened_at": quiz.moment(run.opened_at),
        "closes_at": quiz.moment(run.closes_at),
        "settles_at": quiz.moment(run.settles_at),
    }
    assert body["my_answers"] == [{"question_id": "q1", "answer_index": 1, "response_ms": 2000}]
    assert body["rounds"] == [] and body["leaderboard"] == []
    assert body["server_time"] == quiz.moment(timezone.now())
    for answer in (mine.json(), anyone.json()):
        assert not keys_in(answer) & FORBIDDEN_BEFORE_CLOSE
    assert anyone.json()["my_answers"] == []  # a visitor has no answers

    # Past its settling time the next read closes it: the close is published, then told.
    clock.shift(timedelta(seconds=30))
    closed = read(room, player.user).json()
    assert closed["status"] == "between" and closed["question"] is None
    assert closed["rounds"][0] | {"opened_at": None, "closed_at": None} == {
        "question_id": "q1",
        "index": 0,
        "text": "2 + 2?",
        "options": ["3", "4", "5"],
        "opened_at": None,
        "closed_at": None,
        "correct_index": QUESTIONS[0]["correct_index"],
        "winner_participant_id": player.pk,
    }
    assert closed["my_answers"][0]["correct"] is True
    assert closed["leaderboard"][0]["participant_id"] == player.pk
    assert RoomEvent.objects.filter(room=room, type="quiz:question_closed").count() == 1


def test_a_room_without_a_quiz_reads_idle_and_a_private_room_is_404_to_outsiders():
    room = RoomFactory(status=RoomStatus.ACTIVE)
    body = read(room).json()
    assert body["supported"] is False and body["status"] == "idle"
    assert body["question"] is None and body["leaderboard"] == []

    private = RoomFactory(app=AppFactory(), status=RoomStatus.ACTIVE, is_public=False)
    refused = read(private, UserFactory())
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "not_found"
    assert read(private).status_code == 404
    assert read(private, private.created_by).status_code == 200


def test_the_read_takes_the_same_queries_whatever_the_quiz_holds(
    server, clock, django_assert_max_num_queries
):
    room = quiz_room(server)
    players = [ParticipantFactory(room=room) for _ in range(3)]
    quiz.quiz_start(room=room, by=room.created_by)
    quiz.quiz_next_question(room=room, by=room.created_by)
    quiz.quiz_answer(room=room, by=players[0].user, question_id="q1", answer_index=1)
    quiz.quiz_next_question(room=room, by=room.created_by)  # one closed question, one open
    with django_assert_max_num_queries(9) as small:
        read(room, players[0].user)
    for question in QUESTIONS[1:2]:
        for player in players:
            quiz.quiz_answer(room=room, by=player.user, question_id=question["id"], answer_index=0)
    for question in QUESTIONS[2:]:
        quiz.quiz_next_question(room=room, by=room.created_by)
        for player in players:
            quiz.quiz_answer(room=room, by=player.user, question_id=question["id"], answer_index=0)
    with django_assert_max_num_queries(len(small.captured_queries)):
        read(room, players[0].user)
