"""Reads of the analytics app: whose figures a user sees, their days, a period's headline
figures against the period before, the charts' series, and an artist's public figures.

Every read is of the caller's own artist or venue profile (``subject_of``); the public figures
only of a public artist, and only those the artist chose. A day without a row is a day of zeros
(the rollup writes rows only for days with activity).
"""

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection

from accounts.models import Role, User
from analytics import cache as answers
from analytics import metrics
from analytics.metrics import Metric, Over, Unit
from analytics.models import PublicStats
from analytics.rollup import TABLES
from analytics.services import days_between, last_complete_day
from artists import daily_metrics as artist_figures
from artists.selectors import artist_own, artist_public
from marketplace.selectors import venue_own
from umbrella.daily_metrics import ARTIST, VENUE
from umbrella.errors import ApplicationError

PUBLIC_DAYS = 30  # the public Stats tab: the last 30 days against the 30 before
PUBLIC_TREND_DAYS = 90  # and a 90-day sparkline per figure


@dataclass(frozen=True)
class Subject:
    """Whose figures: an artist's or a venue's profile."""

    kind: str
    id: int
    name: str
    slug: str


def subject_of(*, user: User) -> Subject:
    """The user's own artist or venue: 403 ``not_artist_or_venue`` for other roles, 404 before
    their profile exists."""
    if user.role == Role.ARTIST:
        artist = artist_own(user=user)
        return Subject(ARTIST, artist.pk, artist.stage_name, artist.slug)
    if user.role == Role.VENUE:
        venue = venue_own(user=user)
        return Subject(VENUE, venue.pk, venue.name, venue.slug)
    raise ApplicationError(
        "not_artist_or_venue", "Analytics are kept for artists and venues.", status=403
    )


def _rows(subject: Subject, first: dt.date, last: dt.date) -> dict[dt.date, tuple[Any, ...]]:
    """The stored days of ``subject`` from ``first`` to ``last``: day -> values in the
    catalog's order (one query, on the (subject, day) unique index)."""
    table = TABLES[subject.kind]
    names = metrics.names(subject.kind)
    rows = (
        table.model.objects.filter(  # type: ignore[attr-defined]
            **{table.id_column: subject.id}, day__gte=first, day__lte=last
        )
        .order_by()
        .values_list("day", *names)
    )
    return {row[0]: row[1:] for row in rows}


# The JSON text of each day, written by PostgreSQL (one statement over the days, the stored rows
# joined by the (subject, day) unique index): the same text ``answers.day_texts`` writes in
# Python from ``_rows`` (tests/analytics pin it), at a fraction of the CPU (~400 days: the
# Python formatting cost more than the rest of a first request). By kind, made once.
_DAY_TEXTS_SQL: dict[str, str] = {}


def _figure_sql(m: Metric) -> str:
    column = f"t.{m.name}"
    if m.unit == Unit.RATING:  # as repr(float(x)): 4.50 -> 4.5, 4.00 -> 4.0, none -> null
        text = (
            f"CASE WHEN {column} = trunc({column}) THEN trunc({column})::text || '.0' "
            f"ELSE rtrim({column}::text, '0') END"
        )
    else:
        text = f"{column}::text"
    return f"COALESCE({text}, 'null')" if m.nullable else text


def _day_texts_sql(kind: str) -> str:
    sql = _DAY_TEXTS_SQL.get(kind)
    if sql is None:
        table = TABLES[kind]
        figures = " || ',' || ".join(
            f"'\"{m.name}\":' || {_figure_sql(m)}" for m in metrics.METRICS[kind]
        )
        sql = _DAY_TEXTS_SQL[kind] = (
            "SELECT '{\"day\":\"' || to_char(d, 'YYYY-MM-DD') || '\",' || "  # noqa: S608
            f"CASE WHEN t.day IS NULL THEN %s ELSE {figures} || '}}' END "
            "FROM generate_series(%s::date, %s::date, interval '1 day') AS d "
            f"LEFT JOIN {table.model._meta.db_table} AS t "  # type: ignore[attr-defined]
            f"ON t.{table.id_column} = %s AND t.day = d::date ORDER BY d"
        )
    return sql


def _day_texts(subject: Subject, first: dt.date, count: int) -> list[str]:
    """The JSON text of each of ``count`` days from ``first`` (zeros where nothing is
    stored), as ``answers.day_texts`` writes them."""
    last = first + dt.timedelta(days=count - 1)
    if connection.vendor != "postgresql":
        return answers.day_texts(subject.kind, first, count, _rows(subject, first, last))
    with connection.cursor() as cursor:
        cursor.execute(
            _day_texts_sql(subject.kind), [answers.ZEROS[subject.kind], first, last, subject.id]
        )
        return [row[0] for row in cursor.fetchall()]


