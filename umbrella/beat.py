"""Celery beat schedule: periodic tasks of every app, in one place.

Run with ``celery -A umbrella beat``. Entries name tasks by their registered name.
"""

import os

from celery.schedules import crontab

# Read here, not from django.conf.settings: this module is imported while settings load.
# umbrella/settings.py takes the same value from here.
PROFILE_VIEWS_FLUSH_SECONDS = int(os.environ.get("PROFILE_VIEWS_FLUSH_SECONDS", "30"))

BEAT_SCHEDULE: dict[str, dict] = {
    "accounts-purge-expired-sessions": {
        "task": "accounts.purge_expired_sessions",
        "schedule": crontab(minute=17, hour=3),
    },
    "analytics-rollup-daily": {
        # Just after midnight UTC, once the last profile views of the day are flushed (30 s).
        "task": "analytics.rollup_daily",
        "schedule": crontab(minute=7, hour=0),
    },
    "artists-flush-profile-views": {
        "task": "artists.flush_profile_views",
        "schedule": float(PROFILE_VIEWS_FLUSH_SECONDS),
    },
    "marketplace-complete-due-gigs": {
        "task": "marketplace.complete_due_gigs",
        "schedule": crontab(minute="*/15"),
    },
    "marketplace-reveal-due-reviews": {
        "task": "marketplace.reveal_due_reviews",
        "schedule": crontab(minute=5),
    },
    "marketplace-saved-search-digests": {
        "task": "marketplace.send_saved_search_digests",
        "schedule": crontab(minute=0, hour=13),  # morning in the Americas, afternoon in Europe
    },
    "messaging-send-digests": {
        "task": "messaging.send_digests",
        "schedule": crontab(minute="*/5"),
    },
    "messaging-expire-fan-import-previews": {
        "task": "messaging.fans_expire_import_previews",
        "schedule": crontab(minute=25, hour=4),
    },
    "messaging-campaign-dispatch": {
        "task": "messaging.campaign_dispatch",
        "schedule": crontab(minute="*"),
    },
    "events-drain-deliveries": {  # a safety net: enqueueing starts a drain itself
        "task": "events.webhook_drain",
        "schedule": 60.0,
    },
    "events-prune-deliveries": {
        "task": "events.deliveries_prune",
        "schedule": crontab(minute=50, hour=3),
    },
    "artists-reconcile-quotas": {
        "task": "artists.reconcile_all_quotas",
        "schedule": crontab(minute=40, hour=3),
    },
    "events-health-checks": {
        "task": "events.health_check_all",
        "schedule": crontab(minute="*/5"),
    },
    "events-alerts": {
        "task": "events.alerts_evaluate",
        "schedule": crontab(minute="*/5"),
    },
    "events-prune-room-events": {
        "task": "events.room_events_prune",
        "schedule": crontab(minute="*/5"),
    },
}
