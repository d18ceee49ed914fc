"""The live rooms' Celery task (issue 12): pruning the rooms' event log. Kept apart from
events/tasks.py; Celery imports it through ``CELERY_IMPORTS`` (settings)."""

from celery import shared_task


@shared_task(name="events.room_events_prune")
def room_events_prune_task() -> int:
    """Delete room events older than events.realtime.KEEP_EVENTS (beat, every 5 minutes):
    reconnecting clients can ask for at least the last 5 minutes (SPEC-events §7)."""
    from events import realtime

    return realtime.events_prune()
