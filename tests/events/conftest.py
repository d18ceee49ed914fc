import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
import redis

from events.webhooks import breaker
from tests import celery_worker


@pytest.fixture
def closed_breakers():
    """The embedded default's in-process breakers, forgotten after the test (with Redis, tests
    use app ids of their own)."""
    yield
    breaker.MEMORY.clear()


class SharedWorker:
    """The real Celery worker of this xdist worker's session (tests/celery_worker.py), started
    by the first test that needs one: starting one per test cost each a few seconds. It lives
    until the session ends, so it consumes a queue of its own: on the xdist worker's queue it
    would take the tasks of the workers other tests start (tests/messaging, tests/umbrella)."""

    ENV = {"EVENTS_WEBHOOK_ALLOW_PRIVATE": "true"}  # the test app servers are on 127.0.0.1
    QUEUE = f"{celery_worker.QUEUE}-events"

    def __init__(self, log: Path) -> None:
        self.log = log
        self.process: subprocess.Popen | None = None

    def ensure(self) -> subprocess.Popen:
        if self.process is None:
            celery_worker.purge(self.QUEUE)  # nothing left from an earlier run
            with self.log.open("a") as out:
                self.process = celery_worker.start(self.ENV, queue=self.QUEUE, log=out)
        elif self.process.poll() is not None:
            self.process = None  # the next test starts another
            pytest.fail(f"the shared Celery worker exited:\n{self.output()}")
        return self.process

    def sending(self) -> AbstractContextManager[None]:
        """Tasks sent from this process go to this worker."""
        return celery_worker.sending_to_workers(self.QUEUE)

    def output(self) -> str:
        return self.log.read_text()

    def stop(self) -> None:
        celery_worker.stop(self.process)
        self.process = None


@pytest.fixture(scope="session")
def _shared_worker(django_db_setup, tmp_path_factory) -> Iterator[SharedWorker]:
    # After django_db_setup: the worker uses the test database, and stops before it goes.
    shared = SharedWorker(tmp_path_factory.mktemp("celery-worker") / "worker.log")
    yield shared
    shared.stop()


@pytest.fixture
def celery_worker_shared(_shared_worker, settings, on_postgres, request) -> Iterator[SharedWorker]:
    """The shared real worker, running the tasks the test sends it (``with ….sending():``).
    A test that fails may leave tasks behind (waiting, or held with a countdown): the worker is
    replaced."""
    if not settings.REDIS_URL:
        pytest.skip("needs Redis: set REDIS_URL")
    failed = request.session.testsfailed
    _shared_worker.ensure()
    yield _shared_worker
    if request.session.testsfailed != failed:
        _shared_worker.stop()


@pytest.fixture
def fresh_redis() -> Iterator[redis.Redis]:
    """A private Redis server of our own (a free port, nothing saved): no script loaded, nobody
    else's commands in its counters."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("needs redis-server")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(host="127.0.0.1", port=port)
    try:
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        yield client
    finally:
        client.close()
        server.terminate()
        server.wait(10)


@pytest.fixture
def server():
    """A local app server (``tests/events/appserver.AppServer``) for webhook calls; a module
    that needs another kind of server defines its own ``server``."""
    from tests.events.appserver import AppServer

    with AppServer() as app:
        yield app


@pytest.fixture
def clock():
    """Time frozen at now (``time_machine``), moved by the test: ``clock.shift(...)``."""
    import time_machine
    from django.utils import timezone

    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


@pytest.fixture
def draw_room():
    """``make(n_entrants=3, quantity=1, app_manifest=None, **room)`` -> ``(room, prize,
    people)``: an active room of an app (by default ``NO_DRAW_APP``: the platform draws), one
    prize of ``quantity`` units and ``n_entrants`` participants (the draws' tests)."""
    from events.models import RoomStatus
    from tests.events.factories import (
        NO_DRAW_APP,
        AppFactory,
        ParticipantFactory,
        PrizeFactory,
        RoomFactory,
    )

    def make(n_entrants: int = 3, quantity: int = 1, app_manifest: dict | None = None, **room):
        app = AppFactory(manifest=app_manifest or NO_DRAW_APP)
        made = RoomFactory(app=app, status=RoomStatus.ACTIVE, **room)
        prize = PrizeFactory(room=made, quantity=quantity)
        people = [ParticipantFactory(room=made) for _ in range(n_entrants)]
        return made, prize, people

    return make


@pytest.fixture
def app_draw_room(server, draw_room):
    """``draw_room`` whose app picks the winners at ``server`` (``WINNERS_HOOK``, 1 s), with
    a signing secret."""
    from events.services.credentials import webhook_secret_issue
    from tests.events.factories import WINNERS_HOOK, manifest

    hooks = {
        "winner_selection": {"path": WINNERS_HOOK, "timeout_ms": 1000},
        "notifications": {"path": "/hooks/notify", "async": True},
    }

    def make(n_entrants: int = 3, quantity: int = 1, **room):
        app_manifest = manifest(base_url=server.base_url, webhooks=hooks)
        made, prize, people = draw_room(n_entrants, quantity, app_manifest, **room)
        webhook_secret_issue(app=made.app)
        return made, prize, people

    return make
