"""The Celery application.

Workers acknowledge a task only after it ran (``acks_late``) and give it back to the broker when
they die (``reject_on_worker_lost``), so a killed worker loses nothing; every task must therefore
be safe to run twice (see docs/architecture.md, "Tasks").
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "umbrella.settings")

app = Celery("umbrella")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

from umbrella.beat import BEAT_SCHEDULE  # noqa: E402

app.conf.beat_schedule = BEAT_SCHEDULE
