"""A quiz room's draw (SPEC-events §4 ``winner_selection``, §8 Quiz): the platform sends the
quiz's leaderboard as ``metadata.leaderboard`` (closed questions only), and the built-in Quiz
app's picker (builtin_apps/picks.py, served here by a real local HTTP server) awards the top of
it. Other apps get no ``metadata``."""

import json
from datetime import timedelta

import pytest

from builtin_apps import picks
from events.models import QuizRun, WinnerMethod
from events.services import quiz
from events.services.draws import room_draw
from tests.events.appserver import Handler, Received, answer
from tests.events.factories import ParticipantFactory, PrizeFactory
from tests.events.quizkit import quiz_room

pytestmark = pytest.mark.django_db
SECOND = timedelta(seconds=1)
WINNERS_HOOK = "/hooks/winners"  # tests/events/quizkit.py's manifest


def the_quiz_app(handler: Handler, received: Received) -> None:
    """The built-in Quiz app's ``winner_selection``: its own picker, on the request as sent."""
    chosen = picks.leaderboard(json.loads(received.body))
    handler.send(200, json.dumps(chosen).encode(), {"Content-Type": "application/json"})


def answer_it(room, participant, index):
    run = QuizRun.objects.get(room=room)
    quiz.quiz_answer(room=room, by=participant.user, question_id=run.question_id,
                     answer_index=index)  # fmt: skip


def test_a_quiz_rooms_draw_sends_the_leaderboard_and_the_quiz_app_awards_its_top(server, clock):
    room = quiz_room(server)
    a, b, c = (ParticipantFactory(room=room) for _ in range(3))
    prize = PrizeFactory(room=room, quantity=2)
    organizer = room.created_by
    quiz.quiz_start(room=room, by=organizer)
    quiz.quiz_next_question(room=room, by=organizer)  # q1: the correct index is 1
    clock.shift(SECOND)
    answer_it(room, b, 1)
    clock.shift(SECOND)
    answer_it(room, a, 1)
    answer_it(room, c, 0)
    quiz.quiz_next_question(room=room, by=organizer)  # q1 closes; q2 (correct: 0) is open
    clock.shift(SECOND)
    answer_it(room, c, 0)  # right, but q2 is still open: it counts for nobody yet
    server.route(WINNERS_HOOK, the_quiz_app)

    made = room_draw(room=room, by=organizer, prize_ids=[prize.pk])

    [request] = server.hits(WINNERS_HOOK)
    body = json.loads(request.body)
    assert body["metadata"]["leaderboard"] == [
        {"rank": 1, "participant_id": b.pk, "correct": 1, "answered": 1,
         "total_response_ms": 1000, "score": 10.0},
        {"rank": 2, "participant_id": a.pk, "correct": 1, "answered": 1,
         "total_response_ms": 2000, "score": 10.0},
        {"rank": 3, "participant_id": c.pk, "correct": 0, "answered": 1,
         "total_response_ms": 0, "score": 0.0},
    ]  # fmt: skip
    [draw] = made.draws
    assert (draw.method, draw.fallback_used) == (WinnerMethod.APP, False)
    assert draw.result == [b.pk, a.pk]  # the top two places, in rank order
    assert [w.metadata["method"] for w in made.winners] == ["leaderboard", "leaderboard"]


def test_a_quiz_room_whose_quiz_has_not_run_sends_an_empty_leaderboard(server):
    room = quiz_room(server)
    people = [ParticipantFactory(room=room) for _ in range(3)]
    prize = PrizeFactory(room=room, quantity=1)
    server.route(WINNERS_HOOK, the_quiz_app)
    made = room_draw(room=room, by=room.created_by, prize_ids=[prize.pk])
    body = json.loads(server.hits(WINNERS_HOOK)[0].body)
    assert body["metadata"] == {"leaderboard": []}
    # no leaderboard to go down: the Quiz app draws uniformly among the eligible
    [draw] = made.draws
    assert draw.method == WinnerMethod.APP and draw.result[0] in {p.pk for p in people}
    assert made.winners[0].metadata["method"] == "uniform"


def test_other_apps_get_no_metadata(server, app_draw_room):
    room, prize, people = app_draw_room(4)
    server.route(
        "/hooks/winners",
        answer(200, {"winners": [{"participant_id": people[0].pk, "prize_id": prize.pk}]}),
    )
    room_draw(room=room, by=room.created_by, prize_ids=[prize.pk])
    body = json.loads(server.hits("/hooks/winners")[0].body)
    assert "metadata" not in body
    assert set(body) == {"room_id", "draw_id", "count", "participants", "prizes", "app_settings"}
