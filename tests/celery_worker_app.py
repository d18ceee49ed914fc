"""The Celery app a test worker runs (``celery -A tests.celery_worker_app``, started by
tests/celery_worker.py): umbrella's app, with the Redis transport's bookkeeping of unacked
messages kept per queue and swept every second.

Why: kombu's Redis transport keeps every message a worker holds (``acks_late``) in one
``unacked`` hash and ``unacked_index`` sorted set **per Redis database**, and a worker gives
back the ones older than its ``visibility_timeout`` in ``restore_visible``: once when it starts
polling, then every ``unacked_restore_interval`` (10 s) times ``unacked_restore_throttle`` (10) =
**100 s**, under one ``unacked_mutex`` (held up to 300 s by a worker killed in a sweep). A test
worker started with ``CELERY_VISIBILITY_TIMEOUT=2`` less than 2 s after the killed one took the
message found nothing to give back at start and looked again only 100 s later (the test gave up
after 90 s); and, sharing the keys, it could give back a message that another xdist worker's
live Celery worker was still running. Here each queue has keys of its own and a sweep runs
every second, so a message held by a dead worker is back within ``visibility_timeout`` + 1 s.
Production keeps kombu's defaults (umbrella/settings.py): its visibility timeout is an hour.
"""

import os

from tests.celery_worker import transport_options
from umbrella.celery import app

app.conf.broker_transport_options = {
    **app.conf.broker_transport_options,
    **transport_options(os.environ["CELERY_TASK_DEFAULT_QUEUE"]),
}

__all__ = ["app"]
