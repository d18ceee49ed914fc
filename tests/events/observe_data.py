"""Rows for the metrics, health and alert tests: webhook attempts and dead letters as the
delivery engine records them."""

import uuid
from datetime import datetime

from django.utils import timezone

from events.models import App, DeadLetter, Outcome, WebhookDelivery


def attempts(
    app: App,
    durations: list[int],
    *,
    capability: str = "winner_selection",
    outcome: str = Outcome.SUCCESS,
    at: datetime | None = None,
) -> None:
    """One recorded attempt per duration (ms), all with ``outcome``, at ``at`` (default now)."""
    when = at or timezone.now()
    WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            app=app,
            capability=capability,
            event=capability,
            webhook_id=f"msg_{uuid.uuid4().hex}",
            duration_ms=duration,
            outcome=outcome,
            status_code=200 if outcome == Outcome.SUCCESS else None,
            created_at=when,
        )
        for duration in durations
    )


def dead_letters(app: App, count: int, *, capability: str = "notifications", **fields) -> None:
    DeadLetter.objects.bulk_create(
        DeadLetter(
            app=app,
            capability=capability,
            event="room.updated",
            webhook_id=f"msg_{uuid.uuid4().hex}",
            payload={"n": n},
            attempts=3,
            **fields,
        )
        for n in range(count)
    )
