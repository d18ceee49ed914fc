"""The figures analytics keeps, described once: their names (the model's columns and what the
domains register in ``umbrella.daily_metrics``), labels, units, how a period's figure is made
from its days, which an artist may make public, and the charts that show them. The dashboards,
the API, the CSV export and the public Stats tab all read this catalog. Pure: no database.
"""

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from umbrella.daily_metrics import ARTIST, VENUE

PERIODS = (7, 30, 90, 365)  # the dashboards' choices, in days
DEFAULT_PERIOD = 30
MAX_RANGE_DAYS = 366  # the API's longest range (a leap year)


class Unit(StrEnum):
    COUNT = "count"
    CENTS = "cents"
    RATING = "rating"
    SECONDS = "seconds"


class Over(StrEnum):
    """How a period's figure is made from its days."""

    SUM = "sum"
    # The mean of the daily values, each weighted by the day's count in ``Metric.weight``.
    WEIGHTED_MEAN = "weighted_mean"
    # The median of the daily values, each counted as many times as ``Metric.weight`` says.
    WEIGHTED_MEDIAN = "weighted_median"
    # Distinct viewers over the whole period, from the raw views (artists.daily_metrics).
    DISTINCT_VIEWERS = "distinct_viewers"


@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    help: str
    unit: Unit = Unit.COUNT
    over: Over = Over.SUM
    weight: str = ""  # the count a weighted figure is weighted by
    nullable: bool = False  # no value on a day without any (a rating, a median)
    lower_is_better: bool = False  # a fall is good news (time to answer)
    shareable: bool = False  # an artist may show it on the public Stats tab


ARTIST_METRICS: tuple[Metric, ...] = (
    Metric(
        "profile_views",
        "Profile views",
        "Views of your public page (one per viewer per day).",
        shareable=True,
    ),
    Metric(
        "unique_viewers",
        "Unique viewers",
        "Different people who viewed your page; a signed-in viewer counts once per period, "
        "a visitor who is not signed in once per day.",
        over=Over.DISTINCT_VIEWERS,
        shareable=True,
    ),
    Metric("gigs_completed", "Gigs played", "Bookings completed.", shareable=True),
    Metric("earnings", "Earnings", "Fees of the gigs completed.", unit=Unit.CENTS),
    Metric("reviews", "Reviews", "Venues' reviews of you published.", shareable=True),
    Metric(
        "avg_rating",
        "Average rating",
        "Average of the venues' reviews published in the period (1 to 5).",
        unit=Unit.RATING,
        over=Over.WEIGHTED_MEAN,
        weight="reviews",
        nullable=True,
        shareable=True,
    ),
    Metric("applications_sent", "Applications sent", "Applications you sent to gigs."),
    Metric(
        "applications_accepted",
        "Applications accepted",
        "Applications a venue accepted (bookings made).",
    ),
    Metric("messages_received", "Messages received", "Messages sent to you."),
    Metric(
        "fan_growth",
        "Fan list growth",
        "Fans who joined your lists, less those who left.",
        shareable=True,
    ),
    Metric("campaign_sends", "Campaign sends", "Campaign emails and texts sent to fans."),
)

VENUE_METRICS: tuple[Metric, ...] = (
    Metric("gigs_posted", "Gigs posted", "Gigs you posted."),
    Metric("applications_received", "Applications received", "Applications to your gigs."),
    Metric(
        "applications_answered",
        "Applications answered",
        "Applications you accepted or declined (including those declined by filling the gig).",
    ),
    Metric(
        "median_answer_seconds",
        "Median time to answer",
        "How long an artist waits for your answer, from applying to being accepted or "
        "declined (the median).",
        unit=Unit.SECONDS,
        over=Over.WEIGHTED_MEDIAN,
        weight="applications_answered",
        nullable=True,
        lower_is_better=True,
    ),
    Metric("bookings", "Bookings", "Applications you accepted (bookings made)."),
    Metric("reviews", "Reviews", "Artists' reviews of you published."),
    Metric(
        "avg_rating",
        "Average rating",
        "Average of the artists' reviews published in the period (1 to 5).",
        unit=Unit.RATING,
        over=Over.WEIGHTED_MEAN,
        weight="reviews",
        nullable=True,
    ),
    Metric("messages_received", "Messages received", "Messages sent to you."),
)

METRICS: dict[str, tuple[Metric, ...]] = {ARTIST: ARTIST_METRICS, VENUE: VENUE_METRICS}


def metric(kind: str, name: str) -> Metric:
    return next(m for m in METRICS[kind] if m.name == name)


def names(kind: str) -> tuple[str, ...]:
    return tuple(m.name for m in METRICS[kind])


SHAREABLE = tuple(m.name for m in ARTIST_METRICS if m.shareable)


@dataclass(frozen=True)
class Chart:
    slug: str
    title: str
    metrics: tuple[str, ...]
    unit: Unit = Unit.COUNT
    bars: bool = False  # few, whole numbers a day: bars read better than a line


CHARTS: dict[str, tuple[Chart, ...]] = {
    ARTIST: (
        Chart("views", "Profile views", ("profile_views",)),
        Chart("earnings", "Earnings", ("earnings",), unit=Unit.CENTS, bars=True),
        Chart(
            "gigs",
            "Gigs and applications",
            ("gigs_completed", "applications_sent", "applications_accepted"),
            bars=True,
        ),
        Chart("fans", "Fans and messages", ("fan_growth", "messages_received", "campaign_sends")),
        Chart("rating", "Average rating", ("avg_rating",), unit=Unit.RATING),
    ),
    VENUE: (
        Chart("gigs", "Gigs and bookings", ("gigs_posted", "bookings"), bars=True),
        Chart(
            "applications",
            "Applications",
            ("applications_received", "applications_answered"),
            bars=True,
        ),
        Chart("answer", "Median time to answer", ("median_answer_seconds",), unit=Unit.SECONDS),
        Chart("messages", "Messages received", ("messages_received",)),
        Chart("rating", "Average rating", ("avg_rating",), unit=Unit.RATING),
    ),
}


# --- how values read ----------------------------------------------------------------------------


def display(unit: Unit, value: Any) -> str:
    """A value as people read it: ``$1,234``, ``4.6``, ``3 h 20 min``, ``1,204``; ``—`` for none."""
    if value is None:
        return "—"
    if unit == Unit.CENTS:
        dollars, cents = divmod(int(value), 100)
        return f"${dollars:,}" + (f".{cents:02d}" if cents else "")
    if unit == Unit.RATING:
        return f"{Decimal(value):.1f}"
    if unit == Unit.SECONDS:
        return duration(int(value))
    return f"{int(value):,}"


def duration(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"
