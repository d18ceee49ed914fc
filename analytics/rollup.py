"""The rollup of one UTC day: every domain's figures for every artist and venue, in a bounded
number of statements whatever their number (docs/analytics.md).

For each subject kind: one query for who exists (``umbrella.daily_metrics.Subjects``), one per
registered :class:`~umbrella.daily_metrics.Figures`, one upsert of the rows of the subjects with
any activity (``INSERT … SELECT FROM unnest(…) ON CONFLICT DO UPDATE`` on PostgreSQL: one
statement for any number of rows), one read of the day's existing rows and — only when some
subject's figures have gone back to nothing (a rerun after the source changed) — one delete. Rows
of subjects that no longer exist are left alone: they outlive their artist.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Model
from django.utils import timezone

from analytics import metrics
from analytics.models import DailyMetric, VenueDailyMetric
from umbrella import daily_metrics
from umbrella.daily_metrics import ARTIST, VENUE, Day


@dataclass(frozen=True)
class Table:
    kind: str
    model: type[Model]
    id_column: str  # the subject's id
    name_column: str  # the subject's name on the day


TABLES = {
    ARTIST: Table(ARTIST, DailyMetric, "artist_id", "stage_name"),
    VENUE: Table(VENUE, VenueDailyMetric, "venue_id", "name"),
}

# PostgreSQL array types for unnest(), by the model field's type.
_ARRAY_TYPES = {
    "BigIntegerField": "bigint[]",
    "PositiveBigIntegerField": "bigint[]",
    "IntegerField": "integer[]",
    "PositiveIntegerField": "integer[]",
    "DecimalField": "numeric[]",
    "CharField": "text[]",
}


def _defaults(kind: str) -> dict[str, Any]:
    return {m.name: None if m.nullable else 0 for m in metrics.METRICS[kind]}


def _empty(figures: dict[str, Any]) -> bool:
    return all(value in (0, None) for value in figures.values())


def collect(kind: str, day: Day) -> tuple[dict[int, str], dict[int, dict[str, Any]]]:
    """Who exists on ``day`` (id -> name), and the figures of those with any activity."""
    subjects_entry = daily_metrics.subjects_of(kind)
    if subjects_entry is None:
        return {}, {}
    subjects = dict(subjects_entry.collect(day))
    defaults = _defaults(kind)
    figures: dict[int, dict[str, Any]] = {}
    for entry in daily_metrics.figures_of(kind):
        for subject_id, values in entry.collect(day).items():
            if subject_id not in subjects:
                continue  # gone meanwhile: its rows stay as they are
            row = figures.setdefault(subject_id, dict(defaults))
            row.update({name: values[name] for name in entry.names if name in values})
    active = {pk: row for pk, row in figures.items() if not _empty(row)}
    return subjects, active


def write(
    kind: str, day: dt.date, subjects: dict[int, str], rows: dict[int, dict[str, Any]]
) -> int:
    """Upsert the rows of one day (one statement on PostgreSQL); returns how many rows were
    written or changed: on PostgreSQL a row that already holds these figures is left as it is
    (a rerun over unchanged sources writes nothing)."""
    if not rows:
        return 0
    table = TABLES[kind]
    names = list(metrics.names(kind))
    now = timezone.now()
    ids = sorted(rows)  # one order for every writer: concurrent reruns of a day never deadlock
    if connection.vendor == "postgresql":
        return _upsert_postgresql(table, names, day, ids, subjects, rows, now)
    objects = [
        table.model(
            **{table.id_column: pk, table.name_column: subjects[pk], "day": day},
            **rows[pk],
            created_at=now,
            updated_at=now,
        )
        for pk in ids
    ]
    table.model.objects.bulk_create(  # type: ignore[attr-defined]
        objects,
        update_conflicts=True,
        unique_fields=[table.id_column, "day"],
        update_fields=[table.name_column, *names, "updated_at"],
    )
    return len(ids)  # written, changed or not


def _upsert_postgresql(
    table: Table,
    names: list[str],
    day: dt.date,
    ids: list[int],
    subjects: dict[int, str],
    rows: dict[int, dict[str, Any]],
    now: dt.datetime,
) -> int:
    meta = table.model._meta
    columns = [table.id_column, table.name_column, *names]
    arrays: list[list[Any]] = [ids, [subjects[pk] for pk in ids]]
    for name in names:
        arrays.append([_plain(rows[pk][name]) for pk in ids])
    casts = [
        f"%s::{_ARRAY_TYPES[meta.get_field(column).get_internal_type()]}" for column in columns
    ]
    assignments = ", ".join(
        f"{column} = EXCLUDED.{column}" for column in [table.name_column, *names, "updated_at"]
    )
    # A row whose name and figures are already these is not touched: no new row version, no
    # index or WAL writes (a rerun over unchanged sources, the nightly catch-up's usual case).
    stored = ", ".join(f"t.{column}" for column in [table.name_column, *names])
    excluded = ", ".join(f"EXCLUDED.{column}" for column in [table.name_column, *names])
    sql = f"""
        INSERT INTO {meta.db_table} AS t ({", ".join(columns)}, day, created_at, updated_at)
        SELECT *, %s::date, %s::timestamptz, %s::timestamptz FROM unnest({", ".join(casts)})
        ON CONFLICT ({table.id_column}, day) DO UPDATE SET {assignments}
        WHERE ({stored}) IS DISTINCT FROM ({excluded})
    """  # noqa: S608 (table and column names from the models, values as parameters)
    with connection.cursor() as cursor:
        cursor.execute(sql, [day, now, now, *arrays])  # in the order of the text
        return int(cursor.rowcount)


def _plain(value: Any) -> Any:
    return value if value is None or isinstance(value, int | Decimal | str) else Decimal(value)


def clear_emptied(
    kind: str, day: dt.date, subjects: dict[int, str], rows: dict[int, dict[str, Any]]
) -> int:
    """Delete the day's rows of existing subjects that now have nothing (a rerun after the
    source changed); rows of subjects that are gone stay. Returns how many were deleted."""
    table = TABLES[kind]
    manager = table.model.objects  # type: ignore[attr-defined]
    existing = set(manager.filter(day=day).values_list(table.id_column, flat=True))
    emptied = sorted(pk for pk in existing if pk in subjects and pk not in rows)
    if not emptied:
        return 0
    # One statement whatever the number (the ORM's delete would read the rows first and send
    # a signal per row: analytics.apps connects one); rollup_day renews the API's kept answers.
    # PostgreSQL takes the ids as one array parameter; SQLite has no ANY(): one parameter each.
    params: list[Any]
    if connection.vendor == "postgresql":
        among, params = "= ANY(%s)", [day, emptied]
    else:
        among, params = f"IN ({', '.join(['%s'] * len(emptied))})", [day, *emptied]
    sql = f"DELETE FROM {table.model._meta.db_table} WHERE day = %s AND {table.id_column} {among}"  # noqa: S608 (names from the model)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.rowcount)
