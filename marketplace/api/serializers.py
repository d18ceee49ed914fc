"""Marketplace API shapes. Input limits come from the model fields (the services' full_clean
enforces them; these refuse the same values up front and show them in the schema)."""

import datetime as dt
import re
from typing import Any, cast

from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from artists.api.serializers import OnboardingStateSerializer
from artists.models import GENRES
from marketplace.models import (
    Application,
    ApplicationStatus,
    Booking,
    BookingStatus,
    Gig,
    GigStatus,
    PaymentType,
    Review,
    Side,
    Unavailability,
    VenueProfile,
)
from umbrella.api import InputSerializer
from umbrella.limits import value_bounds, word_list_limits

__all__ = ["OnboardingStateSerializer"]


def _input(model: type[models.Model], name: str, *, required: bool = False) -> Any:
    """An input field with the model field's limits (optional unless ``required``)."""
    field = cast(models.Field, model._meta.get_field(name))
    if isinstance(field, models.IntegerField):
        low, high = value_bounds(field)
        return serializers.IntegerField(
            min_value=low if low is not None else 0,
            max_value=high,
            required=required,
            allow_null=field.null,
        )
    if isinstance(field, models.DateField):
        return serializers.DateField(required=required)
    if isinstance(field, models.TimeField):
        return serializers.TimeField(required=required)
    if isinstance(field, models.JSONField):
        limits = word_list_limits(field)
        child = (
            serializers.ChoiceField(choices=list(limits.choices))
            if limits.choices is not None
            else serializers.CharField(max_length=limits.max_length)
        )
        return serializers.ListField(child=child, max_length=limits.max_items, required=required)
    if field.choices:
        return serializers.ChoiceField(choices=field.choices, required=required)
    return serializers.CharField(
        max_length=field.max_length,
        required=required,
        allow_blank=field.blank and not required,
        trim_whitespace=False,  # the service normalises
    )


# --- venues -----------------------------------------------------------------------------------


def _venue(name: str) -> Any:
    return _input(VenueProfile, name)


class VenueInputSerializer(InputSerializer):
    """Every editable venue field, all optional: a step or a PATCH sends the ones it changes."""

    name = _venue("name")
    address = _venue("address")
    city = _venue("city")
    state = _venue("state")
    country = _venue("country")
    timezone = _venue("timezone")
    capacity = _venue("capacity")
    genres_booked = _venue("genres_booked")
    about = _venue("about")
    website = _venue("website")
    phone = _venue("phone")


VENUE_PUBLIC_FIELDS = [
    "slug",
    "name",
    "address",
    "city",
    "state",
    "country",
    "timezone",
    "capacity",
    "genres_booked",
    "about",
    "website",
    "phone",
    "verified",
    "created_at",
]


class VenuePublicSerializer(serializers.ModelSerializer):
    genres_booked = serializers.ListField(child=serializers.CharField(), read_only=True)
    website = serializers.CharField(read_only=True)  # may be empty: not "uri"

    class Meta:
        model = VenueProfile
        fields = VENUE_PUBLIC_FIELDS
        read_only_fields = fields


class VenueOwnSerializer(VenuePublicSerializer):
    class Meta(VenuePublicSerializer.Meta):
        fields = [*VENUE_PUBLIC_FIELDS, "onboarding_step", "updated_at"]
        read_only_fields = fields


# --- gigs -------------------------------------------------------------------------------------


def _gig(name: str, *, required: bool = False) -> Any:
    return _input(Gig, name, required=required)


class GigInputSerializer(InputSerializer):
    """A new gig (the required fields) or an edit (``partial``: any of them). Times are the
    venue's local times, ``HH:MM``; an end before the start ends the next day."""

    title = _gig("title", required=True)
    description = _gig("description")
    venue_name = _gig("venue_name")
    location_address = _gig("location_address")
    location_city = _gig("location_city")
    location_state = _gig("location_state")
    location_country = _gig("location_country")
    date = _gig("date", required=True)
    start_time = _gig("start_time", required=True)
    end_time = _gig("end_time", required=True)
    genre = serializers.ChoiceField(choices=GENRES)
    payment_amount = _gig("payment_amount", required=True)
    payment_type = _gig("payment_type", required=True)


