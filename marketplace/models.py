"""Venues, gigs, applications, bookings and artists' unavailable dates (SPEC §6).

Money is integer cents. A gig's date and times are the venue's local wall-clock times; the
services also store them as aware instants (``starts_at``/``ends_at``) for ordering, the
urgent flag and the double-booking guard. Status changes go through :mod:`marketplace.services`
only, and each writes a :class:`StatusChange` row.
"""

from typing import ClassVar

from django.conf import settings
from django.core.validators import (
    MaxLengthValidator,
    MaxValueValidator,
    MinValueValidator,
    RegexValidator,
)
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower, Upper
from django.utils import timezone

from accounts.models import validate_timezone
from artists.models import GENRES, LINK_MAX_LENGTH, ArtistProfile, LinkField, country_code
from umbrella.limits import WordListValidator
from umbrella.links import LinkValidator
from umbrella.models import TimeStampedModel
from umbrella.text import validate_free_text, validate_single_line

NAME = [validate_single_line]
FREE_TEXT = [validate_free_text]

MAX_PAY_CENTS = 100_000_000  # $1,000,000 a gig
MAX_CAPACITY = 1_000_000
PITCH_MAX_LENGTH = 2000
REASON_MAX_LENGTH = 1000
GENRES_BOOKED_MAX = 10
GENRE_MAX_LENGTH = 50
URGENT_DAYS = 7  # a gig less than this many days away is urgent (computed when read)

GENRE_CHOICES = [(g, g) for g in GENRES]
phone_format = RegexValidator(
    r"^\+?[0-9 ()./-]{5,30}\Z", "Use digits, spaces and + ( ) - . / only, e.g. +1 512 555 0100."
)


class VenueProfileQuerySet(models.QuerySet["VenueProfile"]):
    def public(self) -> "VenueProfileQuerySet":
        """Venues anyone may see: a venue account, onboarding finished, account active."""
        return self.filter(user__role="venue", user__onboarding_complete=True, user__is_active=True)


