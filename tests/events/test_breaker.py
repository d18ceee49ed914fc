"""The circuit breaker's rules (SPEC-events §4), on both backends: Redis (shared by processes,
skipped without ``REDIS_URL``) and the in-memory fallback of the embedded default. The backends
take the time as an argument; the module's functions read ``time.time()``, moved here with
time-machine."""

import multiprocessing
import os
import socket
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
import time_machine
from django.test import override_settings

from events.webhooks import breaker
from events.webhooks.breaker import (
    FAILURES_TO_OPEN,
    OPEN_SECONDS,
    SUCCESSES_TO_CLOSE,
    MemoryBackend,
    RedisBackend,
)
from tests.events import breaker_worker

REDIS_URL = os.environ.get("REDIS_URL", "")
T0 = 1_800_000_000.0
LEASE = 10.0


@pytest.fixture(params=["memory", "redis"])
def backend(request) -> Iterator[MemoryBackend | RedisBackend]:
    if request.param == "memory":
        yield MemoryBackend()
        return
    if not REDIS_URL:
        pytest.skip("needs Redis: set REDIS_URL")
    client = redis.Redis.from_url(REDIS_URL)
    yield RedisBackend(client)
    client.close()


@pytest.fixture
def key(backend) -> Iterator[str]:
    name = f"test:breaker:{uuid.uuid4().hex}"
    yield name
    backend.reset(name)


def _state(backend, key: str, now: float) -> str:
    return breaker._snapshot(backend.read(key), now).state


def _open(backend, key: str, now: float = T0) -> None:
    for _ in range(FAILURES_TO_OPEN):
        backend.failure(key, now)
    assert _state(backend, key, now) == "open"


def test_it_opens_after_exactly_five_consecutive_failures(backend, key):
    opened = [backend.failure(key, T0 + i) for i in range(FAILURES_TO_OPEN)]
    assert opened == [False, False, False, False, True]
    assert _state(backend, key, T0 + 5) == "open"
    assert not backend.allow(key, T0 + 5, LEASE)


def test_a_success_resets_the_count(backend, key):
    for _ in range(FAILURES_TO_OPEN - 1):
        backend.failure(key, T0)
    backend.success(key, T0)
    for _ in range(FAILURES_TO_OPEN - 1):
        assert not backend.failure(key, T0)
    assert _state(backend, key, T0) == "closed"
    assert backend.allow(key, T0, LEASE)


def test_nothing_goes_for_60_seconds_after_the_last_failure(backend, key):
    _open(backend, key)
    for offset in (0, 1, 30, OPEN_SECONDS - 0.01):
        assert not backend.allow(key, T0 + offset, LEASE)
    assert _state(backend, key, T0 + OPEN_SECONDS) == "half_open"
    assert backend.allow(key, T0 + OPEN_SECONDS, LEASE)


def test_a_late_failure_while_open_moves_the_60_seconds(backend, key):
    _open(backend, key)
    assert not backend.failure(key, T0 + 30)  # a call that was already in flight
    assert not backend.allow(key, T0 + OPEN_SECONDS, LEASE)
    assert backend.allow(key, T0 + 30 + OPEN_SECONDS, LEASE)


def test_exactly_one_probe_among_20_concurrent_callers(backend, key):
    _open(backend, key)
    start = threading.Barrier(20)

    def call() -> bool:
        start.wait()
        return backend.allow(key, T0 + OPEN_SECONDS + 1, LEASE)

    with ThreadPoolExecutor(20) as pool:
        allowed = list(pool.map(lambda _: call(), range(20)))
    assert allowed.count(True) == 1


def test_three_successes_close_it_one_probe_at_a_time(backend, key):
    _open(backend, key)
    now = T0 + OPEN_SECONDS
    for i in range(SUCCESSES_TO_CLOSE):
        assert backend.allow(key, now, LEASE)
        assert not backend.allow(key, now, LEASE)  # the probe is out: everyone else waits
        assert _state(backend, key, now) == "half_open"
        backend.success(key, now)
        assert _state(backend, key, now) == (
            "closed" if i == SUCCESSES_TO_CLOSE - 1 else "half_open"
        )
    assert all(backend.allow(key, now, LEASE) for _ in range(10))
    assert breaker._snapshot(backend.read(key), now).failures == 0


def test_a_failed_probe_reopens_it_for_another_60_seconds(backend, key):
    _open(backend, key)
    now = T0 + OPEN_SECONDS
    assert backend.allow(key, now, LEASE)
    backend.success(key, now)
    assert backend.allow(key, now + 1, LEASE)
    assert backend.failure(key, now + 1) is False  # the same incident: not "just opened"
    assert _state(backend, key, now + 1) == "open"
    assert not backend.allow(key, now + OPEN_SECONDS, LEASE)
    assert backend.allow(key, now + 1 + OPEN_SECONDS, LEASE)
    assert breaker._snapshot(backend.read(key), now + 1 + OPEN_SECONDS).successes == 0


def test_a_lost_probe_gives_way_to_another_after_its_lease(backend, key):
    _open(backend, key)
    now = T0 + OPEN_SECONDS
    assert backend.allow(key, now, LEASE)  # this probe's process dies: no success, no failure
    assert not backend.allow(key, now + LEASE - 0.01, LEASE)
    assert backend.allow(key, now + LEASE, LEASE)