def daily_answer(
    *,
    user: User,
    first: dt.date,
    last: dt.date,
    read: tuple[tuple[str, ...], dict[str, Any]] | None = None,
) -> bytes:
    """The JSON answer of ``GET /analytics/daily/``: the user's own days ``first``..``last``.

    From the kept series when it covers them (no SQL, :mod:`analytics.cache`); else the
    subject and its stored days of the last ``cache.SERIES_DAYS`` days (two queries), kept for
    the next requests. An older range is read and answered as asked, not kept."""
    kept = answers.daily_get(user_id=user.pk, role=user.role, first=first, last=last, read=read)
    if kept.answer is not None:
        return kept.answer
    subject = subject_of(user=user)
    start = last_complete_day() - dt.timedelta(days=answers.SERIES_DAYS - 1)
    count = (last - first).days + 1
    if first < start:
        days = _day_texts(subject, first, count)
        return answers.body(subject.kind, subject.id, first, last, days)
    days = _day_texts(subject, start, answers.SERIES_DAYS)
    series = answers.Series(subject.kind, subject.id, start, days)
    answers.daily_put(kept, series)
    begin = (first - start).days
    return answers.body(subject.kind, subject.id, first, last, days[begin : begin + count])


def _zeros(kind: str) -> tuple[Any, ...]:
    return tuple(None if m.nullable else 0 for m in metrics.METRICS[kind])


def daily(subject: Subject, *, first: dt.date, last: dt.date) -> list[dict[str, Any]]:
    """Every day from ``first`` to ``last``, oldest first: ``{"day": date, <figure>: value}``
    (zeros, and no rating or median, on days without a row)."""
    names = metrics.names(subject.kind)
    stored = _rows(subject, first, last)
    zeros = _zeros(subject.kind)
    return [
        {"day": day, **dict(zip(names, stored.get(day, zeros), strict=True))}
        for day in days_between(first, last)
    ]


# --- a period's figures -----------------------------------------------------------------------


def _weighted_mean(pairs: list[tuple[Any, int]]) -> Decimal | None:
    total = sum(weight for value, weight in pairs if value is not None)
    if not total:
        return None
    weighted = sum(
        (Decimal(value) * weight for value, weight in pairs if value is not None), Decimal()
    )
    mean = weighted / Decimal(total)
    return mean.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _weighted_median(pairs: list[tuple[Any, int]]) -> int | None:
    """The median of the daily values, each repeated ``weight`` times (the lower middle one)."""
    ordered = sorted((value, weight) for value, weight in pairs if value is not None and weight)
    total = sum(weight for _value, weight in ordered)
    if not total:
        return None
    seen = 0
    for value, weight in ordered:
        seen += weight
        if 2 * seen >= total:
            return int(value)
    return int(ordered[-1][0])  # pragma: no cover - the loop always returns


def period_value(m: Metric, days: list[dict[str, Any]]) -> Any:
    """A period's figure from its days (see ``metrics.Over``); distinct viewers are not
    derivable from days and are asked of the raw views by :func:`summary`."""
    values = [day[m.name] for day in days]
    if m.over in (Over.SUM, Over.DISTINCT_VIEWERS):
        return sum(values)
    pairs = [(day[m.name], day[m.weight]) for day in days]
    if m.over == Over.WEIGHTED_MEAN:
        return _weighted_mean(pairs)
    return _weighted_median(pairs)


def change(m: Metric, current: Any, previous: Any) -> dict[str, Any]:
    """How ``current`` compares with ``previous``: the difference, the percentage (none from
    nothing), the direction and whether that is good news."""
    if current is None or previous is None:
        return {"delta": None, "percent": None, "direction": None, "good": None}
    delta = current - previous
    direction = "up" if delta > 0 else "down" if delta < 0 else "same"
    percent = round(100 * delta / previous) if previous else None
    good = None if direction == "same" else (direction == "down") == m.lower_is_better
    return {"delta": delta, "percent": percent, "direction": direction, "good": good}


def _change_text(m: Metric, current: Any, previous: Any, info: dict[str, Any]) -> str:
    """The comparison in words, for the page and screen readers."""
    before = metrics.display(m.unit, previous)
    if info["direction"] is None:
        return "No figure to compare with." if previous is None else f"Previously {before}."
    if info["direction"] == "same":
        return f"No change from {before}."
    word = "Up" if info["direction"] == "up" else "Down"
    if info["percent"] is None:
        return f"{word} from {before}."
    return f"{word} {abs(info['percent'])}% from {before}."


