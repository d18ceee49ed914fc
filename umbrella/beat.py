"""Celery beat schedule: periodic tasks of every app, in one place.

Run with ``celery -A umbrella beat``. Later issues add their rollups here.
"""

from celery.schedules import crontab  # noqa: F401  (used by entries as they arrive)

BEAT_SCHEDULE: dict[str, dict] = {}
