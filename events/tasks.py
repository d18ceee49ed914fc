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
    replay: bool = False,
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
        replay=replay,
    )


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
