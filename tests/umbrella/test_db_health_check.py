"""The PostgreSQL backend checks a reused connection only after it sat idle
(``umbrella/db/postgresql/base.py``): no ``SELECT 1`` before every request, and a connection
that died is still replaced."""

from typing import Any

import psycopg
import pytest
from django.db import OperationalError, connection, connections

from tests.umbrella.test_settings import _settings
from umbrella.db.postgresql import base

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def fresh_connection():
    """Each test starts without a connection, as its first request assumes: one opened by
    earlier tests may pass its CONN_MAX_AGE mid-test on a slow run (then a request ends by
    closing it and the next one opens a fresh connection, which needs no check: CI run of 4
    December, 19:43, counted one check where two were due)."""
    connection.close()


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(base, "_clock", lambda: now[0])
    return now


@pytest.fixture
def checks(monkeypatch):
    """Each health check the connection runs (``is_usable`` is Django's ``SELECT 1``)."""
    calls: list[int] = []
    wrapper = type(connections["default"])
    real = wrapper.is_usable

    def counted(self: Any) -> bool:
        calls.append(1)
        return real(self)

    # On the class, not through the ``connection`` proxy: the proxy sets and deletes the
    # attribute on whichever connection object its thread-local holds at that moment, and the
    # full suite once deleted it from another one (CI run of 4 December: AttributeError at
    # teardown, then the next test counted nothing).
    monkeypatch.setattr(wrapper, "is_usable", counted)
    return calls


def _request_ends() -> None:
    connection.close_if_unusable_or_obsolete()


def _next_request_queries() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def test_the_backend_is_ours_on_postgresql():
    assert isinstance(connections["default"], base.DatabaseWrapper)
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True


def test_a_connection_that_served_a_request_moments_ago_is_not_checked(clock, checks):
    _next_request_queries()
    _request_ends()
    clock[0] += 4.9
    _next_request_queries()
    assert checks == []


def test_an_idle_connection_is_checked_before_its_next_query(clock, checks):
    _next_request_queries()
    _request_ends()
    clock[0] += 5.1
    _next_request_queries()
    _next_request_queries()
    assert checks == [1]  # once per request, as Django does


def test_a_delay_of_zero_checks_every_request_as_django_does(clock, checks, settings):
    settings.DB_HEALTH_CHECK_DELAY = 0
    for _ in range(3):
        _next_request_queries()
        _request_ends()
    assert len(checks) == 2  # the first request opened a fresh connection: nothing to check


def test_a_connection_killed_within_the_window_fails_once_then_is_replaced(clock):
    _next_request_queries()
    pid = connection.connection.info.backend_pid
    _request_ends()
    dsn = connection.connection.info.dsn
    with psycopg.connect(dsn, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    clock[0] += 1

    with pytest.raises(OperationalError):
        _next_request_queries()  # inside the window: not checked, so this request fails
    _request_ends()  # Django saw the error and closes the connection

    _next_request_queries()  # the next request reconnects
    assert connection.connection.info.backend_pid != pid


def test_a_connection_with_an_error_is_checked_at_the_next_request(clock, checks):
    _next_request_queries()
    connection.errors_occurred = True
    _request_ends()  # Django checks it here (usable: the error was not the connection's)
    assert checks == [1]
    clock[0] += 1
    _next_request_queries()
    assert checks == [1]


def test_settings_choose_the_backend_for_postgresql_urls_only():
    found = _settings(DATABASE_URL="postgres://postgres@127.0.0.1:5432/test")
    assert found["database"]["ENGINE"] == "umbrella.db.postgresql"
