"""Webhook metrics (SPEC-events §4): per app and capability over the last hour, day or week —
calls, successes, failures, timeouts, success rate, average and p50/p95/p99 latency, breaker
state, dead letters — and a time series for the console's chart.

Reads only. Every number comes from :class:`~events.models.WebhookDelivery` (one row per attempt,
so a message retried three times counts three calls) in a constant number of queries, whatever
the number of apps or rows: the counts and the average are SQL aggregates grouped by (app,
capability); on PostgreSQL the percentiles too (``percentile_cont(…) WITHIN GROUP (ORDER BY
duration_ms)``, which PostgreSQL sorts once for the three of them), read from the covering index
``delivery_metrics``. SQLite (the embedded default) has no ordered-set aggregates: there one
more query reads the durations and Python interpolates them the same way. The breaker state is
transport's (Redis or memory), not a query.

Latency percentiles are over every attempt, failed ones included: a timed-out call is what its
caller waited for, which is what the p95 alert watches.
"""

import logging
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Aggregate, Avg, Count, F, FloatField, Func, IntegerField, Q, QuerySet
from django.utils import timezone
from redis.exceptions import RedisError

from events.models import (
    WEBHOOK_CAPABILITIES,
    App,
    AppIncident,
    DeadLetter,
    Outcome,
    WebhookDelivery,
)
from events.webhooks import breaker
from events.webhooks.calls import DEFAULT_TIMEOUT_MS, SYNC_TIMEOUT_MS, webhook_config

logger = logging.getLogger(__name__)

# window name → (length, bucket of the chart's series)
WINDOWS: dict[str, tuple[timedelta, timedelta]] = {
    "1h": (timedelta(hours=1), timedelta(minutes=5)),
    "24h": (timedelta(hours=24), timedelta(hours=1)),
    "7d": (timedelta(days=7), timedelta(hours=6)),
}
DEFAULT_WINDOW = "24h"
PERCENTILES = (("p50_ms", 0.5), ("p95_ms", 0.95), ("p99_ms", 0.99))


class PercentileCont(Aggregate):
    """PostgreSQL's ``percentile_cont(fraction) WITHIN GROUP (ORDER BY expression)``: the
    value at ``fraction`` of the sorted values, interpolated linearly between neighbours."""

    function = "PERCENTILE_CONT"
    name = "PercentileCont"
    output_field = FloatField()
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression: Any, fraction: float, **extra: Any) -> None:
        if not 0 <= fraction <= 1:
            raise ValueError("A percentile's fraction is between 0 and 1.")
        super().__init__(expression, fraction=repr(float(fraction)), **extra)


class EpochBucket(Func):
    """Which of ``count`` buckets of ``step`` seconds after ``start`` (unix seconds) a
    timestamp falls in; the window's very end goes in the last one."""

    output_field = IntegerField()
    template = (
        "LEAST(CAST(FLOOR((EXTRACT(EPOCH FROM %(expressions)s) - %(start)s) / %(step)s) AS "
        "INTEGER), %(last)s)"
    )

    def __init__(self, expression: Any, *, start: float, step: float, count: int) -> None:
        super().__init__(
            expression, start=repr(float(start)), step=repr(float(step)), last=str(int(count) - 1)
        )

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # SQLite stores the UTC time as text; julianday() reads it as days since 4714 BC
        # (1970-01-01 is 2440587.5), a float: rounded to the millisecond, or 11:50:00 could
        # come out as 11:49:59.9999 and fall in the bucket before.
        template = (
            "MIN(CAST((ROUND((julianday(%(expressions)s) - 2440587.5) * 86400000.0) / 1000.0 "
            "- %(start)s) / %(step)s AS INTEGER), %(last)s)"
        )
        return self.as_sql(compiler, connection, template=template, **extra)


def percentile(sorted_values: Sequence[float], fraction: float) -> float | None:
    """``percentile_cont`` in Python (the SQLite fallback): linear interpolation between the
    two closest ranks, as PostgreSQL does."""
    if not sorted_values:
        return None
    position = fraction * (len(sorted_values) - 1)
    low, high = math.floor(position), math.ceil(position)
    return float(sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low))