class GigSerializer(serializers.Serializer):
    """A gig (built from a values() row by ``selectors.gig_card``: no per-row queries)."""

    id = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField()
    venue_id = serializers.IntegerField()
    venue_slug = serializers.CharField()
    venue_name = serializers.CharField()
    location_address = serializers.CharField()
    location_city = serializers.CharField()
    location_state = serializers.CharField()
    location_country = serializers.CharField()
    date = serializers.DateField(help_text="The venue's local date.")
    start_time = serializers.CharField(help_text="Local start time, HH:MM.")
    end_time = serializers.CharField(help_text="Local end time, HH:MM (before start: next day).")
    timezone = serializers.CharField(help_text="The time zone of date and times.")
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    genre = serializers.CharField()
    payment_amount = serializers.IntegerField(help_text="Integer cents.")
    payment_type = serializers.ChoiceField(choices=PaymentType.choices)
    status = serializers.ChoiceField(choices=GigStatus.choices)
    urgent = serializers.BooleanField(help_text="Open and less than 7 days away (as of now).")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class GigMatchSerializer(GigSerializer):
    score = serializers.IntegerField(help_text="Higher is a better match.")
    reasons = serializers.ListField(
        child=serializers.CharField(), help_text='Why it suits you, e.g. "Jazz", "your city".'
    )


class VenueGigSerializer(GigSerializer):
    pending_applications = serializers.IntegerField()


class ScorecardSerializer(serializers.Serializer):
    """How the venue answers artists, from its real applications and bookings. Below 5
    applications `enough_data` is false and the figures are null ("not enough data")."""

    applications = serializers.IntegerField()
    enough_data = serializers.BooleanField()
    median_answer_hours = serializers.FloatField(allow_null=True)
    answered_within_7_days = serializers.FloatField(allow_null=True, help_text="Share, 0 to 1.")
    acceptance_rate = serializers.FloatField(allow_null=True, help_text="Share, 0 to 1.")
    bookings = serializers.IntegerField()
    bookings_cancelled_by_venue = serializers.IntegerField()
    avg_rating = serializers.FloatField(
        allow_null=True, help_text="From artists' published reviews; null without any."
    )
    reviews = serializers.IntegerField()


class VenueRatedSerializer(VenuePublicSerializer):
    avg_rating = serializers.FloatField(read_only=True)

    class Meta(VenuePublicSerializer.Meta):
        fields = [*VENUE_PUBLIC_FIELDS, "avg_rating", "total_reviews"]
        read_only_fields = fields


class VenueDetailSerializer(VenueRatedSerializer):
    upcoming_gigs = GigSerializer(many=True, read_only=True)
    scorecard = ScorecardSerializer(read_only=True)

    class Meta(VenuePublicSerializer.Meta):
        fields = [*VENUE_PUBLIC_FIELDS, "avg_rating", "total_reviews", "upcoming_gigs", "scorecard"]
        read_only_fields = fields