@dataclass(frozen=True)
class Period:
    days: int
    first: dt.date
    last: dt.date

    @property
    def previous(self) -> "Period":
        last = self.first - dt.timedelta(days=1)
        return Period(self.days, last - dt.timedelta(days=self.days - 1), last)


def period(days: int, *, last: dt.date | None = None) -> Period:
    """The ``days`` days ending with ``last`` (default: yesterday, the last day rolled up)."""
    last = last or last_complete_day()
    return Period(days, last - dt.timedelta(days=days - 1), last)


def summary(
    subject: Subject, *, days: int, last: dt.date | None = None, only: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The headline figures of the ``days`` days ending ``last`` against the ``days`` before,
    and those days (``daily``) for the charts and the table. ``only``: just these figures."""
    current = period(days, last=last)
    before = current.previous
    rows = daily(subject, first=before.first, last=current.last)
    now_days, before_days = rows[days:], rows[:days]
    figures = []
    for m in metrics.METRICS[subject.kind]:
        if only and m.name not in only:
            continue
        value, previous = period_value(m, now_days), period_value(m, before_days)
        if m.over == Over.DISTINCT_VIEWERS and subject.kind == ARTIST:
            value, previous = (
                artist_figures.distinct_viewers(artist_id=subject.id, first=p.first, last=p.last)
                for p in (current, before)
            )
        info = change(m, value, previous)
        figures.append(
            {
                "name": m.name,
                "label": m.label,
                "help": m.help,
                "unit": str(m.unit),
                "value": value,
                "previous": previous,
                "display": metrics.display(m.unit, value),
                "change_text": _change_text(m, value, previous, info),
                **info,
            }
        )
    return {"period": current, "previous": before, "figures": figures, "daily": now_days}


# --- charts -----------------------------------------------------------------------------------


def _chart_value(unit: Unit, value: Any) -> float | int | None:
    """A value in the chart's unit: dollars, hours, a rating, a count."""
    if value is None:
        return None
    if unit == Unit.CENTS:
        return round(value / 100, 2)
    if unit == Unit.SECONDS:
        return round(value / 3600, 2)
    if unit == Unit.RATING:
        return float(value)
    return int(value)


def charts(kind: str, days: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What the page's charts draw (``analytics/charts.js``): per chart its title, unit,
    the days as UTC midnights (seconds) and one series per figure."""
    x = [int(dt.datetime.combine(d["day"], dt.time.min, tzinfo=dt.UTC).timestamp()) for d in days]
    out = []
    for chart in metrics.CHARTS[kind]:
        series = [
            {
                "label": metrics.metric(kind, name).label,
                "values": [_chart_value(chart.unit, d[name]) for d in days],
            }
            for name in chart.metrics
        ]
        out.append(
            {
                "slug": chart.slug,
                "element_id": f"chart-data-{chart.slug}",
                "title": chart.title,
                "unit": str(chart.unit),
                "bars": chart.bars,
                "x": x,
                "series": series,
            }
        )
    return out


def table(kind: str, days: list[dict[str, Any]]) -> dict[str, Any]:
    """The days as a table (newest first), every value as people read it."""
    catalog = metrics.METRICS[kind]
    return {
        "columns": [m.label for m in catalog],
        "rows": [
            {"day": d["day"], "cells": [metrics.display(m.unit, d[m.name]) for m in catalog]}
            for d in reversed(days)
        ],
    }


# --- the public Stats tab ---------------------------------------------------------------------


def public_metrics_of(*, artist_id: int) -> list[str]:
    chosen = PublicStats.objects.filter(artist_id=artist_id).values_list("metrics", flat=True)
    names = set(chosen.first() or [])
    return [name for name in metrics.SHAREABLE if name in names]


def public_stats(*, slug: str, last: dt.date | None = None) -> dict[str, Any] | None:
    """What a public artist shows of their figures: those they chose, over the last 30 days
    against the 30 before, with a 90-day trend each. ``None`` for an artist who is not public."""
    artist = artist_public(slug=slug)
    if artist is None:
        return None
    chosen = tuple(public_metrics_of(artist_id=artist.pk))
    subject = Subject(ARTIST, artist.pk, artist.stage_name, artist.slug)
    if not chosen:
        return {"artist": artist, "metrics": (), "figures": [], "trend": [], "period": None}
    result = summary(subject, days=PUBLIC_DAYS, last=last, only=chosen)
    trend_period = period(PUBLIC_TREND_DAYS, last=result["period"].last)
    trend = daily(subject, first=trend_period.first, last=trend_period.last)
    return {
        "artist": artist,
        "metrics": chosen,
        "figures": result["figures"],
        "period": result["period"],
        "trend": [{"day": d["day"], **{name: d[name] for name in chosen}} for d in trend],
    }
