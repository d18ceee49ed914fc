"""A real Celery worker, with the Redis broker, runs a task that was enqueued after commit."""

import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from accounts.tasks import purge_expired_sessions_task
from tests import celery_worker
from umbrella.tasks import enqueue_on_commit


def test_enqueue_on_commit_waits_for_the_commit(
    django_capture_on_commit_callbacks, db, monkeypatch
):
    sent = []
    monkeypatch.setattr(purge_expired_sessions_task, "apply_async", lambda **kw: sent.append(kw))

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        enqueue_on_commit(purge_expired_sessions_task)

    assert sent == [] and len(callbacks) == 1
    callbacks[0]()
    assert sent == [{"kwargs": {}}]


@pytest.fixture
def worker(on_postgres):
    if not settings.REDIS_URL:
        pytest.skip("needs Redis: set REDIS_URL")
    process = celery_worker.start(loglevel="INFO")
    with celery_worker.sending_to_workers():
        try:
            yield process
        finally:
            celery_worker.stop(process)


@pytest.mark.postgres
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_real_worker_runs_a_task_enqueued_after_commit(worker):
    with transaction.atomic():
        Session.objects.create(
            session_key="x" * 32, session_data="", expire_date=timezone.now() - timedelta(days=1)
        )
        enqueue_on_commit(purge_expired_sessions_task)

    deadline = time.monotonic() + 60
    while Session.objects.filter(session_key="x" * 32).exists():
        if worker.poll() is not None:
            pytest.fail(f"worker exited early:\n{worker.stdout.read()}")
        if time.monotonic() > deadline:
            worker.terminate()
            pytest.fail(f"the worker did not run the task in 60 s:\n{worker.communicate()[0]}")
        time.sleep(0.2)