def test_reset_closes_it(backend, key):
    _open(backend, key)
    backend.reset(key)
    assert _state(backend, key, T0) == "closed"
    assert backend.allow(key, T0, LEASE)


# --- the module's API (the backend the settings give), with a moving clock -------------------


def test_pairs_are_isolated_and_the_clock_is_python_s():
    app, other_app = f"app_{uuid.uuid4().hex[:8]}", f"app_{uuid.uuid4().hex[:8]}"
    with time_machine.travel(T0, tick=False) as clock:
        opened = [breaker.record_failure(app, "winner_selection") for _ in range(5)]
        assert opened[-1] is True
        assert breaker.state(app, "winner_selection") == "open"
        assert breaker.state(app, "quiz_validation") == "closed"
        assert breaker.state(other_app, "winner_selection") == "closed"
        assert breaker.allow(app, "quiz_validation")
        assert breaker.allow(other_app, "winner_selection")
        assert not breaker.allow(app, "winner_selection")
        clock.shift(OPEN_SECONDS)
        assert breaker.state(app, "winner_selection") == "half_open"
        assert breaker.allow(app, "winner_selection", lease_seconds=7)
        assert not breaker.allow(app, "winner_selection")
        snap = breaker.snapshot(app, "winner_selection")
        assert (snap.state, snap.last_failure_at) == ("half_open", T0)
        for _ in range(3):
            breaker.record_success(app, "winner_selection")
            breaker.allow(app, "winner_selection")
        assert breaker.state(app, "winner_selection") == "closed"
        breaker.record_failure(app, "winner_selection")
        breaker.reset(app, "winner_selection")
        assert breaker.snapshot(app, "winner_selection").failures == 0


# --- two processes, one breaker (Redis) ---------------------------------------------------------


@pytest.fixture
def redis_key() -> Iterator[str]:
    if not REDIS_URL:
        pytest.skip("needs Redis: set REDIS_URL")
    name = f"test:breaker:{uuid.uuid4().hex}"
    yield name
    redis.Redis.from_url(REDIS_URL).delete(name)


@pytest.mark.timeout(60)
def test_two_processes_failing_at_once_each_count(redis_key):
    spawn = multiprocessing.get_context("spawn")
    with spawn.Manager() as manager, spawn.Pool(2) as pool:
        start = manager.Event()
        runs = [
            pool.apply_async(breaker_worker.fail, (REDIS_URL, redis_key, 2, T0, start))
            for _ in range(2)
        ]
        start.set()
        assert [run.get(30) for run in runs] == [0, 0]
    shared = RedisBackend(redis.Redis.from_url(REDIS_URL))
    assert breaker._snapshot(shared.read(redis_key), T0).failures == 4
    assert shared.failure(redis_key, T0) is True  # the 5th, from this third process, opens it


@pytest.mark.timeout(60)
def test_two_processes_racing_for_the_probe_get_one_between_them(redis_key):
    shared = RedisBackend(redis.Redis.from_url(REDIS_URL))
    _open(shared, redis_key)
    spawn = multiprocessing.get_context("spawn")
    with spawn.Manager() as manager, spawn.Pool(2) as pool:
        start = manager.Event()
        runs = [
            pool.apply_async(
                breaker_worker.probe, (REDIS_URL, redis_key, 10, T0 + OPEN_SECONDS, start)
            )
            for _ in range(2)
        ]
        start.set()
        assert sum(run.get(30) for run in runs) == 1


def test_an_unreachable_redis_lets_calls_through_rather_than_failing_them():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = probe.getsockname()[1]
    location = f"redis://127.0.0.1:{dead}/0"
    with override_settings(
        CACHES={"default": {"BACKEND": "umbrella.cache.RedisCache", "LOCATION": location}}
    ):
        assert breaker.allow("app_unreachable", "winner_selection") is True
        assert breaker.record_failure("app_unreachable", "winner_selection") is False
        breaker.record_success("app_unreachable", "winner_selection")
        with pytest.raises(redis.RedisError):  # staff pages show the error rather than a guess
            breaker.state("app_unreachable", "winner_selection")


# --- admit: one round trip says whether a success has anything to reset -----------------------


def test_admit_says_clean_only_when_closed_with_nothing_on_record(backend, key):
    from events.webhooks.breaker import ALLOWED, ALLOWED_CLEAN, REFUSED

    assert backend.admit(key, T0, LEASE) == ALLOWED_CLEAN
    backend.failure(key, T0)
    assert backend.admit(key, T0, LEASE) == ALLOWED  # a failure is counted: a success resets it
    backend.success(key, T0)
    assert backend.admit(key, T0, LEASE) == ALLOWED_CLEAN
    _open(backend, key)
    assert backend.admit(key, T0 + 1, LEASE) == REFUSED
    assert backend.admit(key, T0 + OPEN_SECONDS, LEASE) == ALLOWED  # the probe, never "clean"
    assert backend.admit(key, T0 + OPEN_SECONDS, LEASE) == REFUSED
