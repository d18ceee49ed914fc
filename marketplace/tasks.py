from celery import shared_task

from marketplace.services.completion import BATCH, gigs_complete_due


@shared_task(name="marketplace.complete_due_gigs", acks_late=True)
def complete_due_gigs_task() -> int:
    """Complete every filled gig that has ended (idempotent: safe to repeat or run twice)."""
    total = 0
    while (done := gigs_complete_due(limit=BATCH)) > 0:
        total += done
        if done < BATCH:
            break
    return total