class VenueProfile(TimeStampedModel):
    """One per venue user. Filled by the venue onboarding steps (``marketplace.steps``)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="venue_profile"
    )
    slug = models.SlugField(max_length=80, unique=True)
    onboarding_step = models.PositiveSmallIntegerField(default=0)
    # step 1: the place
    name = models.CharField(max_length=150, validators=NAME)
    address = models.CharField(max_length=300, blank=True, validators=NAME)
    city = models.CharField(max_length=100, blank=True, validators=NAME)
    state = models.CharField(max_length=100, blank=True, validators=NAME)
    country = models.CharField(max_length=2, blank=True, validators=[country_code])
    timezone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_timezone],
        help_text="The venue's local time zone: gig times are read in it.",
    )
    # step 2: what it books
    capacity = models.PositiveIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(MAX_CAPACITY)]
    )
    genres_booked = models.JSONField(
        default=list,
        blank=True,
        validators=[
            WordListValidator(
                max_items=GENRES_BOOKED_MAX, max_length=GENRE_MAX_LENGTH, choices=tuple(GENRES)
            )
        ],
    )
    about = models.TextField(max_length=5000, blank=True, validators=FREE_TEXT)
    website = LinkField(max_length=LINK_MAX_LENGTH, blank=True, validators=[LinkValidator(())])
    phone = models.CharField(max_length=30, blank=True, validators=[phone_format])
    verified = models.BooleanField(default=False)
    # From published reviews by booked artists, recomputed in the transaction that changes them.
    avg_rating = models.DecimalField(
        max_digits=3,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(5)],
    )
    total_reviews = models.PositiveIntegerField(default=0)

    objects: ClassVar[VenueProfileQuerySet] = VenueProfileQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(onboarding_step__lte=2), name="venue_onboarding_step_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.slug})"


class GigStatus(models.TextChoices):
    OPEN = "open", "Open"
    FILLED = "filled", "Filled"
    CANCELLED = "cancelled", "Cancelled"
    COMPLETED = "completed", "Completed"


class PaymentType(models.TextChoices):
    FLAT = "flat", "Flat fee"
    HOURLY = "hourly", "Hourly"
    NEGOTIABLE = "negotiable", "Negotiable"


class Gig(TimeStampedModel):
    # updated_at is the gig's version: the gig board's cards are kept per version
    # (marketplace.filters.gig_cards). Every change moves it: services save it with the fields
    # they change; a bulk update() must set it too. On PostgreSQL the row also carries its card
    # as JSON text (column ``card``, not a model field: migration 0014's trigger writes it on
    # every insert and update), which gigs for you writes its page from.
    venue = models.ForeignKey(VenueProfile, on_delete=models.CASCADE, related_name="gigs")
    title = models.CharField(max_length=200, validators=NAME)
    description = models.TextField(max_length=5000, blank=True, validators=FREE_TEXT)
    # Where, copied from the venue when the gig is posted (a gig may be held elsewhere).
    venue_name = models.CharField(max_length=150, validators=NAME)
    location_address = models.CharField(max_length=300, blank=True, validators=NAME)
    location_city = models.CharField(max_length=100, blank=True, validators=NAME)
    location_state = models.CharField(max_length=100, blank=True, validators=NAME)
    location_country = models.CharField(max_length=2, blank=True, validators=[country_code])
    # When, in the venue's local time; an end before the start ends the next day.
    date = models.DateField()
    start_time = models.TimeField()
    end_time = models.TimeField()
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    starts_at = models.DateTimeField(editable=False)
    ends_at = models.DateTimeField(editable=False)
    genre = models.CharField(max_length=GENRE_MAX_LENGTH, choices=GENRE_CHOICES)
    payment_amount = models.PositiveIntegerField(validators=[MaxValueValidator(MAX_PAY_CENTS)])
    payment_type = models.CharField(max_length=12, choices=PaymentType.choices)
    status = models.CharField(max_length=10, choices=GigStatus.choices, default=GigStatus.OPEN)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            # The board: open gigs from now on, soonest first (and the cursor's tie-breaker).
            models.Index(
                fields=["starts_at", "id"], name="gig_open_by_start", condition=Q(status="open")
            ),
            models.Index(fields=["status", "starts_at", "id"], name="gig_status_start"),
            models.Index(fields=["venue", "-starts_at"], name="gig_venue_start"),
            models.Index(fields=["genre", "starts_at"], name="gig_genre_start"),
            models.Index(fields=["payment_amount"], name="gig_payment"),
            # Case-insensitive place filters (upper(...) = upper(%s)), soonest first.
            models.Index(Upper("location_city"), "starts_at", name="gig_city_start"),
            models.Index(Upper("location_state"), "starts_at", name="gig_state_start"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="gig_ends_after_start"
            ),
            models.CheckConstraint(
                condition=~Q(end_time=F("start_time")), name="gig_end_time_not_start_time"
            ),
            models.CheckConstraint(
                condition=Q(payment_amount__lte=MAX_PAY_CENTS), name="gig_payment_range"
            ),
            models.CheckConstraint(
                condition=Q(status__in=GigStatus.values), name="gig_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(payment_type__in=PaymentType.values), name="gig_payment_type_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} at {self.venue_name} on {self.date}"


class ApplicationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    WITHDRAWN = "withdrawn", "Withdrawn"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


class Application(TimeStampedModel):
    gig = models.ForeignKey(Gig, on_delete=models.CASCADE, related_name="applications")
    artist = models.ForeignKey(
        ArtistProfile, on_delete=models.CASCADE, related_name="gig_applications"
    )
    pitch = models.TextField(
        max_length=PITCH_MAX_LENGTH,
        blank=True,
        validators=[MaxLengthValidator(PITCH_MAX_LENGTH), *FREE_TEXT],
    )
    proposed_rate = models.PositiveIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(MAX_PAY_CENTS)]
    )
    status = models.CharField(
        max_length=10, choices=ApplicationStatus.choices, default=ApplicationStatus.PENDING
    )
    # The gig's start, copied when applying and moved with the gig (services.gig_update, under
    # the gig's lock): gigs for you rules out the gigs an artist applied to, and reads only
    # the applications to gigs still to come, however long the artist's history.
    gig_starts_at = models.DateTimeField(editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["gig", "created_at", "id"], name="application_gig_created"),
            # An artist's applications, newest first.
            models.Index(fields=["artist", "-created_at"], name="application_artist_created"),
            # An artist's applications to gigs from a moment on, with the gig: gigs for you's
            # applied gigs from the index alone (marketplace.filters, "mine"; migration 0013).
            models.Index(
                fields=["artist", "gig_starts_at"],
                include=["gig"],
                name="application_artist_upcoming",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["gig", "artist"], name="one_application_per_gig"),
            # At most one accepted application per gig (the accept service's lock decides first).
            models.UniqueConstraint(
                fields=["gig"], condition=Q(status="accepted"), name="one_accepted_per_gig"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ApplicationStatus.values), name="application_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"Application {self.pk} ({self.status})"


class BookingStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    CANCELLED = "cancelled", "Cancelled"
    COMPLETED = "completed", "Completed"


class Side(models.TextChoices):
    ARTIST = "artist", "Artist"
    VENUE = "venue", "Venue"
    STAFF = "staff", "Staff"


class Booking(TimeStampedModel):
    """An accepted application: the artist plays the gig. ``starts_at``/``ends_at`` copy the
    gig's instants; on PostgreSQL an exclusion constraint (migration 0002) refuses two active
    bookings of one artist whose times overlap."""

    gig = models.ForeignKey(Gig, on_delete=models.CASCADE, related_name="bookings")
    artist = models.ForeignKey(ArtistProfile, on_delete=models.CASCADE, related_name="bookings")
    application = models.OneToOneField(
        Application, on_delete=models.CASCADE, related_name="booking"
    )
    status = models.CharField(
        max_length=10, choices=BookingStatus.choices, default=BookingStatus.ACTIVE
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    fee = models.PositiveIntegerField(validators=[MaxValueValidator(MAX_PAY_CENTS)])
    cancelled_by = models.CharField(max_length=10, choices=Side.choices, blank=True)
    cancel_reason = models.TextField(max_length=REASON_MAX_LENGTH, blank=True, validators=FREE_TEXT)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["artist", "starts_at"], name="booking_artist_start"),
            models.Index(fields=["gig", "status"], name="booking_gig_status"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["gig"], condition=Q(status="active"), name="one_active_booking_per_gig"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="booking_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(status__in=BookingStatus.values), name="booking_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status="cancelled", cancelled_at__isnull=False)
                | (~Q(status="cancelled") & Q(cancelled_at__isnull=True)),
                name="booking_cancelled_at_iff_cancelled",
            ),
        ]

    def __str__(self) -> str:
        return f"Booking {self.pk} ({self.status})"


class Subject(models.TextChoices):
    GIG = "gig", "Gig"
    APPLICATION = "application", "Application"
    BOOKING = "booking", "Booking"


class StatusChange(models.Model):
    """The audit trail: every status change of a gig, or of an application or booking on it
    (who, when, from, to, why), written by the service that made it, in its transaction."""

    gig = models.ForeignKey(Gig, on_delete=models.CASCADE, related_name="status_changes")
    subject = models.CharField(max_length=12, choices=Subject.choices)
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    booking = models.ForeignKey(
        Booking, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    from_status = models.CharField(max_length=12, blank=True)  # blank: created
    to_status = models.CharField(max_length=12)
    reason = models.TextField(max_length=REASON_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["gig", "created_at"], name="status_change_gig")]

    def __str__(self) -> str:
        return f"{self.subject} {self.from_status or '∅'} → {self.to_status}"


class Unavailability(TimeStampedModel):
    """Dates (inclusive) an artist can't play: applying to a gig on them is refused."""

    artist = models.ForeignKey(
        ArtistProfile, on_delete=models.CASCADE, related_name="unavailable_dates"
    )
    start_date = models.DateField()
    end_date = models.DateField()
    note = models.CharField(max_length=200, blank=True, validators=NAME)

    class Meta:
        ordering = ["start_date", "id"]
        indexes = [models.Index(fields=["artist", "start_date"], name="unavailable_artist_start")]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="unavailable_range_ordered"
            )
        ]

    def __str__(self) -> str:
        return f"{self.artist_id} unavailable {self.start_date} to {self.end_date}"


