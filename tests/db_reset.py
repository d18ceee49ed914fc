"""The end of a transactional test on PostgreSQL, in a fraction of the time Django takes.

Django ends a transactional test (``django_db(transaction=True)``, a live server) with
``flush``: one ``TRUNCATE`` of every table (~75, each with its indexes and TOAST table, so new
files for each) and then the ``post_migrate`` signal, which writes the content types and
permissions again (~300 rows, queries for every app). That took 3 to 5 s per test at load 8 on
the shared 2-core box (0.1 s this way). ``reset_database`` ends in the same state:

* only the tables that have rows are emptied (one query finds them), with ``DELETE``; the
  foreign keys Django makes on PostgreSQL are ``DEFERRABLE INITIALLY DEFERRED``, so the order
  does not matter, and the tables are looked at again in case a ``DELETE`` trigger wrote
  elsewhere;
* the rows ``post_migrate`` wrote at the previous reset are kept when they are still exactly
  those rows (a fingerprint of every column); sending the signal again would write the same rows
  with new ids. When they changed, they are deleted too and the signal is sent, as ``flush``
  does;
* sequences go on, as after ``flush`` (``TRUNCATE`` without ``RESTART IDENTITY``).

SQLite, ``available_apps`` (a subset of the apps) and databases other than PostgreSQL keep
Django's own teardown. tests/umbrella/test_db_reset.py compares the result with ``flush``'s.
"""

from django.core.management.sql import emit_post_migrate_signal
from django.db import connections, transaction
from django.test import TransactionTestCase

django_fixture_teardown = TransactionTestCase._fixture_teardown
# Per database: the tables post_migrate filled at the last reset, and a fingerprint of them.
_POST_MIGRATE_ROWS: dict[str, tuple[list[str], str]] = {}


def transactional_teardown(self: TransactionTestCase) -> None:
    """Replaces ``TransactionTestCase._fixture_teardown`` (tests/conftest.py)."""
    names = self._databases_names(include_mirrors=False)
    if self.available_apps is not None or any(
        connections[name].vendor != "postgresql" for name in names
    ):
        django_fixture_teardown(self)
        return
    for name in names:
        # as flush: with serialized rollback the serialized rows are loaded again instead
        inhibit_post_migrate = self.serialized_rollback and hasattr(
            connections[name], "_test_serialized_contents"
        )
        reset_database(name, post_migrate=not inhibit_post_migrate)


def reset_database(using: str = "default", *, post_migrate: bool = True) -> None:
    """Leave the tables as ``flush`` (without resetting sequences) leaves them."""
    kept = _POST_MIGRATE_ROWS.pop(using, None)
    if kept and post_migrate and _fingerprint(using, kept[0]) == kept[1]:
        _delete_all_rows(using, keep=kept[0])
        _POST_MIGRATE_ROWS[using] = kept
        return
    _delete_all_rows(using)
    if post_migrate:
        emit_post_migrate_signal(0, False, using)
        filled = _tables_with_rows(using, _flushed_tables(using))
        _POST_MIGRATE_ROWS[using] = (filled, _fingerprint(using, filled))


def _flushed_tables(using: str) -> list[str]:
    """The tables ``flush`` would truncate (``django.core.management.sql.sql_flush``)."""
    introspection = connections[using].introspection
    return sorted(introspection.django_table_names(only_existing=True, include_views=False))


def _tables_with_rows(using: str, tables: list[str]) -> list[str]:
    quote = connections[using].ops.quote_name
    probe = " UNION ALL ".join(
        f"SELECT {i} WHERE EXISTS (SELECT 1 FROM {quote(t)})"  # noqa: S608 (Django's tables)
        for i, t in enumerate(tables)
    )
    with connections[using].cursor() as cursor:
        cursor.execute(probe)
        return [tables[i] for (i,) in cursor.fetchall()]


def _fingerprint(using: str, tables: list[str]) -> str:
    if not tables:
        return ""
    quote = connections[using].ops.quote_name
    rows = "md5(coalesce(string_agg(r::text, ',' ORDER BY r::text), ''))"
    parts = ", ".join(f"(SELECT {rows} FROM {quote(t)} r)" for t in tables)  # noqa: S608
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT concat_ws(',', {parts})")
        return str(cursor.fetchone()[0])


def _delete_all_rows(using: str, keep: list[str] | tuple[()] = ()) -> None:
    quote = connections[using].ops.quote_name
    tables = [t for t in _flushed_tables(using) if t not in keep]
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        # A DELETE trigger may write to another table (an artist's delete removes its
        # stage-name words): look again until nothing is left.
        for _ in range(5):
            full = _tables_with_rows(using, tables)
            if not full:
                return
            cursor.execute("; ".join(f"DELETE FROM {quote(t)}" for t in full))  # noqa: S608
    raise AssertionError(f"tables still have rows after emptying them: {full}")
