"""events.webhooks.breaker, pinned where mutation testing (docs/testing.md, "Events: the rest of
the platform") found the suite silent: what the staff page's snapshot says in each state, a
success that arrives while the breaker is open or clean, the probe lease the caller asks for,
``admit_and_read`` (the webhook caller's one round trip), the cache key prefix that keeps two
sites' breakers apart on one Redis, a Redis that has lost the script, and the warnings of an
unreachable store. Both backends where the rule is the backend's (Redis skipped without
``REDIS_URL``)."""

import logging
import os
import socket
import uuid
from collections.abc import Iterator

import pytest
import redis
import time_machine
from django.test import override_settings

from events.webhooks import breaker
from events.webhooks.breaker import (
    ALLOWED,
    ALLOWED_CLEAN,
    FAILURES_TO_OPEN,
    OPEN_SECONDS,
    REFUSED,
    MemoryBackend,
    RedisBackend,
)

REDIS_URL = os.environ.get("REDIS_URL", "")
T0 = 1_800_000_000.0
LEASE = 10.0
WINNERS = "winner_selection"


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


def _snap(backend, key: str, now: float) -> breaker.Snapshot:
    return breaker._snapshot(backend.read(key), now)


def _open(backend, key: str, now: float = T0) -> None:
    for _ in range(FAILURES_TO_OPEN):
        backend.failure(key, now)


def test_a_closed_breaker_with_an_old_failure_is_still_closed(backend, key):
    backend.failure(key, T0)

    snap = _snap(backend, key, T0 + 10 * OPEN_SECONDS)

    assert (snap.state, snap.failures, snap.successes) == ("closed", 1, 0)
    assert (snap.last_failure_at, snap.probe_at) == (T0, None)


def test_a_closed_breaker_with_a_failure_on_record_lets_every_call_go(backend, key):
    backend.failure(key, T0)

    assert [backend.admit(key, T0 + 1, LEASE) for _ in range(5)] == [ALLOWED] * 5


def test_the_snapshot_of_an_open_breaker_says_when_the_probe_may_go(backend, key):
    _open(backend, key)

    snap = _snap(backend, key, T0 + 1)

    assert (snap.state, snap.failures, snap.last_failure_at) == ("open", FAILURES_TO_OPEN, T0)
    assert snap.probe_at == T0 + OPEN_SECONDS


def test_half_open_successes_are_counted_and_forgotten_when_a_probe_fails(backend, key):
    _open(backend, key)
    now = T0 + OPEN_SECONDS
    assert backend.allow(key, now, LEASE)
    backend.success(key, now)
    assert _snap(backend, key, now).successes == 1
    assert backend.allow(key, now, LEASE)
    backend.success(key, now)
    assert _snap(backend, key, now).successes == 2

    assert backend.allow(key, now + 1, LEASE)
    backend.failure(key, now + 1)

    snap = _snap(backend, key, now + 2)  # open again, before anyone asks to probe
    assert (snap.state, snap.successes, snap.probe_at) == ("open", 0, now + 1 + OPEN_SECONDS)


def test_a_success_on_a_clean_or_an_open_breaker_changes_nothing(backend, key):
    backend.success(key, T0)  # a call admitted clean, its success recorded anyway
    assert backend.read(key) == {}
    assert backend.admit(key, T0, LEASE) == ALLOWED_CLEAN

    _open(backend, key)
    for _ in range(3):  # calls that were in flight when it opened, succeeding late
        backend.success(key, T0 + 1)

    snap = _snap(backend, key, T0 + 2)
    assert (snap.state, snap.successes) == ("open", 0)
    assert not backend.allow(key, T0 + OPEN_SECONDS - 1, LEASE)


# --- the module's API on the store the settings give -------------------------------------------


@pytest.fixture(params=["memory", "redis"])
def store(request) -> Iterator[str]:
    """The cache (hence the breaker's store) of a site: local memory or Redis, its own prefix."""
    if request.param == "memory":
        cache = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    elif not REDIS_URL:
        pytest.skip("needs Redis: set REDIS_URL")
    else:
        prefix = f"test-breaker-{uuid.uuid4().hex[:8]}"
        cache = {
            "BACKEND": "umbrella.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
        }
    with override_settings(CACHES={"default": cache}):
        yield request.param


@pytest.fixture
def app_id(store) -> Iterator[str]:
    name = f"app_{uuid.uuid4().hex[:10]}"
    yield name
    with override_settings():  # the store of the test
        breaker.reset(name, WINNERS)


def test_the_probe_lease_is_the_one_the_caller_asks_for(app_id):
    with time_machine.travel(T0, tick=False) as clock:
        for _ in range(FAILURES_TO_OPEN):
            breaker.record_failure(app_id, WINNERS)
        clock.shift(OPEN_SECONDS)
        assert breaker.allow(app_id, WINNERS, lease_seconds=7)
        clock.shift(6.5)
        assert not breaker.allow(app_id, WINNERS, lease_seconds=7)
        clock.shift(0.5)  # the probe's 7 s are over: its process died; another may go
        assert breaker.allow(app_id, WINNERS, lease_seconds=7)