class VenueVerificationNote(models.Model):
    """Audit trail of staff verifying or un-verifying a venue (as ``artists.VerificationNote``)."""

    venue = models.ForeignKey(
        VenueProfile, on_delete=models.CASCADE, related_name="verification_notes"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    verified = models.BooleanField()
    note = models.TextField(max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.venue.name} {'verified' if self.verified else 'unverified'} by {self.by}"


REVIEW_WINDOW_DAYS = (
    14  # reviews are written, and revealed at the latest, this long after completion
)
RATING_MIN, RATING_MAX = 1, 5


class Review(models.Model):
    """One side's review of a completed booking: the venue reviews the artist, the artist the
    venue. Blind: ``published_at`` stays empty until both are in or the window has passed, and
    until then only its author sees it."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="reviews")
    gig = models.ForeignKey(Gig, on_delete=models.CASCADE, related_name="reviews")
    artist = models.ForeignKey(ArtistProfile, on_delete=models.CASCADE, related_name="reviews")
    venue = models.ForeignKey(VenueProfile, on_delete=models.CASCADE, related_name="reviews")
    side = models.CharField(
        max_length=10,
        choices=[
            (Side.VENUE, "The venue reviews the artist"),
            (Side.ARTIST, "The artist reviews the venue"),
        ],
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    rating = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(RATING_MIN), MaxValueValidator(RATING_MAX)]
    )
    comment = models.TextField(max_length=2000, blank=True, validators=FREE_TEXT)
    reply = models.TextField(max_length=2000, blank=True, validators=FREE_TEXT)
    replied_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    hidden = models.BooleanField(default=False)
    hidden_reason = models.TextField(max_length=REASON_MAX_LENGTH, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(fields=["artist", "side", "-published_at"], name="review_artist"),
            models.Index(fields=["venue", "side", "-published_at"], name="review_venue"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["booking", "side"], name="one_review_per_side"),
            models.CheckConstraint(
                condition=Q(rating__gte=RATING_MIN) & Q(rating__lte=RATING_MAX),
                name="review_rating_range",
            ),
            models.CheckConstraint(
                condition=Q(side__in=[Side.VENUE, Side.ARTIST]), name="review_side_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"Review {self.pk} by the {self.side} ({self.rating}/5)"


class CalendarFeed(models.Model):
    """A user's private iCalendar feed of their bookings. Only the SHA-256 of the secret token
    is kept: the feed URL is shown once, when it is made or rotated. Deleting the row revokes it.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Calendar feed of {self.user_id}"


SAVED_SEARCH_NAME_MAX_LENGTH = 80


class SavedSearch(TimeStampedModel):
    """An artist's gig-board filters kept under a name. A daily digest
    (``marketplace.services.saved_searches``) tells the artist of open gigs posted since
    ``last_digest_at`` that match, then moves it on: each gig is told once per search."""

    artist = models.ForeignKey(
        ArtistProfile, on_delete=models.CASCADE, related_name="saved_searches"
    )
    name = models.CharField(max_length=SAVED_SEARCH_NAME_MAX_LENGTH, validators=NAME)
    filters = models.JSONField(
        default=dict,
        blank=True,
        help_text="The gig board's filters as GET /api/v1/gigs/ takes them (pay in cents), "
        "checked by marketplace.saved_filters.",
    )
    last_digest_at = models.DateTimeField(
        help_text="Gigs posted after this are new for the next digest: set when the search is "
        "saved, moved on by each digest run (sent or not)."
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "saved searches"
        indexes = [
            models.Index(fields=["artist", "-created_at"], name="saved_search_artist"),
            models.Index(fields=["last_digest_at"], name="saved_search_digest_due"),
        ]
        constraints = [
            models.UniqueConstraint(
                F("artist"), Lower("name"), name="saved_search_name_unique_per_artist"
            )
        ]

    def __str__(self) -> str:
        return f"“{self.name}” of {self.artist_id}"
