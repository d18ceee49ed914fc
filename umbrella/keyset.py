"""Pages of hand-written statements that DRF's ``CursorPagination`` slices like querysets.

docs/conventions.md "Fast reads": a list page is one statement, every value a parameter. The
ORM queryset stays each list's readable reference (and what SQLite runs); on PostgreSQL a
selector hands the paginator a :class:`KeysetRows` instead, which runs one statement per slice.
Used by the gig board and applicants (``marketplace.filters``) and a conversation's messages
(``messaging.selectors``).
"""

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, models

from umbrella.db.prepared import fetchall_prepared

ISO_FORMAT = '\'YYYY-MM-DD"T"HH24:MI:SS"Z"\''  # umbrella.api.iso_timestamp


def iso_sql(column: str) -> str:
    """A timestamp column as the API writes it (``umbrella.api.iso_timestamp``), in SQL."""
    return f"to_char({column} AT TIME ZONE 'UTC', {ISO_FORMAT})"


_TIMESTAMP = models.DateTimeField()


@dataclass(frozen=True)
class Walk:
    """A condition looked for first in a bounded walk of the rows the other conditions give,
    in the page's order (``KeysetRows(walk=...)``).

    For a condition PostgreSQL cannot estimate well, when matches are common: words that come
    together (``hip hop`` matches ~20 times as many gigs as the planner expects from each word
    alone), so it reads every match and sorts them instead of walking an index in order and
    stopping at the page's end. The walk reads at most ``horizon`` rows (``select`` names
    them: the keys and what ``condition`` reads, from an index-only scan where one covers
    them); when it finds fewer matches than the page needs, the statement runs with the
    condition as a plain ``WHERE`` (PostgreSQL's choice), in the same round trip. The same
    rows either way: the walk is a prefix of the ordered rows, so the matches it finds are the
    first ones. ``condition`` reads the walk's columns under the statement's alias."""

    select: str  # "<alias>.<key>, …, <columns condition reads> FROM <table> <alias>"
    condition: str
    params: Sequence[Any] = ()
    horizon: int = 1000


