"""Writes of the analytics app: rolling up a day (and a range of days), and the artist's
choice of public figures. Doors: the beat task, ``manage.py rollup_metrics``, admin, pages, API.
"""

import datetime as dt
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import User
from analytics import cache as answers
from analytics import metrics, rollup
from analytics.models import PublicStats, RollupRun
from artists.models import ArtistProfile
from artists.selectors import artist_own
from umbrella.daily_metrics import ARTIST, KINDS, VENUE, Day
from umbrella.errors import ApplicationError

CATCH_UP_DAYS = 7  # the nightly task also rolls up the days of the last week that have no run


@dataclass(frozen=True)
class RollupResult:
    day: dt.date
    artists: int
    venues: int
    cleared: int
    changed: int  # rows written or changed (a rerun over unchanged sources: 0 on PostgreSQL)
    queries: int
    seconds: float


def last_complete_day(now: dt.datetime | None = None) -> dt.date:
    """Yesterday in UTC: the last day that is over."""
    return (now or timezone.now()).astimezone(dt.UTC).date() - dt.timedelta(days=1)


def _lock_day(day: dt.date) -> None:
    """One rollup of a day at a time (a backfill next to the nightly task): a transaction-level
    advisory lock on PostgreSQL; other databases have one writer anyway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [0x616E, day.toordinal()])


def rollup_day(*, day: dt.date, now: dt.datetime | None = None) -> RollupResult:
    """Compute and store every artist's and venue's figures for the UTC day ``day``.

    Idempotent: a rerun gives the same rows (a subject whose figures went back to nothing loses
    its row; rows of deleted artists and venues stay as they were). A day that is not over yet
    is refused: its figures would be partial. The whole day is written in one transaction.
    """
    if day > last_complete_day(now):
        raise ApplicationError(
            "day_not_over", f"{day} is not over yet (UTC): it can be rolled up tomorrow."
        )
    started = time.perf_counter()
    counter = _QueryCounter()
    with transaction.atomic():
        with connection.execute_wrapper(counter):
            _lock_day(day)
            window = Day(day)
            written: dict[str, int] = {}
            cleared = changed = 0
            for kind in KINDS:
                subjects, rows = rollup.collect(kind, window)
                written[kind] = len(rows)
                changed += rollup.write(kind, day, subjects, rows)
                cleared += rollup.clear_emptied(kind, day, subjects, rows)
            if changed or cleared:
                answers.figures_changed_on_commit()  # the API's kept answers are not used again
        result = RollupResult(
            day=day,
            artists=written[ARTIST],
            venues=written[VENUE],
            cleared=cleared,
            changed=changed,
            queries=counter.count,
            seconds=round(time.perf_counter() - started, 3),
        )
        RollupRun.objects.update_or_create(
            day=day,
            defaults={
                "artists": result.artists,
                "venues": result.venues,
                "cleared": result.cleared,
                "queries": result.queries,
                "seconds": result.seconds,
                "finished_at": timezone.now(),
            },
        )
    return result


class _QueryCounter:
    """Counts the statements run through Django's connection (``execute_wrapper``)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


def days_between(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def rollup_days(
    *,
    first: dt.date,
    last: dt.date,
    now: dt.datetime | None = None,
    progress: Callable[[int, int, RollupResult], None] | None = None,
) -> list[RollupResult]:
    """Roll up every day from ``first`` to ``last`` (inclusive), oldest first, each in its own
    transaction (an interrupted backfill keeps the days it finished; run it again)."""
    if first > last:
        raise ApplicationError(
            "validation_error",
            "The first day comes after the last.",
            details={"from": ["Must not be after the last day."]},
        )
    if last > last_complete_day(now):
        raise ApplicationError(
            "day_not_over", f"{last} is not over yet (UTC): the last day must be before today."
        )
    days = days_between(first, last)
    results = []
    for n, day in enumerate(days, start=1):
        result = rollup_day(day=day, now=now)
        results.append(result)
        if progress is not None:
            progress(n, len(days), result)
    return results


def rollup_due(*, now: dt.datetime | None = None) -> list[RollupResult]:
    """The nightly job: yesterday, plus any day of the last week no run has rolled up (a worker
    that was down). Yesterday is always rolled up again, so a late run corrects an early one."""
    last = last_complete_day(now)
    first = last - dt.timedelta(days=CATCH_UP_DAYS - 1)
    done = set(RollupRun.objects.filter(day__gte=first, day__lt=last).values_list("day", flat=True))
    due = [day for day in days_between(first, last) if day not in done or day == last]
    return [rollup_day(day=day, now=now) for day in due]


def last_rollup() -> dt.date | None:
    return RollupRun.objects.aggregate(last=Max("day"))["last"]


# --- public figures -------------------------------------------------------------------------


def public_stats_check(metric_names: Iterable[str]) -> list[str]:
    """The figures an artist may show, in the catalog's order; an unknown or private one is a
    400 ``validation_error`` naming it."""
    wanted = list(metric_names)
    refused = sorted({name for name in wanted if name not in metrics.SHAREABLE})
    if refused:
        raise ApplicationError(
            "validation_error",
            f"These figures can't be made public: {', '.join(refused)}.",
            details={"metrics": [f"Not a public figure: {name}." for name in refused]},
            field="metrics",
        )
    return [name for name in metrics.SHAREABLE if name in wanted]


@transaction.atomic
def public_stats_set(*, user: User, metric_names: Iterable[str]) -> PublicStats:
    """Choose the figures the artist's public Stats tab shows (an empty choice hides them all)."""
    chosen = public_stats_check(metric_names)
    artist: ArtistProfile = artist_own(user=user, lock=True)
    stats, _ = PublicStats.objects.update_or_create(
        artist=artist, defaults={"metrics": chosen, "updated_by": user}
    )
    return stats
