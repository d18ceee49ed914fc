"""Shared test harness.

* PostgreSQL when ``DATABASE_URL`` is set, SQLite otherwise; tests marked ``postgres`` are
  skipped on SQLite with a visible reason.
* The cache (Redis when ``REDIS_URL`` is set) is emptied before every test. On Redis that
  deletes only this process's keys (its ``KEY_PREFIX``), so other workers and the Celery
  broker's queue are left alone.
* Parallel runs (pytest-xdist, ``bin/test`` uses ``-n``): pytest-django gives each worker its own
  test database (``test_<name>_gw0`` ...); ``pytest_configure`` below gives each its own cache key
  prefix in the one Redis database; live servers, moto and Chromium use free ports per worker.
* Celery runs eagerly unless a test starts a real worker (see tests/umbrella/test_worker.py).
* API rate limits are lifted except in the tests that check them (``low_throttle_rates``).
* Transactional tests (``django_db(transaction=True)``, live servers) end with ``DELETE`` of the
  tables that have rows instead of Django's ``TRUNCATE`` of every table on PostgreSQL
  (tests/db_reset.py): the same end state in a fraction of the time.
* ``module_rows``: rows a module builds once for tests that only read them; ``seeded_demo``: the
  demo, seeded once per module.
"""

import asyncio
import io
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, transaction
from django.test import TransactionTestCase, override_settings
from rest_framework import throttling
from rest_framework.test import APIClient

from tests import db_reset
from umbrella.celery import app as celery_app

ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres", "pgsql"))


def pytest_configure(config: pytest.Config) -> None:
    worker = os.environ.get("PYTEST_XDIST_WORKER")  # "gw0", "gw1" ... under pytest-xdist
    if worker:
        _own_cache_prefix(worker)
    TransactionTestCase._fixture_teardown = db_reset.transactional_teardown  # type: ignore[method-assign]


def _own_cache_prefix(worker: str) -> None:
    """Give this xdist worker its own cache key prefix for the whole session.

    Every worker shares the Redis database of ``REDIS_URL``; ``umbrella.cache.RedisCache.clear``
    deletes only the keys under its own prefix, so one worker's ``cache.clear()`` cannot wipe
    another's revocation entries, throttle counters or cached users. (One Redis database per
    worker would need as many free database numbers as workers.) Overriding ``CACHES`` makes
    Django drop any cache connection made so far; the environment variable carries the prefix
    to the processes a test starts (the real Celery worker of tests/umbrella/test_worker.py).
    """
    default = django_settings.CACHES["default"]
    prefix = f"{default.get('KEY_PREFIX', '')}-{worker}"
    override_settings(
        CACHES={**django_settings.CACHES, "default": {**default, "KEY_PREFIX": prefix}}
    ).enable()
    os.environ["CACHE_KEY_PREFIX"] = prefix


# pytest-timeout: 120 s per test (pyproject.toml) fails a hung test. These are slow by design and
# get longer (seconds); an explicit @pytest.mark.timeout on a test wins. Measured on 2 shared
# cores under heavy load: the fuzz's slowest operation 222 s, a browser journey 20 s.
LONGER_TIMEOUTS = {"e2e": 300, "worker": 180}
LONGER_TIMEOUT_FILES = {"tests/umbrella/test_api_fuzz.py": 600}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("timeout"):
            continue
        seconds = [
            LONGER_TIMEOUTS[m.name] for m in item.iter_markers() if m.name in LONGER_TIMEOUTS
        ]
        seconds.append(LONGER_TIMEOUT_FILES.get(item.nodeid.split("::")[0], 0))
        if max(seconds) > 0:
            item.add_marker(pytest.mark.timeout(max(seconds)))
    if ON_POSTGRES:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL (row locks, concurrency)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


TEST_SETTINGS = {
    "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
    "ACCOUNT_RATE_LIMITS": False,
    "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
}


@pytest.fixture(autouse=True)
def _test_settings(settings):
    for name, value in TEST_SETTINGS.items():
        setattr(settings, name, value)
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True, scope="session")
def _builtin_apps_credentials(tmp_path_factory):
    """The built-in apps' secrets go to a file of the test run, never the developer's
    .builtin_apps.json (seed_demo registers the apps and writes it)."""
    path = tmp_path_factory.mktemp("builtin-apps") / "builtin_apps.json"
    credentials = {**django_settings.BUILTIN_APPS, "credentials": str(path)}
    with override_settings(BUILTIN_APPS=credentials):
        yield


