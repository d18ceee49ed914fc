"""The events platform's Celery tasks. Each takes ids and plain data, never model instances,
and calls a service; running one twice does no harm."""

import logging
from typing import Any

from celery import shared_task

logger = logging.getLogger(__name__)

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
    first_attempt: int | None = None,
    deferred_since: float | None = None,
    replay: bool = False,
) -> str:
    """One attempt of one message; it enqueues the next attempt itself (with its backoff) or
    writes the dead letter. Acknowledged only once it ran: a worker killed mid-call gives the
    message back to the broker and another worker sends it again, same ``webhook-id``.

    Retries and deferred attempts (with a countdown) come this way, and every attempt under
    eager Celery or without Redis; first attempts and replays go through the due list in
    batches (:func:`webhook_drain_task`)."""
    from events.services import deliveries

    return deliveries.webhook_deliver(
        app_pk=app_pk,
        capability=capability,
        event=event,
        payload=payload,
        webhook_id=webhook_id,
        attempt=attempt,
        last_attempt=last_attempt,
        first_attempt=first_attempt,
        deferred_since=deferred_since,
        replay=replay,
    )


def webhook_deliver_batch(messages: list[dict[str, Any]]) -> list[str]:
    """What a worker runs for a batch of ``events.webhook_deliver`` messages (their keyword
    arguments): one attempt of each (:func:`events.services.deliveries.webhook_deliver_many`).
    Arguments a message should not have (a newer sender's) are dropped, as a task would refuse
    them; a message missing a required one is skipped, logged."""
    from events.services import deliveries

    usable = []
    for message in messages:
        known = {k: v for k, v in message.items() if k in deliveries.MESSAGE_KEYS}
        known.setdefault("attempt", 1)
        known.setdefault("last_attempt", deliveries.ATTEMPTS)
        if not {"app_pk", "capability", "event", "payload", "webhook_id"} <= known.keys():
            logger.error("a delivery message without its arguments: %r", message)
            continue
        usable.append(known)
    return deliveries.webhook_deliver_many(usable)


@shared_task(name="events.webhook_drain", acks_late=True, reject_on_worker_lost=True)
def webhook_drain_task() -> int:
    """Deliver the due list (events/delivery_queue.py) in batches until it is empty; sent by
    the first enqueue while no drain runs, and by beat every minute (lost drains, stale
    claims). Run twice at once, the two share the list: each message is claimed once."""
    from events import delivery_queue

    return delivery_queue.drain()


@shared_task(name="events.deliveries_prune")
def deliveries_prune_task() -> int:
    """Delete webhook attempts older than 90 days (beat, daily), in batches."""
    from events.services import deliveries

    return deliveries.deliveries_prune()


# --- health checks and alerts (docs/events.md, "Metrics, health and alerts") ----------------


@shared_task(name="events.health_check_all")
def health_check_all_task() -> int:
    """Beat, every 5 minutes: one health check task per active app (each may wait 5 s)."""
    from events import health

    pks = health.apps_to_check()
    for pk in pks:
        health_check_task.delay(app_pk=pk)
    return len(pks)


@shared_task(name="events.health_check", ignore_result=True)
def health_check_task(*, app_pk: int) -> bool | None:
    """``GET {base_url}/health`` of one app and count the result. Run twice, it checks twice:
    two real checks, which is what they are."""
    from events import health

    result = health.app_health_check(app_pk=app_pk)
    return None if result is None else result.consecutive_failures == 0


@shared_task(name="events.alerts_evaluate")
def alerts_evaluate_task() -> int:
    """Beat, every 5 minutes: open, escalate or close the alert incidents of every app."""
    from events import alerts

    return len(alerts.alerts_evaluate())
