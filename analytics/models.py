"""Daily figures per artist and per venue, the artist's choice of public figures, and the record
of each rollup (docs/analytics.md).

A figures row is written by the nightly rollup (``analytics.services.rollup_day``) for every
artist (venue) with any activity that day; a day without a row is a day of zeros. Rows name
their artist or venue by id and keep its name as it was, **with no foreign key**: they outlive
the profile (SPEC §10, "past rows are never deleted with their artist").
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from umbrella.models import TimeStampedModel


def _rating() -> models.DecimalField:
    """The day's average rating (1 to 5), none on a day without reviews."""
    return models.DecimalField(
        max_digits=3,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text="Of the day's reviews; none without.",
    )


class _DayFigures(models.Model):
    day = models.DateField(help_text="The UTC day the figures are of.")
    # No index on these (a table of one row per subject per day): the rollup writes them.
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(
        auto_now=True, help_text="When the day's figures last changed (a rollup wrote them)."
    )

    class Meta:
        abstract = True


class DailyMetric(_DayFigures):
    """One artist's figures for one UTC day."""

    artist_id = models.BigIntegerField(help_text="The artist profile's id (kept when it is gone).")
    stage_name = models.CharField(max_length=100, help_text="The stage name on the day.")
    profile_views = models.PositiveIntegerField(default=0)
    unique_viewers = models.PositiveIntegerField(default=0)
    gigs_completed = models.PositiveIntegerField(default=0)
    earnings = models.PositiveBigIntegerField(default=0, help_text="Cents.")
    reviews = models.PositiveIntegerField(default=0)
    avg_rating = _rating()
    applications_sent = models.PositiveIntegerField(default=0)
    applications_accepted = models.PositiveIntegerField(default=0)
    messages_received = models.PositiveIntegerField(default=0)
    fan_growth = models.IntegerField(default=0, help_text="Fans who joined less those who left.")
    campaign_sends = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-day", "artist_id"]
        constraints = [
            # Also the index of an artist's days, in order (the dashboards and the API).
            models.UniqueConstraint(fields=["artist_id", "day"], name="daily_metric_artist_day"),
            models.CheckConstraint(
                condition=Q(avg_rating__isnull=True) | Q(avg_rating__gte=1, avg_rating__lte=5),
                name="daily_metric_rating_range",
            ),
            models.CheckConstraint(
                condition=Q(avg_rating__isnull=True, reviews=0)
                | Q(avg_rating__isnull=False, reviews__gt=0),
                name="daily_metric_rating_iff_reviews",
            ),
        ]
        indexes = [models.Index(fields=["day"], name="daily_metric_day")]

    def __str__(self) -> str:
        return f"{self.stage_name} on {self.day}"


class VenueDailyMetric(_DayFigures):
    """One venue's figures for one UTC day."""

    venue_id = models.BigIntegerField(help_text="The venue profile's id (kept when it is gone).")
    name = models.CharField(max_length=150, help_text="The venue's name on the day.")
    gigs_posted = models.PositiveIntegerField(default=0)
    applications_received = models.PositiveIntegerField(default=0)
    applications_answered = models.PositiveIntegerField(default=0)
    median_answer_seconds = models.PositiveIntegerField(
        null=True, blank=True, help_text="Of the day's answers; none without."
    )
    bookings = models.PositiveIntegerField(default=0)
    reviews = models.PositiveIntegerField(default=0)
    avg_rating = _rating()
    messages_received = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-day", "venue_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["venue_id", "day"], name="venue_daily_metric_venue_day"
            ),
            models.CheckConstraint(
                condition=Q(avg_rating__isnull=True) | Q(avg_rating__gte=1, avg_rating__lte=5),
                name="venue_daily_metric_rating_range",
            ),
            models.CheckConstraint(
                condition=Q(avg_rating__isnull=True, reviews=0)
                | Q(avg_rating__isnull=False, reviews__gt=0),
                name="venue_daily_metric_rating_iff_reviews",
            ),
            models.CheckConstraint(
                condition=Q(median_answer_seconds__isnull=True, applications_answered=0)
                | Q(median_answer_seconds__isnull=False, applications_answered__gt=0),
                name="venue_daily_metric_median_iff_answers",
            ),
        ]
        indexes = [models.Index(fields=["day"], name="venue_daily_metric_day")]

    def __str__(self) -> str:
        return f"{self.name} on {self.day}"


class PublicStats(TimeStampedModel):
    """Which of an artist's figures the public Stats tab shows (none until the artist
    chooses). A setting of the profile: it goes with the artist."""

    artist = models.OneToOneField(
        "artists.ArtistProfile", on_delete=models.CASCADE, related_name="public_stats"
    )
    metrics = models.JSONField(
        default=list, blank=True, help_text="Names of the figures shown (analytics.metrics)."
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-updated_at"]
        verbose_name_plural = "public stats"

    def __str__(self) -> str:
        return f"Public stats of {self.artist_id}: {', '.join(self.metrics) or 'none'}"


class RollupRun(models.Model):
    """The last rollup of a day: when, how long, how many rows and queries (one row per day,
    replaced by each run). The nightly task reads it to catch up days a stopped worker missed."""

    day = models.DateField(primary_key=True)
    artists = models.PositiveIntegerField(help_text="Artist rows written (artists with activity).")
    venues = models.PositiveIntegerField(help_text="Venue rows written (venues with activity).")
    cleared = models.PositiveIntegerField(default=0, help_text="Rows now empty, removed.")
    queries = models.PositiveIntegerField(help_text="SQL statements the run made.")
    seconds = models.FloatField()
    finished_at = models.DateTimeField()

    class Meta:
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"Rollup of {self.day}"
