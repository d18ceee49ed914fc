"""Celery beat schedule: periodic tasks of every app, in one place.

Run with ``celery -A umbrella beat``. Entries name tasks by their registered name.
"""

from celery.schedules import crontab
from django.conf import settings

BEAT_SCHEDULE: dict[str, dict] = {
    "accounts-purge-expired-sessions": {
        "task": "accounts.purge_expired_sessions",
        "schedule": crontab(minute=17, hour=3),
    },
    "artists-flush-profile-views": {
        "task": "artists.flush_profile_views",
        "schedule": float(settings.PROFILE_VIEWS_FLUSH_SECONDS),
    },
    "artists-reconcile-quotas": {
        "task": "artists.reconcile_all_quotas",
        "schedule": crontab(minute=40, hour=3),
    },
}
