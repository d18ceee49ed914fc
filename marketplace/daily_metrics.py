"""The marketplace's part of the nightly analytics rollup (``umbrella.daily_metrics``): which
venues get a row for a day, and the figures of gigs, applications, bookings and reviews for
artists and venues. Registered in ``MarketplaceConfig.ready``.

Each function runs one ``SELECT … GROUP BY`` for every artist or venue of the day (the median
time to answer is taken in Python over that one query's rows: one row per answer that day).
Days are UTC days; what an instant belongs to:

* a gig completed: its booking's ``completed_at`` (when it counted into the artist's totals);
* an application sent / received: its ``created_at``; accepted / a booking: the booking's
  ``created_at``; answered: the ``StatusChange`` from pending to accepted or rejected (the
  rejections an acceptance makes of the gig's other applicants count: they are answered too);
* reviews and their average rating: the reviews of the artist (venue) published that day and
  still visible (a review hidden later drops out when the day is rolled up again). A period's
  rating is the mean of its days weighted by their reviews: the average of its reviews.
"""

import statistics
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Avg, Count, Sum

from marketplace.models import (
    Application,
    ApplicationStatus,
    Booking,
    BookingStatus,
    Gig,
    Review,
    Side,
    StatusChange,
    Subject,
    VenueProfile,
)
from umbrella.daily_metrics import ARTIST, VENUE, Day, Figures, Subjects

CENT = Decimal("0.01")


def _rating(value: Any) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def venues_of_day(day: Day) -> dict[int, str]:
    """Every venue profile there is, with its name (the rows' snapshot)."""
    return dict(VenueProfile.objects.order_by().values_list("pk", "name"))


def _counts(queryset: Any, key: str, name: str) -> dict[int, dict[str, Any]]:
    rows = queryset.order_by().values(key).annotate(n=Count("id")).values_list(key, "n")
    return {subject: {name: n} for subject, n in rows}


def _reviews(side: str, key: str, day: Day) -> dict[int, dict[str, Any]]:
    rows = (
        Review.objects.filter(
            side=side, hidden=False, published_at__gte=day.start, published_at__lt=day.end
        )
        .order_by()
        .values(key)
        .annotate(n=Count("id"), avg=Avg("rating"))
        .values_list(key, "n", "avg")
    )
    return {subject: {"reviews": n, "avg_rating": _rating(avg)} for subject, n, avg in rows}


# --- artists ----------------------------------------------------------------------------------


def gigs_completed_of_day(day: Day) -> dict[int, dict[str, Any]]:
    """Gigs the artist completed that day and what they earned for them (cents)."""
    rows = (
        Booking.objects.filter(
            status=BookingStatus.COMPLETED, completed_at__gte=day.start, completed_at__lt=day.end
        )
        .order_by()
        .values("artist_id")
        .annotate(n=Count("id"), fees=Sum("fee"))
        .values_list("artist_id", "n", "fees")
    )
    return {a: {"gigs_completed": n, "earnings": fees or 0} for a, n, fees in rows}


def applications_sent_of_day(day: Day) -> dict[int, dict[str, Any]]:
    sent = Application.objects.filter(created_at__gte=day.start, created_at__lt=day.end)
    return _counts(sent, "artist_id", "applications_sent")


def applications_accepted_of_day(day: Day) -> dict[int, dict[str, Any]]:
    """Accepted applications: the bookings made that day (an acceptance makes one)."""
    made = Booking.objects.filter(created_at__gte=day.start, created_at__lt=day.end)
    return _counts(made, "artist_id", "applications_accepted")


def artist_reviews_of_day(day: Day) -> dict[int, dict[str, Any]]:
    return _reviews(Side.VENUE, "artist_id", day)  # the venue's review is about the artist


# --- venues -----------------------------------------------------------------------------------


def gigs_posted_of_day(day: Day) -> dict[int, dict[str, Any]]:
    posted = Gig.objects.filter(created_at__gte=day.start, created_at__lt=day.end)
    return _counts(posted, "venue_id", "gigs_posted")


def applications_received_of_day(day: Day) -> dict[int, dict[str, Any]]:
    received = Application.objects.filter(created_at__gte=day.start, created_at__lt=day.end)
    return _counts(received, "gig__venue_id", "applications_received")


def answers_of_day(day: Day) -> dict[int, dict[str, Any]]:
    """Applications the venue answered that day (accepted or rejected while pending) and the
    median time from application to answer, in whole seconds."""
    rows = (
        StatusChange.objects.filter(
            subject=Subject.APPLICATION,
            from_status=ApplicationStatus.PENDING,
            to_status__in=[ApplicationStatus.ACCEPTED, ApplicationStatus.REJECTED],
            created_at__gte=day.start,
            created_at__lt=day.end,
        )
        .order_by()
        .values_list("gig__venue_id", "application__created_at", "created_at")
    )
    waits: dict[int, list[float]] = defaultdict(list)
    for venue_id, applied_at, answered_at in rows:
        waits[venue_id].append(max((answered_at - applied_at).total_seconds(), 0.0))
    return {
        venue_id: {
            "applications_answered": len(seconds),
            "median_answer_seconds": round(statistics.median(seconds)),
        }
        for venue_id, seconds in waits.items()
    }


def bookings_of_day(day: Day) -> dict[int, dict[str, Any]]:
    made = Booking.objects.filter(created_at__gte=day.start, created_at__lt=day.end)
    return _counts(made, "gig__venue_id", "bookings")


def venue_reviews_of_day(day: Day) -> dict[int, dict[str, Any]]:
    return _reviews(Side.ARTIST, "venue_id", day)  # the artist's review is about the venue


SUBJECTS = (Subjects(VENUE, venues_of_day),)
FIGURES = (
    Figures(ARTIST, ("gigs_completed", "earnings"), gigs_completed_of_day),
    Figures(ARTIST, ("applications_sent",), applications_sent_of_day),
    Figures(ARTIST, ("applications_accepted",), applications_accepted_of_day),
    Figures(ARTIST, ("reviews", "avg_rating"), artist_reviews_of_day),
    Figures(VENUE, ("gigs_posted",), gigs_posted_of_day),
    Figures(VENUE, ("applications_received",), applications_received_of_day),
    Figures(VENUE, ("applications_answered", "median_answer_seconds"), answers_of_day),
    Figures(VENUE, ("bookings",), bookings_of_day),
    Figures(VENUE, ("reviews", "avg_rating"), venue_reviews_of_day),
)
