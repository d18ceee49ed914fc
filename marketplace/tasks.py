from celery import shared_task

from marketplace.services.completion import BATCH, gigs_complete_due
from marketplace.services.reviews import reviews_reveal_due
from marketplace.services.saved_searches import saved_search_digests_send


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


@shared_task(name="marketplace.send_saved_search_digests", acks_late=True)
def send_saved_search_digests_task() -> int:
    """Once a day: each artist's digest of new gigs matching their saved searches (idempotent:
    a second run the same day, or two at once, send nothing twice)."""
    return saved_search_digests_send()