def test_admit_and_read_admits_like_admit_and_reads_the_other_key_on_redis(store, app_id):
    other = f"test:breaker:stamp:{uuid.uuid4().hex}"
    client = redis.Redis.from_url(REDIS_URL) if store == "redis" else None
    expected_value: dict[str, str | None] = {"memory": None, "redis": ""}
    with time_machine.travel(T0, tick=False) as clock:
        assert breaker.admit_and_read(app_id, WINNERS, other) == (
            ALLOWED_CLEAN,
            expected_value[store],
        )
        if client is not None:
            client.set(other, "stamp-1")
            expected_value["redis"] = "stamp-1"
        breaker.record_failure(app_id, WINNERS)
        assert breaker.admit_and_read(app_id, WINNERS, other) == (ALLOWED, expected_value[store])
        for _ in range(FAILURES_TO_OPEN - 1):
            breaker.record_failure(app_id, WINNERS)
        assert breaker.admit_and_read(app_id, WINNERS, other) == (REFUSED, expected_value[store])
        assert breaker.admit(app_id, "quiz_validation") == ALLOWED_CLEAN  # its own pair

        clock.shift(OPEN_SECONDS)
        first = breaker.admit_and_read(app_id, WINNERS, other, lease_seconds=7)
        clock.shift(6.5)
        second = breaker.admit_and_read(app_id, WINNERS, other, lease_seconds=7)
        clock.shift(0.5)
        third = breaker.admit_and_read(app_id, WINNERS, other, lease_seconds=7)
        assert [first[0], second[0], third[0]] == [ALLOWED, REFUSED, ALLOWED]
    if client is not None:
        client.delete(other)
        client.close()


@pytest.mark.skipif(not REDIS_URL, reason="needs Redis: set REDIS_URL")
def test_two_sites_on_one_redis_keep_their_breakers_apart_by_cache_prefix():
    app_id = f"app_{uuid.uuid4().hex[:10]}"
    site = {
        name: {
            "default": {
                "BACKEND": "umbrella.cache.RedisCache",
                "LOCATION": REDIS_URL,
                "KEY_PREFIX": f"test-breaker-{name}-{uuid.uuid4().hex[:8]}",
            }
        }
        for name in ("a", "b")
    }
    with override_settings(CACHES=site["a"]):
        for _ in range(FAILURES_TO_OPEN):
            breaker.record_failure(app_id, WINNERS)
        assert breaker.state(app_id, WINNERS) == "open"
    try:
        with override_settings(CACHES=site["b"]):
            assert breaker.state(app_id, WINNERS) == "closed"
            assert breaker.admit(app_id, WINNERS) == ALLOWED_CLEAN
    finally:
        with override_settings(CACHES=site["a"]):
            breaker.reset(app_id, WINNERS)


# --- a Redis that has never seen the script (restarted, flushed) --------------------------------


def _evalsha_stats(client: redis.Redis) -> tuple[int, int]:
    calls = client.info("commandstats").get("cmdstat_evalsha", {}).get("calls", 0)
    noscript = client.info("errorstats").get("errorstat_NOSCRIPT", {}).get("count", 0)
    return calls, noscript


def test_a_redis_without_the_script_gets_it_once_then_one_evalsha_per_call(fresh_redis):
    shared = RedisBackend(fresh_redis)
    key = "events:breaker:app_fresh:winner_selection"

    assert shared.failure(key, T0) is False  # EVALSHA: NOSCRIPT; the script is loaded and run
    calls, noscript = _evalsha_stats(fresh_redis)
    assert noscript >= 1  # ours, and redis-py's own try before it loads the script

    opened = [shared.failure(key, T0) for _ in range(FAILURES_TO_OPEN - 1)]
    assert shared.admit(key, T0 + 1, LEASE) == REFUSED
    shared.success(key, T0 + 1)

    assert opened == [False, False, False, True]
    assert _evalsha_stats(fresh_redis) == (calls + FAILURES_TO_OPEN - 1 + 2, noscript)


# --- an unreachable store: calls go, and the warning names the pair ----------------------------


def test_an_unreachable_store_is_logged_with_the_app_and_capability(caplog):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = probe.getsockname()[1]
    cache = {"BACKEND": "umbrella.cache.RedisCache", "LOCATION": f"redis://127.0.0.1:{dead}/0"}
    with override_settings(CACHES={"default": cache}), caplog.at_level(logging.WARNING):
        assert breaker.admit("app_gone", WINNERS) == ALLOWED
        assert breaker.admit_and_read("app_gone", WINNERS, "stamp") == (ALLOWED, None)
        breaker.record_success("app_gone", WINNERS)
        assert breaker.record_failure("app_gone", WINNERS) is False

    assert [(r.name, r.levelname, r.getMessage()) for r in caplog.records] == [
        ("events.webhooks.breaker", "WARNING", f"breaker store unreachable: {text}")
        for text in (
            f"app_gone {WINNERS} allowed",
            f"app_gone {WINNERS} allowed",
            f"success of app_gone {WINNERS} lost",
            f"failure of app_gone {WINNERS} lost",
        )
    ]
