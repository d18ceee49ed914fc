from celery import shared_task

from analytics import services


@shared_task(name="analytics.rollup_daily", acks_late=True)
def rollup_daily_task() -> list[str]:
    """Just after midnight UTC: yesterday's figures, and any day of the last week a stopped
    worker missed (idempotent: a rerun, or two at once, give the same rows)."""
    return [result.day.isoformat() for result in services.rollup_due()]
