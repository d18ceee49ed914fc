"""Run a fixed, hot statement as a prepared statement (PostgreSQL plans it once per connection).

Parsing and planning a big statement can cost more than running it: the gigs-for-you ranking
(``marketplace.filters.match_json_sql``, ~5.8 kB of SQL, two index walks per genre and one for
the city) took 3.4 to 3.9 ms of PostgreSQL CPU per request unprepared and ~1.8 ms prepared
(bench/README.md, "Gigs for you, second pass").
:func:`fetchone_prepared` sends such a statement through a server-side-binding psycopg cursor
that asks psycopg to prepare it; psycopg keeps it per connection (its ``prepared_max`` most
recent statements), PostgreSQL reuses the plan (a generic plan once it is no costlier than the
custom ones). Only statements sent this way are prepared: Django's own cursors bind on the
client side and never are.

Prepared statements live in a server session, so they need a connection that is not shared
between clients behind our back: they are used only when connections persist (``CONN_MAX_AGE``
not 0) and ``DB_PREPARED_STATEMENTS`` is on (the default). Behind a transaction-pooling
PgBouncer (which docs/deployment.md pairs with ``CONN_MAX_AGE=0``) they are therefore off;
PgBouncer 1.21+ with ``max_prepared_statements`` supports them. Elsewhere (SQLite, or off) the
statement runs through Django's cursor as usual. Either way the query goes through Django's
cursor wrapper: execute wrappers and query logging (``assertNumQueries``) see it.
"""

from collections.abc import Mapping, Sequence
from typing import Any

import psycopg
from django.conf import settings
from django.db import connection

# psycopg prepares a statement after this many executions; Django sets None (never). With a
# number, statements asked for (prepare=True) are prepared and no other: Django's client-side
# binding cursors never prepare, whatever the threshold.
_ONLY_WHEN_ASKED = 2**31 - 1


class _PreparingCursor(psycopg.Cursor):  # type: ignore[type-arg]
    """Server-side binding; every statement prepared (see psycopg's ``prepare=True``)."""

    log_query = False

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
        done = super().execute(query, params, prepare=True)
        if self.log_query:
            # Django's query log reads the text from ``_query``, which psycopg leaves empty for
            # a prepared statement: the statement with its placeholders ($1, …).
            self._query = self._convert_query(query, params)
        return done


def prepared_statements_enabled() -> bool:
    return (
        connection.vendor == "postgresql"
        and connection.settings_dict.get("CONN_MAX_AGE") != 0
        and getattr(settings, "DB_PREPARED_STATEMENTS", True)
    )


def fetchone_prepared(sql: str, params: Sequence[Any] | Mapping[str, Any]) -> Any:
    """``cursor.execute(sql, params); cursor.fetchone()``, the statement prepared on this
    connection when :func:`prepared_statements_enabled` (``sql`` must be fixed text: every
    value a parameter)."""
    return _run(sql, params, lambda cursor: cursor.fetchone())


def fetchall_prepared(sql: str, params: Sequence[Any] | Mapping[str, Any]) -> list[Any]:
    """As :func:`fetchone_prepared`, all rows."""
    rows: list[Any] = _run(sql, params, lambda cursor: cursor.fetchall())
    return rows


def _run(sql: str, params: Sequence[Any] | Mapping[str, Any], fetch: Any) -> Any:
    with connection.cursor() as django_cursor:
        if not prepared_statements_enabled():
            django_cursor.execute(sql, params)
            return fetch(django_cursor)
        raw = connection.connection
        if raw.prepare_threshold is None:
            raw.prepare_threshold = _ONLY_WHEN_ASKED
        # The same wrapper class Django gave us (query logging when it logs), around ours.
        preparing = _PreparingCursor(raw)
        preparing.log_query = connection.queries_logged
        with type(django_cursor)(preparing, connection) as cursor:
            cursor.execute(sql, params)
            return fetch(cursor)
