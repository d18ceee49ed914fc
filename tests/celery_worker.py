"""A real Celery worker for the tests that need one (tests/umbrella/test_worker.py, the
campaign send killed mid-batch in tests/messaging/test_campaigns_worker.py, the deliveries,
quiz and example-app tests of tests/events, which share one worker per session:
tests/events/conftest.py).

It runs against this test's database and the test Redis broker, on a **queue of its own per
xdist worker**: two tests starting workers at once in two xdist workers would otherwise share
the broker's default queue, and one's worker could run the other's task against the wrong
test database. While the worker runs, this process sends its tasks to that queue (and not
eagerly); the worker's own tasks go there too (``CELERY_TASK_DEFAULT_QUEUE`` in its
environment). A test that needs workers of its own while a shared one runs (a worker killed
mid-task) gives them another ``queue``.

The worker runs tests/celery_worker_app.py: the broker's unacked messages are kept per queue
and swept every second, so a worker started with ``CELERY_VISIBILITY_TIMEOUT=2`` takes back
what a killed one held within about 3 s (kombu's default sweep comes every 100 s).
"""

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from django.conf import settings
from django.db import connection

from umbrella.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[1]
QUEUE = f"tests-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"


def transport_options(queue: str) -> dict[str, object]:
    """The broker options of a worker on ``queue`` (tests/celery_worker_app.py)."""
    return {
        "unacked_key": f"unacked-{queue}",
        "unacked_index_key": f"unacked_index-{queue}",
        "unacked_mutex_key": f"unacked_mutex-{queue}",
        "unacked_mutex_expire": 10,
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    }


def start(
    env: dict[str, str] | None = None,
    *,
    loglevel: str = "WARNING",
    queue: str = QUEUE,
    log: IO[str] | None = None,
) -> subprocess.Popen:
    """Start a worker (solo pool) with this test's database, the broker and ``env``, consuming
    ``queue``. Its output is piped (``communicate()``), or written to ``log``: a worker that
    outlives a test must not fill a pipe nobody reads."""
    db = connection.settings_dict
    full = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "DJANGO_SETTINGS_MODULE": "umbrella.settings",
        **(env or {}),
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "tests.celery_worker_app",
            "worker",
            "--pool=solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            f"--loglevel={loglevel}",
            "--queues",
            queue,
        ],
        cwd=ROOT,
        env=full,
        stdout=log if log is not None else subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def purge(queue: str = QUEUE) -> None:
    """Forget every message waiting on ``queue`` or held for it by a worker (left by an earlier
    run or a failed test); stop its workers first."""
    with celery_app.connection_for_write() as conn:
        channel = conn.default_channel
        channel.queue_purge(queue)
        options = transport_options(queue)
        channel.client.delete(options["unacked_key"], options["unacked_index_key"])


@contextmanager
def sending_to_workers(queue: str = QUEUE) -> Iterator[None]:
    """Tasks sent from this process go to the broker, on ``queue`` (this xdist worker's)."""
    previous = celery_app.conf.task_always_eager, celery_app.conf.task_default_queue
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_default_queue = queue
    try:
        yield
    finally:
        celery_app.conf.task_always_eager, celery_app.conf.task_default_queue = previous