class KeysetRows:
    """Rows of one statement, paged by keyset like a queryset under ``CursorPagination``.

    ``keys`` maps the pagination's ordering fields to SQL columns (the first is the cursor's
    position, parsed by ``position``: a timestamp unless said otherwise; the others break
    ties). Each slice is one ``cursor.execute``."""

    def __init__(
        self,
        *,
        select: str,
        where: str,
        params: Sequence[Any],
        names: Sequence[str],
        keys: dict[str, str],
        order: Sequence[str] = (),
        bound: tuple[str, Any] | None = None,
        when_empty: Callable[[], object] | None = None,
        outer: str = "",
        join: str = "",
        join_params: Sequence[Any] = (),
        alias: str = "g",
        position: "models.Field[Any, Any] | None" = None,
        prepared: bool = False,
        walk: Walk | None = None,
    ) -> None:
        self.select, self.where, self.params, self.names = select, where, list(params), names
        self.keys, self.order, self.bound = keys, tuple(order or keys), bound
        # Called when a slice finds no row (e.g. to raise 404 when the statement's own check
        # of who may read failed, rather than show an empty page).
        self.when_empty = when_empty
        # ``SELECT {outer} (<the page>) {alias} {join}``: joins made for the page's rows only
        # (``join_params`` fill the join's placeholders; the page's columns keep their names).
        self.outer, self.join, self.join_params, self.alias = outer, join, list(join_params), alias
        # Parses a cursor's position as the ORM's filter on the first key would (a timestamp
        # unless said otherwise); a bad one raises the same ValidationError.
        self.position = position if position is not None else _TIMESTAMP
        # Run as a prepared statement (umbrella.db.prepared): for statements of a few fixed
        # shapes whose generic plan is as good as a custom one.
        self.prepared = prepared
        # A condition to look for in a bounded, ordered walk first (see Walk); not in ``where``.
        # Its page comes from one of two branches, so ``outer`` must sort it again.
        if walk is not None and not outer:
            raise ValueError("a walk needs an outer statement (it orders the page)")
        self.walk = walk

    def _copy(self, **changes: Any) -> "KeysetRows":
        fields = {
            "select": self.select,
            "where": self.where,
            "params": self.params,
            "names": self.names,
            "keys": self.keys,
            "order": self.order,
            "bound": self.bound,
            "when_empty": self.when_empty,
            "outer": self.outer,
            "join": self.join,
            "join_params": self.join_params,
            "alias": self.alias,
            "position": self.position,
            "prepared": self.prepared,
            "walk": self.walk,
        }
        return KeysetRows(**{**fields, **changes})

    def order_by(self, *fields: str) -> "KeysetRows":
        for field in fields:
            if field.lstrip("-") not in self.keys:
                raise ValueError(f"cannot order by {field}")
        return self._copy(order=fields)

    def filter(self, **kwargs: Any) -> "KeysetRows":
        ((lookup, value),) = kwargs.items()
        field, _, op = lookup.rpartition("__")
        if field not in self.keys or op not in ("gt", "lt"):
            raise ValueError(f"cannot filter on {lookup}")
        # A position of the wrong type raises the ValidationError the queryset's filter
        # raises (the API answers 400 validation_error, as before).
        position = self.position.to_python(value)
        return self._copy(bound=(f"{self.keys[field]} {'>' if op == 'gt' else '<'} %s", position))

    def statement(self, offset: int, limit: int | None) -> tuple[str, list[Any]]:
        where, params = self.where, list(self.params)
        if self.bound is not None:
            where = f"({where}) AND {self.bound[0]}"
            params.append(self.bound[1])
        order = ", ".join(
            f"{self.keys[f.lstrip('-')]}{' DESC' if f.startswith('-') else ''}" for f in self.order
        )
        if self.walk is not None and limit is not None and order:
            sql, params = self._walked(self.walk, where, params, order, offset, limit)
        else:
            if self.walk is not None:
                where = f"({where}) AND {self.walk.condition}"
                params += self.walk.params
            sql = f"SELECT {self.select} WHERE {where}"
            if order:
                sql += f" ORDER BY {order}"
            if limit is not None and self.prepared:
                # As text: PostgreSQL plans a parameter LIMIT as a tenth of the rows, which
                # makes the generic plan look dearer than the custom ones, so it plans every
                # time. A few page sizes and offsets make a few more statements.
                sql += f" LIMIT {int(limit)} OFFSET {int(offset)}"
            elif limit is not None:
                sql, params = f"{sql} LIMIT %s OFFSET %s", [*params, limit, offset]
        if self.outer:  # join what only the page's rows need after the page is cut
            sql = f"SELECT {self.outer} ({sql}) {self.alias} {self.join}"
            params += self.join_params
            if order:
                sql += f" ORDER BY {order}"
        return sql, params

    def _walked(
        self, walk: Walk, where: str, params: list[Any], order: str, offset: int, limit: int
    ) -> tuple[str, list[Any]]:
        """The page through :class:`Walk`: the first ``offset + limit`` matches of the bounded
        walk (``hit``) when it found that many, else those of the plain statement, which
        PostgreSQL runs only then (a one-time filter). One branch gives rows; ``outer`` sorts
        the page again."""
        columns, _, table = self.select.rpartition(" FROM ")
        alias, need = table.split()[-1], offset + limit
        # Fixed text, every value a parameter (S608).
        hit = (
            f"SELECT * FROM (SELECT {walk.select} WHERE {where}"  # noqa: S608
            f" ORDER BY {order} LIMIT %s) {alias} WHERE {walk.condition} ORDER BY {order} LIMIT %s"
        )
        found = (
            f"SELECT {columns} FROM hit {alias}"  # noqa: S608
            f" WHERE (SELECT count(*) FROM hit) >= %s ORDER BY {order} LIMIT %s OFFSET %s"
        )
        plain = (
            f"SELECT {self.select} WHERE ({where}) AND {walk.condition}"  # noqa: S608
            f" AND (SELECT count(*) FROM hit) < %s ORDER BY {order} LIMIT %s OFFSET %s"
        )
        sql = f"WITH hit AS MATERIALIZED ({hit}) ({found}) UNION ALL ({plain})"
        return sql, [
            *[*params, walk.horizon, *walk.params, need],  # hit
            *[need, limit, offset],  # found
            *[*params, *walk.params, need, limit, offset],  # plain
        ]

    def _run(self, offset: int, limit: int | None) -> list[dict[str, Any]]:
        sql, params = self.statement(offset, limit)
        if self.prepared:
            fetched = fetchall_prepared(sql, params)
        else:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                fetched = cursor.fetchall()
        rows = [dict(zip(self.names, row, strict=True)) for row in fetched]
        if not rows and self.when_empty is not None:
            self.when_empty()
        return rows

    def __getitem__(self, index: slice) -> list[dict[str, Any]]:
        if not isinstance(index, slice) or index.step is not None or index.stop is None:
            raise TypeError("KeysetRows only takes [start:stop]")
        start = index.start or 0
        return self._run(start, index.stop - start)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self._run(0, None))
