"""The daily figures API's answer, kept in the cache until the figures change (docs/analytics.md,
"Reading the figures").

Stored days change only when something writes figures: the nightly rollup (and its catch-up,
a backfill, admin's "roll up again"), the demo seed. So the first ``GET /analytics/daily/`` of a
user builds the JSON text of **each day** of the last :data:`SERIES_DAYS` days up to yesterday (a
quiet day's zeros too) and keeps it, with whose figures they are, under the user's key; a later
request for any range inside those days joins a slice of it: no SQL, one cache round trip.

**Never stale**: every write of figures takes a new *generation* (a random token in the cache,
:func:`figures_changed`), **after** its transaction commits; a kept answer is only used under the
generation it was built under. A reader that read the old rows just before a commit stores them
under the old generation, which the new one makes unusable. A lost generation key (eviction)
is a new random token: nothing kept before it is used. Rows written with ORM saves take a new
generation through signals (``AnalyticsConfig.ready``); bulk writers call
:func:`figures_changed_on_commit` themselves.

The key holds the user's id and role: a role changed by staff changes the key (and ends the
user's tokens). Kept at most :data:`KEEP_SECONDS`.
"""

import datetime as dt
import secrets
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.core.cache import cache
from django.db import transaction

from accounts.models import Role
from analytics import metrics
from analytics.metrics import Unit

GENERATION_KEY = "analytics:generation"
# The days kept: a year ending on any day of the last five weeks (the dashboards' and the
# clients' usual asks end yesterday); an older range is read as asked, not kept.
SERIES_DAYS = metrics.MAX_RANGE_DAYS + 35
KEEP_SECONDS = 26 * 3600  # a day and the rollup's margin; a new generation comes before


def series_key(user_id: int, role: str) -> str:
    return f"analytics:daily:{user_id}:{role}"


def figures_changed() -> None:
    """Stored figures changed: answers kept so far are not used again. Call it once the write is
    committed (:func:`figures_changed_on_commit` inside a transaction)."""
    cache.set(GENERATION_KEY, secrets.token_hex(8), timeout=None)


def figures_changed_on_commit() -> None:
    """Inside a write's transaction: a new generation now (a reader in this transaction, or
    a test's, sees the write) and another once it commits (readers of the rows before the
    commit stored them under the first)."""
    figures_changed()
    transaction.on_commit(figures_changed)


def _generation(found: Any) -> str:
    if isinstance(found, str):
        return found
    token = secrets.token_hex(8)
    if cache.add(GENERATION_KEY, token, timeout=None):
        return token
    again = cache.get(GENERATION_KEY)
    return again if isinstance(again, str) else token


# --- the days as JSON text -------------------------------------------------------------------


def _formatter(kind: str) -> Callable[[Sequence[Any]], str]:
    """A stored row's figures (catalog order) -> the JSON text after its day, as DRF's
    ``JSONRenderer`` writes it (compact; a rating as a number, none as ``null``)."""
    parts = []
    converters: list[Callable[[Any], str]] = []
    for m in metrics.METRICS[kind]:
        parts.append(f'"{m.name}":{{}}')
        converters.append(_rating_text if m.unit == Unit.RATING else _int_text)
    template = ",".join(parts) + "}}"

    def text(values: Sequence[Any]) -> str:
        return template.format(*[c(v) for c, v in zip(converters, values, strict=True)])

    return text


def _int_text(value: Any) -> str:
    return "null" if value is None else str(int(value))


def _rating_text(value: Any) -> str:
    return "null" if value is None else repr(float(value))  # as json.dumps writes a float


def _zeros(kind: str) -> str:
    return _formatter(kind)([None if m.nullable else 0 for m in metrics.METRICS[kind]])


FORMATTERS = {kind: _formatter(kind) for kind in metrics.METRICS}
ZEROS = {kind: _zeros(kind) for kind in metrics.METRICS}


