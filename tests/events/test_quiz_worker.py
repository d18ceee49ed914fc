"""Closing a quiz question on time through a real Celery worker (tests/celery_worker.py, Redis
broker, PostgreSQL; the session's shared one, tests/events/conftest.py): nobody reads or
answers, the scheduled task alone closes it once its judging grace has passed, and the correct
index is told then, not before."""

import time

import pytest

from events.models import QuizRun, QuizStatus, RoomEvent
from events.services import quiz
from tests.events.appserver import AppServer
from tests.events.quizkit import QUESTIONS, quiz_room

pytestmark = [pytest.mark.postgres, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_the_scheduled_task_closes_the_question_when_its_time_is_up(celery_worker_shared):
    with AppServer() as server:
        room = quiz_room(server, app_settings={"questions": [{**QUESTIONS[0], "time_limit_s": 1}]})
        quiz.quiz_start(room=room, by=room.created_by)
        with celery_worker_shared.sending():
            run = quiz.quiz_next_question(room=room, by=room.created_by)
        grace = (run.settles_at - run.opened_at).total_seconds()
        assert 3 <= grace <= 4  # 1 s to answer, the app's 2 s to judge, 0.5 s margin
        started = time.monotonic()
        deadline = started + 60
        while not RoomEvent.objects.filter(room=room, type="quiz:question_closed").exists():
            if celery_worker_shared.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the question did not close:\n{celery_worker_shared.output()}")
            time.sleep(0.05)
        took = time.monotonic() - started
    assert took >= grace - 0.5  # not before its time (the task ran early at most by a margin)
    assert QuizRun.objects.get(room=room).status == QuizStatus.BETWEEN
    [closed] = RoomEvent.objects.filter(room=room, type="quiz:question_closed")
    assert closed.data["correct_index"] == QUESTIONS[0]["correct_index"]
