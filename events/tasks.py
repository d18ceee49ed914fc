"""The events platform's Celery tasks. Each takes ids and plain data, never model instances,
and calls a service; running one twice does no harm."""

from celery import shared_task

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
