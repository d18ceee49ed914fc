"""Fixed hot statements run as prepared statements (``umbrella/db/prepared.py``): prepared once
per connection, seen by Django's query capture, and not prepared when connections do not
persist, when switched off, or for Django's own queries."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from umbrella.db import prepared
from umbrella.db.prepared import fetchone_prepared, prepared_statements_enabled

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture
def marker() -> str:
    """Text no other statement of this connection holds."""
    return f"prepared-test-{uuid.uuid4().hex}"


def _prepared(marker: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement FROM pg_prepared_statements WHERE NOT from_sql"
            " AND strpos(statement, %s) > 0",
            [marker],
        )
        return [row[0] for row in cursor.fetchall()]


def test_prepared_once_per_connection_and_counted(marker):
    sql = f"SELECT %(a)s::int + %(b)s::int, '{marker}'"
    assert prepared_statements_enabled()
    with CaptureQueriesContext(connection) as captured:
        assert fetchone_prepared(sql, {"a": 2, "b": 3}) == (5, marker)
        assert fetchone_prepared(sql, {"a": 20, "b": 30}) == (50, marker)
    # logged with its placeholders
    logged = f"SELECT $1::int + $2::int, '{marker}'"
    assert [q["sql"] for q in captured.captured_queries] == [logged, logged]
    assert len(_prepared(marker)) == 1  # one statement, planned once, run twice
    # Django's own cursor still binds on the client and prepares nothing.
    with connection.cursor() as cursor:
        for _ in range(10):
            cursor.execute(f"SELECT '{marker}-django', %s::int", [1])
    assert len(_prepared(marker)) == 1


@pytest.mark.parametrize("change", ["conn_max_age", "setting"])
def test_not_prepared_without_persistent_connections_or_when_off(
    marker, settings, monkeypatch, change
):
    if change == "conn_max_age":
        monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)
    else:
        settings.DB_PREPARED_STATEMENTS = False
    assert not prepared_statements_enabled()
    sql = f"SELECT %(a)s::int + %(b)s::int, '{marker}'"
    assert fetchone_prepared(sql, {"a": 1, "b": 1}) == (2, marker)
    assert _prepared(marker) == []


def test_placeholders_become_postgresqls_own_once_per_text(marker):
    """Statements are sent with $1, $2 … (converted once per text): a name used twice is one
    parameter, ``%%`` is a percent sign, and both placeholder styles give the same answers."""
    named = f"SELECT %(a)s::int * 10 + %(b)s::int, %(a)s::int, 7 %% 4, '{marker}'"
    assert fetchone_prepared(named, {"b": 2, "a": 5}) == (52, 5, 3, marker)
    assert prepared._native(named) == (
        f"SELECT $1::int * 10 + $2::int, $1::int, 7 % 4, '{marker}'",
        ["a", "b"],
    )
    positional = f"SELECT %s::int - %s::int, '{marker}'"
    assert fetchone_prepared(positional, [9, 4]) == (5, marker)
    assert prepared._native(positional) == (f"SELECT $1::int - $2::int, '{marker}'", None)
    with pytest.raises(ValueError, match="not both"):
        prepared._native("SELECT %s, %(a)s")
    with pytest.raises(TypeError, match="mapping"):
        fetchone_prepared(named, [1, 2])
