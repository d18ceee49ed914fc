from celery import shared_task

from marketplace.services.completion import BATCH, gigs_complete_due
from marketplace.services.reviews import reviews_reveal_due
from marketplace.services.saved_searches import (
    saved_search_digests_pending,
    saved_search_digests_send,
)


@shared_task(name="marketplace.complete_due_gigs", acks_late=True)
def complete_due_gigs_task() -> int:
    """Complete every filled gig that has ended (idempotent: safe to repeat or run twice)."""
    total = 0
    while (done := gigs_complete_due(limit=BATCH)) > 0:
        total += done
        if done < BATCH:
            break
    return total


@shared_task(name="marketplace.reveal_due_reviews", acks_late=True)
def reveal_due_reviews_task() -> int:
    """Publish reviews whose window has passed without the other side's (idempotent)."""
    return reviews_reveal_due()


DIGEST_BUDGET_SECONDS = 10 * 60  # well inside CELERY_TASK_SOFT_TIME_LIMIT (14 minutes)


@shared_task(name="marketplace.send_saved_search_digests", acks_late=True)
def send_saved_search_digests_task() -> int:
    """Once a day: each artist's digest of new gigs matching their saved searches (idempotent:
    a second run the same day, or two at once, send nothing twice). A run that uses up its
    time budget queues the next one, which goes on with the artists still due."""
    sent = saved_search_digests_send(budget_seconds=DIGEST_BUDGET_SECONDS)
    if saved_search_digests_pending():
        send_saved_search_digests_task.delay()
    return sent
