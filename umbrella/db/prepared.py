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

The statement is sent with PostgreSQL's own placeholders (``$1``…), converted from ``%s`` or
``%(name)s`` once per text (psycopg's ``RawCursor``): psycopg would convert it on every call,
~0.04 ms for the gigs-for-you statement, which is too long for its cache of conversions.
"""

import re
from collections.abc import Mapping, Sequence
from typing import Any

import psycopg
from django.conf import settings
from django.db import connection

# psycopg prepares a statement after this many executions; Django sets None (never). With a
# number, statements asked for (prepare=True) are prepared and no other: Django's client-side
# binding cursors never prepare, whatever the threshold.
_ONLY_WHEN_ASKED = 2**31 - 1


class _PreparingCursor(psycopg.RawCursor):  # type: ignore[type-arg]
    """Server-side binding with PostgreSQL's own placeholders ($1, …: see :func:`_native`);
    every statement prepared (psycopg's ``prepare=True``)."""

    log_query = False

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
        done = super().execute(query, params, prepare=True)
        if self.log_query:
            # Django's query log reads the text from ``_query``, which psycopg leaves empty for
            # a prepared statement: the statement with its placeholders ($1, …).
            self._query = self._convert_query(query, params)
        return done


# A statement's text with PostgreSQL's placeholders and the order of its parameter names (None
# for positional ``%s``), made once per text: psycopg converts ``%s``/``%(name)s`` on every
# execute and keeps no conversion of a statement over 4 kB (gigs for you: ~5.8 kB, ~0.04 ms).
_NATIVE: dict[str, tuple[str, list[str] | None]] = {}
_NATIVE_MAX = 500  # distinct statements kept; cleared whole when full
_PLACEHOLDER = re.compile(r"%\((\w+)\)s|%s|%%")


def _native(sql: str) -> tuple[str, list[str] | None]:
    hit = _NATIVE.get(sql)
    if hit is not None:
        return hit
    names: list[str] = []
    positional = 0

    def number(match: re.Match[str]) -> str:
        nonlocal positional
        if match.group(0) == "%%":
            return "%"
        if match.group(1) is None:
            positional += 1
            return f"${positional}"
        if match.group(1) not in names:
            names.append(match.group(1))
        return f"${names.index(match.group(1)) + 1}"

    text = _PLACEHOLDER.sub(number, sql)
    if names and positional:
        raise ValueError("a statement takes either %s or %(name)s placeholders, not both")
    if len(_NATIVE) >= _NATIVE_MAX:
        _NATIVE.clear()
    hit = _NATIVE[sql] = (text, names if names else None)
    return hit


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
    if not prepared_statements_enabled():
        with connection.cursor() as django_cursor:
            django_cursor.execute(sql, params)
            return fetch(django_cursor)
    text, names = _native(sql)
    if names is not None:
        if not isinstance(params, Mapping):
            raise TypeError("a statement with %(name)s placeholders takes a mapping")
        values = [params[name] for name in names]
    else:
        values = list(params)
    # What Django's connection.cursor() does first, without making a cursor we would not use.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    raw = connection.connection
    if raw.prepare_threshold is None:
        raw.prepare_threshold = _ONLY_WHEN_ASKED
    preparing = _PreparingCursor(raw)
    # Django's cursor wrapper (query logging when it logs, database errors as Django's).
    preparing.log_query = logged = connection.queries_logged
    wrap = connection.make_debug_cursor if logged else connection.make_cursor
    # (django-stubs type the argument as a wrapper; Django passes the driver's cursor.)
    with wrap(preparing) as cursor:  # type: ignore[arg-type]
        cursor.execute(text, values)
        return fetch(cursor)
