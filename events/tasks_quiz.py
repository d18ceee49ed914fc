"""The quiz's Celery task: close a question when its time is up (docs/rooms.md, "Quiz").

Scheduled by events.services.quiz when a question opens, with a countdown to its
``settles_at``. Safe to run twice, early or late: the service closes only a question that is
still open and due; answers and reads close it lazily too, so a lost task delays nothing that
anyone can see.
"""

from celery import shared_task

# A task that arrives early (clocks differ) looks again this many times before giving up.
EARLY_RETRIES = 3


@shared_task(name="events.quiz_close_question", bind=True, acks_late=True)
def quiz_close_question_task(self, *, room_id: int, question_id: str) -> bool:  # type: ignore[no-untyped-def]
    from django.utils import timezone

    from events.models import QuizRun, QuizStatus
    from events.services import quiz

    if quiz.quiz_close_due(room_id=room_id, question_id=question_id):
        return True
    run = (
        QuizRun.objects.filter(
            room_id=room_id, status=QuizStatus.QUESTION_OPEN, question_id=question_id
        )
        .only("settles_at")
        .first()
    )
    # Still open, not yet due: a worker that ran it early looks again at the right time; an
    # eager run (which does not wait) or a direct call leaves it to the lazy close.
    settles_at = run.settles_at if run is not None else None
    queued = self.request.id is not None and not self.request.is_eager
    if settles_at and queued and self.request.retries < EARLY_RETRIES:
        wait = max(0.05, (settles_at - timezone.now()).total_seconds())
        raise self.retry(countdown=wait, max_retries=EARLY_RETRIES)
    return False