@dataclass(frozen=True)
class Stats:
    calls: int = 0
    successes: int = 0
    timeouts: int = 0
    avg_ms: float | None = None
    p50_ms: float | None = None
    p95_ms: float | None = None
    p99_ms: float | None = None

    @property
    def failures(self) -> int:
        return self.calls - self.successes

    @property
    def success_rate(self) -> float | None:
        """Between 0 and 1; None with no calls (nothing to judge)."""
        return self.successes / self.calls if self.calls else None


def _stats(deliveries: QuerySet[WebhookDelivery], group: Sequence[Any]) -> dict[tuple, Stats]:
    """``deliveries`` grouped by the ``group`` expressions (named ``g0``, ``g1``…): one query on
    PostgreSQL, two on SQLite (the durations for the percentiles)."""
    names = {
        f"g{i}": F(expression) if isinstance(expression, str) else expression
        for i, expression in enumerate(group)
    }
    aggregates: dict[str, Any] = {
        "calls": Count("id"),
        "successes": Count("id", filter=Q(outcome=Outcome.SUCCESS)),
        "timeouts": Count("id", filter=Q(outcome=Outcome.TIMEOUT)),
        "avg_ms": Avg("duration_ms"),
    }
    on_postgres = connection.vendor == "postgresql"
    if on_postgres:
        aggregates |= {
            name: PercentileCont("duration_ms", fraction) for name, fraction in PERCENTILES
        }
    grouped = deliveries.order_by().annotate(**names).values(*names)
    rows = grouped.annotate(**aggregates)
    result: dict[tuple, dict[str, Any]] = {
        tuple(row[name] for name in names): {key: row[key] for key in aggregates} for row in rows
    }
    if not on_postgres and result:
        durations: dict[tuple, list[int]] = defaultdict(list)
        for *key, duration in grouped.values_list(*names, "duration_ms"):
            durations[tuple(key)].append(duration)
        for key, values in durations.items():
            values.sort()
            for name, fraction in PERCENTILES:
                result[key][name] = percentile(values, fraction)
    return {key: Stats(**values) for key, values in result.items()}


def window_range(window: str, now: datetime | None = None) -> tuple[datetime, datetime]:
    if window not in WINDOWS:
        raise ValueError(f"Unknown window {window!r}.")
    end = now or timezone.now()
    return end - WINDOWS[window][0], end


def delivery_stats(
    *, since: datetime, until: datetime | None = None, app_pks: Iterable[int] | None = None
) -> dict[tuple[int, str], Stats]:
    """(app pk, capability) → the attempts' stats in [since, until). One query on PostgreSQL."""
    rows = WebhookDelivery.objects.filter(created_at__gte=since)
    if until is not None:
        rows = rows.filter(created_at__lt=until)
    if app_pks is not None:
        rows = rows.filter(app_id__in=list(app_pks))
    return _stats(rows, ["app_id", "capability"])


def dead_letter_counts(*, app_pks: Iterable[int] | None = None) -> dict[tuple[int, str], int]:
    """(app pk, capability) → dead letters (any age; one being replayed is still one until it
    is delivered and its row deleted). One query."""
    rows = DeadLetter.objects.all()
    if app_pks is not None:
        rows = rows.filter(app_id__in=list(app_pks))
    counts = rows.order_by().values("app_id", "capability").annotate(n=Count("id"))
    return {(row["app_id"], row["capability"]): row["n"] for row in counts}


def app_capabilities(app: App, seen: Iterable[str] = ()) -> list[str]:
    """The capabilities that call a webhook, in the manifest's order, then any other seen in
    the deliveries (a capability removed since)."""
    declared = [c for c in app.manifest.get("capabilities", []) if c in WEBHOOK_CAPABILITIES]
    return declared + sorted(set(seen) - set(declared))


def capability_timeout_ms(app: App, capability: str) -> int:
    """The webhook's timeout (the manifest's ``timeout_ms`` or SPEC-events §4's default)."""
    config = webhook_config(app, capability)
    return config.timeout_ms if config else DEFAULT_TIMEOUT_MS.get(capability, SYNC_TIMEOUT_MS)


@dataclass
class CapabilityMetrics:
    capability: str
    stats: Stats
    breaker: str
    dead_letters: int
    timeout_ms: int

    def as_dict(self) -> dict[str, Any]:
        s = self.stats
        return {
            "capability": self.capability,
            "calls": s.calls,
            "successes": s.successes,
            "failures": s.failures,
            "timeouts": s.timeouts,
            "success_rate": s.success_rate,
            "avg_ms": s.avg_ms,
            "p50_ms": s.p50_ms,
            "p95_ms": s.p95_ms,
            "p99_ms": s.p99_ms,
            "timeout_ms": self.timeout_ms,
            "breaker": self.breaker,
            "dead_letters": self.dead_letters,
        }


