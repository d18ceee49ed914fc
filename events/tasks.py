"""The events platform's Celery tasks. Each takes ids and plain data, never model instances,
and calls a service; running one twice does no harm."""

from typing import Any

from celery import shared_task

# --- async deliveries (docs/events.md, "Async deliveries and dead letters") -------------------


@shared_task(name="events.webhook_deliver", acks_late=True, reject_on_worker_lost=True)
def webhook_deliver_task(
    *,
    app_pk: int,
    capability: str,
    event: str,
    payload: dict[str, Any],
    webhook_id: str,
    attempt: int = 1,
    last_attempt: int = 3,
    deferred_since: float | None = None,
) -> str:
    """One attempt of one message; it enqueues the next attempt itself (with its backoff) or
    writes the dead letter. Acknowledged only once it ran: a worker killed mid-call gives the
    message back to the broker and another worker sends it again, same ``webhook-id``."""
    from events.services import deliveries

    return deliveries.webhook_deliver(
        app_pk=app_pk,
        capability=capability,
        event=event,
        payload=payload,
        webhook_id=webhook_id,
        attempt=attempt,
        last_attempt=last_attempt,
        deferred_since=deferred_since,
    )


@shared_task(name="events.deliveries_prune")
def deliveries_prune_task() -> int:
    """Delete webhook attempts older than 90 days (beat, daily), in batches."""
    from events.services import deliveries

    return deliveries.deliveries_prune()