class GigFilterSerializer(serializers.Serializer):
    """Query parameters of the gig board (validated: a bad value is 400)."""

    q = serializers.CharField(max_length=200, required=False, allow_blank=True)
    urgent = serializers.BooleanField(required=False)
    city = serializers.CharField(max_length=100, required=False)
    state = serializers.CharField(max_length=100, required=False)
    genre = serializers.ChoiceField(choices=GENRES, required=False)
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)
    min_pay = serializers.IntegerField(min_value=0, required=False)
    payment_type = serializers.ChoiceField(choices=PaymentType.choices, required=False)
    status = serializers.ChoiceField(choices=GigStatus.choices, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if (
            attrs.get("date_from")
            and attrs.get("date_to")
            and attrs["date_to"] < attrs["date_from"]
        ):
            raise serializers.ValidationError({"date_to": ["Must not be before date_from."]})
        return attrs


_TEXT_LIMITS = {"q": 200, "city": 100, "state": 100}
_CHOICES = {
    "genre": frozenset(GENRES),
    "payment_type": frozenset(PaymentType.values),
    "status": frozenset(GigStatus.values),
}
_BOOLEANS = {"true": True, "false": False}
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def gig_filters(params: dict[str, str]) -> dict[str, Any]:
    """``GigFilterSerializer``'s ``validated_data`` for the query string ``params``, without
    building a serializer (its ten fields are deep-copied per instance, ~0.3 ms) when every
    value is plainly valid: words within their limits, a known choice, ``true``/``false``, ISO
    dates in order, digits. Anything else goes through the serializer, so errors (and any
    less usual valid spelling) are exactly its own. ``tests/marketplace/test_fast_reads.py``
    checks both agree on random query strings."""
    data: dict[str, Any] = {}
    for name, value in params.items():
        if name in _TEXT_LIMITS:
            text = value.strip()
            if (
                len(text) > _TEXT_LIMITS[name]
                or (not text and name != "q")
                or not text.isprintable()  # NUL, surrogates and the like: the serializer says
            ):
                return _filters_slowly(params)
            data[name] = text
        elif name in _CHOICES:
            if value not in _CHOICES[name]:
                return _filters_slowly(params)
            data[name] = value
        elif name == "urgent":
            if value not in _BOOLEANS:
                return _filters_slowly(params)
            data[name] = _BOOLEANS[value]
        elif name in ("date_from", "date_to"):
            if not _ISO_DATE.fullmatch(value):
                return _filters_slowly(params)
            try:
                data[name] = dt.date.fromisoformat(value)
            except ValueError:
                return _filters_slowly(params)
        elif name == "min_pay":
            if not (value.isascii() and value.isdigit() and len(value) < 16):
                return _filters_slowly(params)
            data[name] = int(value)
    if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
        return _filters_slowly(params)
    return data


def _filters_slowly(params: dict[str, str]) -> dict[str, Any]:
    filters = GigFilterSerializer(data=params)
    filters.is_valid(raise_exception=True)
    return dict(filters.validated_data)


class ReasonInputSerializer(InputSerializer):
    reason = serializers.CharField(max_length=1000, trim_whitespace=False)


class OptionalReasonInputSerializer(InputSerializer):
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True)


# --- applications -----------------------------------------------------------------------------


class ApplicationInputSerializer(InputSerializer):
    pitch = _input(Application, "pitch")
    proposed_rate = _input(Application, "proposed_rate")


class ApplicantArtistSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    stage_name = serializers.CharField()
    tagline = serializers.CharField()
    primary_genre = serializers.CharField()
    location_city = serializers.CharField()
    location_state = serializers.CharField()
    location_country = serializers.CharField()
    avatar_url = serializers.CharField(allow_null=True)
    verified = serializers.BooleanField()
    avg_rating = serializers.FloatField()
    total_reviews = serializers.IntegerField()
    total_gigs = serializers.IntegerField()
    base_rate_flat = serializers.IntegerField(allow_null=True)
    base_rate_hourly = serializers.IntegerField(allow_null=True)


