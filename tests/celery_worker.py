"""A real Celery worker for the tests that need one (tests/umbrella/test_worker.py, the
campaign send killed mid-batch in tests/messaging/test_campaigns_worker.py).

It runs against this test's database and the test Redis broker, on a **queue of its own per
xdist worker**: two tests starting workers at once in two xdist workers would otherwise share
the broker's default queue, and one's worker could run the other's task against the wrong
test database. While the worker runs, this process sends its tasks to that queue (and not
eagerly); the worker's own tasks go there too (``CELERY_TASK_DEFAULT_QUEUE`` in its
environment).
"""

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

from umbrella.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[1]
QUEUE = f"tests-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"


def start(env: dict[str, str] | None = None, *, loglevel: str = "WARNING") -> subprocess.Popen:
    """Start a worker (solo pool) with this test's database, the broker and ``env``."""
    db = connection.settings_dict
    full = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CELERY_TASK_DEFAULT_QUEUE": QUEUE,
        "DJANGO_SETTINGS_MODULE": "umbrella.settings",
        **(env or {}),
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "umbrella",
            "worker",
            "--pool=solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            f"--loglevel={loglevel}",
            "--queues",
            QUEUE,
        ],
        cwd=ROOT,
        env=full,
        stdout=subprocess.PIPE,
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


@contextmanager
def sending_to_workers() -> Iterator[None]:
    """Tasks sent from this process go to the broker, on this xdist worker's queue."""
    previous = celery_app.conf.task_always_eager, celery_app.conf.task_default_queue
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_default_queue = QUEUE
    try:
        yield
    finally:
        celery_app.conf.task_always_eager, celery_app.conf.task_default_queue = previous