@dataclass
class AppMetrics:
    app: App
    window: str
    since: datetime
    until: datetime
    capabilities: list[CapabilityMetrics]
    total: Stats
    open_incidents: list[AppIncident] = field(default_factory=list)

    @property
    def dead_letters(self) -> int:
        return sum(c.dead_letters for c in self.capabilities)


def _total(stats: Iterable[Stats]) -> Stats:
    """Counts summed across capabilities (percentiles don't add up: left out)."""
    stats = list(stats)
    calls = sum(s.calls for s in stats)
    weighted = sum((s.avg_ms or 0) * s.calls for s in stats)
    return Stats(
        calls=calls,
        successes=sum(s.successes for s in stats),
        timeouts=sum(s.timeouts for s in stats),
        avg_ms=weighted / calls if calls else None,
    )


def apps_metrics(
    apps: Sequence[App],
    *,
    window: str = DEFAULT_WINDOW,
    now: datetime | None = None,
    breakers: bool = True,
) -> list[AppMetrics]:
    """The metrics of each of ``apps`` over ``window``, in a constant number of queries (stats,
    dead letters, open incidents) plus one Redis round trip for every breaker state
    (``breakers=False``: none, the state is then ``"unknown"``)."""
    since, until = window_range(window, now)
    pks = [app.pk for app in apps]
    stats = delivery_stats(since=since, app_pks=pks)
    dead = dead_letter_counts(app_pks=pks)
    incidents: dict[int, list[AppIncident]] = defaultdict(list)
    for incident in AppIncident.objects.open().filter(app_id__in=pks).order_by("opened_at"):
        incidents[incident.app_id].append(incident)
    seen: dict[int, set[str]] = defaultdict(set)
    for app_pk, capability in [*stats, *dead]:
        seen[app_pk].add(capability)
    shown = {app.pk: app_capabilities(app, seen[app.pk]) for app in apps}
    states: dict[tuple[str, str], str] = {}
    if breakers:
        try:
            states.update(breaker.states((app.app_id, c) for app in apps for c in shown[app.pk]))
        except RedisError:  # the page still shows everything else; the states say "unknown"
            logger.warning("breaker store unreachable: breaker states unknown")
    result = []
    for app in apps:
        capabilities = [
            CapabilityMetrics(
                capability=capability,
                stats=stats.get((app.pk, capability), Stats()),
                breaker=states.get((app.app_id, capability), "unknown"),
                dead_letters=dead.get((app.pk, capability), 0),
                timeout_ms=capability_timeout_ms(app, capability),
            )
            for capability in shown[app.pk]
        ]
        result.append(
            AppMetrics(
                app=app,
                window=window,
                since=since,
                until=until,
                capabilities=capabilities,
                total=_total(c.stats for c in capabilities),
                open_incidents=incidents[app.pk],
            )
        )
    return result


def app_metrics(
    *, app: App, window: str = DEFAULT_WINDOW, now: datetime | None = None
) -> AppMetrics:
    return apps_metrics([app], window=window, now=now)[0]


def app_series(
    *,
    app: App,
    window: str = DEFAULT_WINDOW,
    capability: str | None = None,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """The chart's points: for each bucket of the window (5 min over 1 h, 1 h over 24 h, 6 h over
    7 d), its start, calls, success rate and p95 — every bucket, empty ones included. The
    buckets start at the window's start, so they add up to the window's totals."""
    since, _ = window_range(window, now)
    step = WINDOWS[window][1].total_seconds()
    rows = WebhookDelivery.objects.filter(app=app, created_at__gte=since)
    if capability:
        rows = rows.filter(capability=capability)
    count = math.ceil(WINDOWS[window][0].total_seconds() / step)
    bucket = EpochBucket("created_at", start=since.timestamp(), step=step, count=count)
    stats = _stats(rows, [bucket])
    points = []
    for index in range(count):
        s = stats.get((index,), Stats())
        points.append(
            {
                "start": since + timedelta(seconds=step * index),
                "calls": s.calls,
                "failures": s.failures,
                "success_rate": s.success_rate,
                "p95_ms": s.p95_ms,
            }
        )
    return points