class ApplicantSerializer(serializers.Serializer):
    """An application as the gig's venue sees it, with the artist's card."""

    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=ApplicationStatus.choices)
    pitch = serializers.CharField()
    proposed_rate = serializers.IntegerField(allow_null=True, help_text="Integer cents.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    artist = ApplicantArtistSerializer()


@extend_schema_field({"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$"})
class LocalTimeField(serializers.Field):
    """A local wall-clock time as ``HH:MM`` (as the gig cards write it)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value: Any) -> str:
        return value.strftime("%H:%M")


class GigSummarySerializer(serializers.ModelSerializer):
    start_time = LocalTimeField(help_text="Local start time, HH:MM.")
    end_time = LocalTimeField(help_text="Local end time, HH:MM (before start: next day).")

    class Meta:
        model = Gig
        fields = [
            "id",
            "title",
            "venue_name",
            "location_city",
            "date",
            "start_time",
            "end_time",
            "timezone",
            "starts_at",
            "ends_at",
            "payment_amount",
            "payment_type",
            "status",
        ]
        read_only_fields = fields


class ApplicationSerializer(serializers.ModelSerializer):
    """An application as its artist sees it."""

    gig = GigSummarySerializer(read_only=True)

    class Meta:
        model = Application
        fields = ["id", "status", "pitch", "proposed_rate", "created_at", "updated_at", "gig"]
        read_only_fields = fields


class BookingArtistSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    stage_name = serializers.CharField()


class BookingSerializer(serializers.ModelSerializer):
    gig = GigSummarySerializer(read_only=True)
    artist = BookingArtistSerializer(read_only=True)
    status = serializers.ChoiceField(choices=BookingStatus.choices, read_only=True)
    cancelled_by = serializers.ChoiceField(
        choices=[("", "Not cancelled"), *Side.choices], read_only=True
    )

    class Meta:
        model = Booking
        fields = [
            "id",
            "status",
            "gig",
            "artist",
            "application_id",
            "starts_at",
            "ends_at",
            "fee",
            "cancelled_by",
            "cancel_reason",
            "cancelled_at",
            "created_at",
        ]
        read_only_fields = fields


# --- availability -----------------------------------------------------------------------------


class UnavailabilityInputSerializer(InputSerializer):
    start_date = serializers.DateField()
    end_date = serializers.DateField(required=False, help_text="Inclusive; default start_date.")
    note = _input(Unavailability, "note")


class UnavailabilitySerializer(serializers.ModelSerializer):
    class Meta:
        model = Unavailability
        fields = ["id", "start_date", "end_date", "note", "created_at"]
        read_only_fields = fields


# --- reviews ----------------------------------------------------------------------------------


class ReviewInputSerializer(InputSerializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = _input(Review, "comment")


class ReplyInputSerializer(InputSerializer):
    reply = serializers.CharField(max_length=2000)


class ReviewGigSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    date = serializers.DateField()


class ReviewSerializer(serializers.ModelSerializer):
    """A review. `side` says who wrote it: `venue` (about the artist) or `artist` (about the
    venue). `published_at` is null while it is still blind (only its author sees it then)."""

    gig = ReviewGigSerializer(read_only=True)
    side = serializers.ChoiceField(choices=Side.choices, read_only=True)
    artist_slug = serializers.CharField(source="artist.slug", read_only=True)
    artist_name = serializers.CharField(source="artist.stage_name", read_only=True)
    venue_slug = serializers.CharField(source="venue.slug", read_only=True)
    venue_name = serializers.CharField(source="venue.name", read_only=True)

    class Meta:
        model = Review
        fields = [
            "id",
            "booking_id",
            "side",
            "rating",
            "comment",
            "reply",
            "replied_at",
            "published_at",
            "created_at",
            "gig",
            "artist_slug",
            "artist_name",
            "venue_slug",
            "venue_name",
        ]
        read_only_fields = fields


class CalendarFeedSerializer(serializers.Serializer):
    active = serializers.BooleanField(help_text="Whether you have a feed URL that works.")
    created_at = serializers.DateTimeField(
        allow_null=True, help_text="When the current URL was made (null: no feed)."
    )
    url = serializers.URLField(
        allow_null=True,
        help_text="The feed URL: only in the answer that makes or rotates it, null otherwise "
        "(only a hash of its token is kept).",
    )