def day_texts(
    kind: str, first: dt.date, count: int, stored: Mapping[dt.date, Sequence[Any]]
) -> list[str]:
    """The JSON text of each day from ``first``, ``count`` days (zeros where nothing is stored)."""
    text, zeros = FORMATTERS[kind], ZEROS[kind]
    out = []
    day = first
    step = dt.timedelta(days=1)
    for _ in range(count):
        values = stored.get(day)
        out.append(f'{{"day":"{day.isoformat()}",' + (zeros if values is None else text(values)))
        day += step
    return out


def _head(kind: str, subject_id: int, first: dt.date, last: dt.date) -> bytes:
    return (
        f'{{"subject":"{kind}","id":{int(subject_id)},"from":"{first.isoformat()}",'
        f'"to":"{last.isoformat()}","days":['
    ).encode()


def body(kind: str, subject_id: int, first: dt.date, last: dt.date, days: Sequence[str]) -> bytes:
    """The answer, as ``AnalyticsDailyApi`` documents it."""
    return _head(kind, subject_id, first, last) + ",".join(days).encode() + b"]}"


# --- kept series -----------------------------------------------------------------------------


class Series:
    """Days kept for a user: their JSON texts joined by commas in one ``bytes`` (no list to
    rebuild when read back), and where each day starts in it (plus one past the end)."""

    def __init__(self, kind: str, subject_id: int, start: dt.date, days: list[str]) -> None:
        self.kind = kind
        self.subject_id = subject_id
        self.start = start.toordinal()
        self.text = ",".join(days).encode()
        offsets, at = [], 0
        for day in days:
            offsets.append(at)
            at += len(day.encode()) + 1
        offsets.append(at)  # one past the last day's comma-to-be
        self.offsets = tuple(offsets)

    def answer(self, first: dt.date, last: dt.date) -> bytes | None:
        begin = first.toordinal() - self.start
        end = last.toordinal() - self.start + 1
        if begin < 0 or end >= len(self.offsets):
            return None
        days = self.text[self.offsets[begin] : self.offsets[end] - 1]
        return _head(self.kind, self.subject_id, first, last) + days + b"]}"


class Kept:
    """What a request found: the answer if a kept series covers its range under the current
    generation, else what to store a new series under."""

    def __init__(self, key: str, generation: str, answer: bytes | None) -> None:
        self.key = key
        self.generation = generation
        self.answer = answer


def reads_for(user_id: int) -> tuple[str, ...]:
    """The keys :func:`daily_get` reads for ``user_id`` whatever their role (an artist's or a
    venue's kept days), for token authentication to read in its own round trip before the
    user, and so the role, is known (``umbrella.throttling.user_reads``)."""
    return (GENERATION_KEY, *(series_key(user_id, role) for role in (Role.ARTIST, Role.VENUE)))


def daily_get(
    *,
    user_id: int,
    role: str,
    first: dt.date,
    last: dt.date,
    read: tuple[tuple[str, ...], dict[str, Any]] | None = None,
) -> Kept:
    """One cache round trip: the generation and the user's kept days; the answer when they
    cover ``first``..``last`` under the current generation. None when ``read`` (keys, values
    found) already holds both: read by the request's authentication."""
    key = series_key(user_id, role)
    if read is not None and key in read[0] and GENERATION_KEY in read[0]:
        found = read[1]
    else:
        found = cache.get_many([GENERATION_KEY, key])
    generation = _generation(found.get(GENERATION_KEY))
    kept = found.get(key)
    if not (isinstance(kept, tuple) and len(kept) == 2 and kept[0] == generation):
        return Kept(key, generation, None)
    series = kept[1]
    return Kept(key, generation, series.answer(first, last) if isinstance(series, Series) else None)


def daily_put(kept: Kept, series: Series) -> None:
    cache.set(kept.key, (kept.generation, series), timeout=KEEP_SECONDS)