@pytest.fixture(autouse=True, scope="session")
def _eager_celery():
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager = previous


HIGH_RATES = dict.fromkeys(django_settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "100000/min")


@pytest.fixture(autouse=True)
def _lift_throttles(monkeypatch):
    monkeypatch.setattr(throttling.SimpleRateThrottle, "THROTTLE_RATES", dict(HIGH_RATES))


@pytest.fixture(scope="module")
def module_rows(django_db_setup, django_db_blocker):
    """An open transaction for rows a module builds once and its tests only read.

    A module-scoped fixture that needs the rows requests this one and writes them; each test
    (``django_db``, not transactional) then runs in a savepoint inside it, so what a test writes
    is rolled back as usual and the next test sees the rows as they were made. The transaction is
    rolled back after the module's last test. The test settings and lifted rate limits apply
    while the rows are made, as they do in a test.
    """
    with (
        django_db_blocker.unblock(),
        override_settings(**TEST_SETTINGS),
        pytest.MonkeyPatch.context() as patch,
        transaction.atomic(),
    ):
        patch.setattr(throttling.SimpleRateThrottle, "THROTTLE_RATES", dict(HIGH_RATES))
        cache.clear()
        yield
        transaction.set_rollback(True)
    cache.clear()


@pytest.fixture(scope="module")
def _demo_media(module_rows, tmp_path_factory) -> Path:
    media = tmp_path_factory.mktemp("demo-media")
    with override_settings(MEDIA_ROOT=media):
        call_command("seed_demo", stdout=io.StringIO())
    return media


@pytest.fixture
def seeded_demo(_demo_media: Path, settings) -> None:
    """The demo (``seed_demo``, ~10 s), seeded once for the module and rolled back after it, for
    tests that read it or seed it again: each test starts from the demo as one run left it (what
    a test writes is rolled back), with the demo's media root, where its pictures are."""
    settings.MEDIA_ROOT = _demo_media


@pytest.fixture
def low_throttle_rates(monkeypatch):
    """The shipped defaults, for tests of rate limiting."""
    rates = dict(django_settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"])
    monkeypatch.setattr(throttling.SimpleRateThrottle, "THROTTLE_RATES", rates)
    return rates


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def on_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")


@pytest.fixture
def redis_channel_layer(settings):
    """The channels-redis layer on the test Redis, under a prefix of its own (xdist workers
    share the Redis and their ids overlap); the layer objects are made anew around the test."""
    from channels.layers import channel_layers, get_channel_layer

    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("needs Redis: set REDIS_URL")
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # the production host's shape (umbrella/settings.py), on the test Redis
                "hosts": [
                    {
                        "address": url,
                        "socket_timeout": django_settings.CHANNEL_LAYER_SOCKET_TIMEOUT,
                        "socket_connect_timeout": 5.0,
                    }
                ],
                "prefix": f"test-{uuid.uuid4().hex[:12]}",
            },
        }
    }
    channel_layers.backends.clear()
    yield get_channel_layer()
    channel_layers.backends.clear()


@pytest.fixture(autouse=True)
def _no_loop_left_by_playwright(request: pytest.FixtureRequest) -> Iterator[None]:
    """Sync Playwright marks this thread as running its event loop after every call while the
    session's browser lives (``asyncio._set_running_loop`` in playwright/_impl/_greenlets.py), so
    a later test in the same xdist worker met "You cannot use AsyncToSync in the same thread as
    an async event loop" (CI, stop 18). The mark is lifted for a test that is not a browser test
    and put back after it: Playwright's next call in a browser test expects it (without it, the
    session's browser connection was closed; tests/e2e/conftest.py restores it too)."""
    if "e2e" in request.keywords:
        yield
        return
    left = asyncio._get_running_loop()
    asyncio._set_running_loop(None)
    try:
        yield
    finally:
        asyncio._set_running_loop(left)


@pytest.fixture
def on_redis():
    """Skips a test that needs the real Redis (round trips, scripts) when there is none."""
    if not django_settings.REDIS_URL:
        pytest.skip("needs Redis: set REDIS_URL")


@pytest.fixture
def round_trips(monkeypatch):
    """Every packet redis-py sends: one per command, one per pipeline or script call (see
    tests/redis_trips.py)."""
    from redis.connection import AbstractConnection

    sent: list[bytes] = []
    real = AbstractConnection.send_packed_command

    def counting(self, command, check_health=True):
        sent.append(command)
        return real(self, command, check_health)

    monkeypatch.setattr(AbstractConnection, "send_packed_command", counting)
    return sent
