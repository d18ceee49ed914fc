from typing import Any, ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

from umbrella.limits import WordListValidator
from umbrella.links import LinkValidator
from umbrella.models import TimeStampedModel
from umbrella.text import validate_free_text, validate_single_line

GB = 1024**3
DEFAULT_QUOTA_BYTES = 50 * GB

# Value limits: each lives once, on the model field below, and every door reads it from there
# (API serializers and page forms up front, the services' full_clean for everything).
MAX_RATE_FLAT_CENTS = 100_000_000  # $1,000,000 a show
MAX_RATE_HOURLY_CENTS = 10_000_000  # $100,000 an hour
MAX_TRAVEL_RADIUS_MILES = 25_000
MAX_ADVANCE_BOOKING_WEEKS = 104
MAX_YEARS_PERFORMING = 100
LIST_MAX_ITEMS = 10  # genres, influences
LIST_ITEM_MAX_LENGTH = 50
LINK_MAX_LENGTH = 200  # stored (normalised) links; what people type may be a handle's link too

HANDLE_FIELDS = ("instagram_handle", "tiktok_handle")  # also typed as a profile link
# Which hosts each link field accepts (a sub-domain of one of them is fine too).
LINK_HOSTS: dict[str, tuple[str, ...]] = {
    "website_url": (),
    "youtube_url": ("youtube.com", "youtu.be"),
    "spotify_url": ("spotify.com",),
    "apple_music_url": ("music.apple.com", "itunes.apple.com"),
    "soundcloud_url": ("soundcloud.com",),
}


class PerformanceType(models.TextChoices):
    SOLO = "solo", "Solo"
    DUO = "duo", "Duo"
    BAND = "band", "Band"
    DJ = "dj", "DJ"
    ORCHESTRA = "orchestra", "Orchestra / ensemble"
    ACOUSTIC = "acoustic", "Acoustic set"
    OTHER = "other", "Other"


GENRES = [
    "acoustic", "alternative", "ambient", "blues", "classical", "country", "dance", "drum and bass",
    "electronic", "folk", "funk", "gospel", "hip hop", "house", "indie", "jazz", "latin", "metal",
    "pop", "punk", "r&b", "reggae", "rock", "singer-songwriter", "soul", "techno", "world",
]  # fmt: skip

country_code = RegexValidator(r"^[A-Z]{2}$", "Use a two-letter country code such as US or GB.")
instagram_handle_format = RegexValidator(r"^[A-Za-z0-9._]{1,30}\Z", "Not a valid Instagram handle.")
tiktok_handle_format = RegexValidator(r"^[A-Za-z0-9._]{2,24}\Z", "Not a valid TikTok handle.")
NAME = [validate_single_line]  # names, titles and other one-line text
FREE_TEXT = [validate_free_text]  # bio, story: newlines allowed


class LinkField(models.URLField):
    """A link checked by :class:`umbrella.links.LinkValidator`; its form field (admin) assumes
    https for a link typed without a scheme, as the services do."""

    def formfield(self, **kwargs: Any) -> Any:
        return super().formfield(**{"assume_scheme": "https", **kwargs})


def _link(field: str) -> LinkField:
    return LinkField(
        max_length=LINK_MAX_LENGTH, blank=True, validators=[LinkValidator(LINK_HOSTS[field])]
    )


# The one rule for "a public artist": an artist account, onboarding finished, account active.
# Used by ``ArtistProfileQuerySet.public``, ``ArtistProfile.is_public``, the play counter, and
# kept as a stored copy in ``ArtistProfile.listed`` for discovery (services.profiles).
PUBLIC_OWNER = {"role": "artist", "onboarding_complete": True, "is_active": True}


def public_owner(prefix: str = "user__") -> Q:
    """:data:`PUBLIC_OWNER` as a filter on the user reached through ``prefix``."""
    return Q(**{f"{prefix}{field}": value for field, value in PUBLIC_OWNER.items()})


def owner_is_public(user: Any) -> bool:
    """:data:`PUBLIC_OWNER` for a user already in memory."""
    return all(getattr(user, field) == value for field, value in PUBLIC_OWNER.items())


class ArtistProfileQuerySet(models.QuerySet["ArtistProfile"]):
    def public(self) -> "ArtistProfileQuerySet":
        """Profiles anyone may see: an artist account, onboarding finished, account active."""
        return self.filter(public_owner())


# What the ordering indexes carry, so a filtered walk never reads the table (artists.filters
# reads it as WALK_COLUMNS; a filter on another column must be added here).
WALK_INCLUDE = [
    "primary_genre",
    "secondary_genres",
    "location_city",
    "location_state",
    "location_country",
    "base_rate_flat",
    "avg_rating",
    "verified",
    "available_weekdays",
    "available_weekends",
    "performance_types",
]


class ArtistProfile(TimeStampedModel):
    """One per artist user. Filled by the five onboarding steps, then edited freely."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="artist_profile"
    )
    slug = models.SlugField(max_length=80, unique=True)
    onboarding_step = models.PositiveSmallIntegerField(
        default=0, help_text="Highest onboarding step completed (0 to 5)."
    )

    # step 1: identity
    stage_name = models.CharField(max_length=100, validators=NAME)
    legal_name = models.CharField(max_length=150, blank=True, validators=NAME)
    pronouns = models.CharField(max_length=40, blank=True, validators=NAME)
    location_city = models.CharField(max_length=100, blank=True, validators=NAME)
    location_state = models.CharField(max_length=100, blank=True, validators=NAME)
    location_country = models.CharField(max_length=2, blank=True, validators=[country_code])
    # step 2: bio & story
    tagline = models.CharField(max_length=160, blank=True, validators=NAME)
    bio = models.TextField(max_length=5000, blank=True, validators=FREE_TEXT)
    story = models.TextField(max_length=10000, blank=True, validators=FREE_TEXT)
    # step 3: creative profile
    primary_genre = models.CharField(max_length=LIST_ITEM_MAX_LENGTH, blank=True, validators=NAME)
    secondary_genres = models.JSONField(
        default=list,
        blank=True,
        validators=[WordListValidator(max_items=LIST_MAX_ITEMS, max_length=LIST_ITEM_MAX_LENGTH)],
    )
    influences = models.JSONField(
        default=list,
        blank=True,
        validators=[WordListValidator(max_items=LIST_MAX_ITEMS, max_length=LIST_ITEM_MAX_LENGTH)],
    )
    performance_types = models.JSONField(
        default=list,
        blank=True,
        validators=[
            WordListValidator(
                max_items=len(PerformanceType),
                max_length=max(len(v) for v in PerformanceType.values),
                choices=tuple(PerformanceType.values),
            )
        ],
    )
    equipment = models.TextField(max_length=2000, blank=True, validators=FREE_TEXT)
    # step 4: rates & availability (money in integer cents)
    base_rate_flat = models.PositiveIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(MAX_RATE_FLAT_CENTS)]
    )
    base_rate_hourly = models.PositiveIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(MAX_RATE_HOURLY_CENTS)]
    )
    rates_negotiable = models.BooleanField(default=False)
    travel_radius_miles = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(MAX_TRAVEL_RADIUS_MILES)]
    )
    available_weekdays = models.BooleanField(default=False)
    available_weekends = models.BooleanField(default=False)
    advance_booking_weeks = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(MAX_ADVANCE_BOOKING_WEEKS)]
    )
    # step 5: quick questions
    years_performing = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(MAX_YEARS_PERFORMING)]
    )
    biggest_gig = models.CharField(max_length=300, blank=True, validators=NAME)
    dream_collaboration = models.CharField(max_length=300, blank=True, validators=NAME)
    # social & portfolio
    website_url = _link("website_url")
    instagram_handle = models.CharField(
        max_length=30, blank=True, validators=[instagram_handle_format]
    )
    tiktok_handle = models.CharField(max_length=24, blank=True, validators=[tiktok_handle_format])
    youtube_url = _link("youtube_url")
    spotify_url = _link("spotify_url")
    apple_music_url = _link("apple_music_url")
    soundcloud_url = _link("soundcloud_url")
    # verification & metadata
    verified = models.BooleanField(default=False)
    avatar = models.ImageField(upload_to="artists/avatars/", blank=True)
    banner = models.ImageField(upload_to="artists/banners/", blank=True)
    avg_rating = models.DecimalField(
        max_digits=3,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(5)],
    )
    total_reviews = models.PositiveIntegerField(default=0)
    total_gigs = models.PositiveIntegerField(default=0)
    total_earnings = models.PositiveBigIntegerField(default=0)
    profile_views = models.PositiveIntegerField(default=0)
    # A stored copy of "the owner is public" (PUBLIC_OWNER: an active, onboarded artist) for
    # discovery, which lists artists without reading their users: set when the profile is
    # created and kept in step by services.profiles.artist_listed_sync, which the accounts
    # services call whenever the role, onboarding or activity changes (accounts.state_hooks).
    # Partial indexes below serve the list orderings of listed profiles only.
    listed = models.BooleanField(default=False, editable=False)

    objects: ClassVar[ArtistProfileQuerySet] = ArtistProfileQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["location_country", "location_state", "location_city"]),
            models.Index(fields=["primary_genre"]),
            models.Index(fields=["base_rate_flat"]),
            # One per list ordering (artists.filters.ORDERINGS), of listed profiles only: a
            # browse without filters reads its page straight from the index. Each carries every
            # filtered column (artists.filters.WALK_COLUMNS), so a filtered browse finds its
            # page's ids by an index-only walk and reads only those rows (list_sql).
            models.Index(
                fields=["-created_at", "-id"],
                condition=Q(listed=True),
                include=WALK_INCLUDE,
                name="artist_listed_new",
            ),
            models.Index(
                fields=["-avg_rating", "-total_reviews", "-id"],
                condition=Q(listed=True),
                include=[c for c in WALK_INCLUDE if c != "avg_rating"],
                name="artist_listed_rating",
            ),
            models.Index(
                fields=["-total_gigs", "-id"],
                condition=Q(listed=True),
                include=WALK_INCLUDE,
                name="artist_listed_gigs",
            ),
            # The same orderings within a country (as migration 0009 does for the city, whose
            # indexes carry the filtered columns too since 0013): a country filter walked a
            # whole ordering index dropping other countries' rows (~1 900-2 700 buffers at
            # 100 000 artists for DE or MX; ~25-160 now).
            models.Index(
                fields=["location_country", "-created_at", "-id"],
                condition=Q(listed=True),
                include=WALK_INCLUDE,
                name="artist_listed_country_new",
            ),
            models.Index(
                fields=["location_country", "-avg_rating", "-total_reviews", "-id"],
                condition=Q(listed=True),
                include=[c for c in WALK_INCLUDE if c != "avg_rating"],
                name="artist_listed_country_rating",
            ),
            models.Index(
                fields=["location_country", "-total_gigs", "-id"],
                condition=Q(listed=True),
                include=WALK_INCLUDE,
                name="artist_listed_country_gigs",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(onboarding_step__lte=5), name="artist_onboarding_step_range"
            ),
            models.CheckConstraint(
                condition=Q(avg_rating__gte=0) & Q(avg_rating__lte=5), name="artist_rating_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stage_name} ({self.slug})"

    @property
    def is_public(self) -> bool:
        """Whether anyone may see this profile (the same rule as ``objects.public()``)."""
        return owner_is_public(self.user)


class VerificationNote(TimeStampedModel):
    """Audit trail of staff verifying or un-verifying an artist."""

    artist = models.ForeignKey(
        ArtistProfile, on_delete=models.CASCADE, related_name="verification_notes"
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True)
    verified = models.BooleanField()
    note = models.TextField(max_length=2000)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        action = "verified" if self.verified else "unverified"
        return f"{self.artist.stage_name} {action} by {self.by}"


class Track(TimeStampedModel):
    artist = models.ForeignKey(ArtistProfile, on_delete=models.CASCADE, related_name="tracks")
    title = models.CharField(max_length=200, validators=NAME)
    duration_seconds = models.PositiveIntegerField(null=True, blank=True)
    audio = models.FileField(upload_to="artists/tracks/")
    audio_size_bytes = models.PositiveBigIntegerField(default=0)
    cover_art = models.ImageField(upload_to="artists/covers/", blank=True)
    genre = models.CharField(max_length=LIST_ITEM_MAX_LENGTH, blank=True, validators=NAME)
    release_year = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1900), MaxValueValidator(2100)]
    )
    spotify_url = _link("spotify_url")
    apple_music_url = _link("apple_music_url")
    display_order = models.PositiveIntegerField(default=0)
    plays = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["display_order", "id"]
        indexes = [models.Index(fields=["artist", "display_order"])]

    def __str__(self) -> str:
        return f"{self.title} — {self.artist.stage_name}"


class MediaCategory(models.TextChoices):
    PRESS_PHOTO = "press_photo", "Press photo"
    MUSIC = "music", "Music"
    VIDEO = "video", "Video"
    DOCUMENT = "document", "Document"
    OTHER = "other", "Other"


class MediaStatus(models.TextChoices):
    PENDING = "pending", "Waiting for upload"
    READY = "ready", "Ready"


class MediaQuota(TimeStampedModel):
    """Bytes an artist stores (locker files and track audio); never more than the limit."""

    artist = models.OneToOneField(ArtistProfile, on_delete=models.CASCADE, related_name="quota")
    used_bytes = models.PositiveBigIntegerField(default=0)
    limit_bytes = models.PositiveBigIntegerField(default=DEFAULT_QUOTA_BYTES)

    class Meta:
        ordering = ["-used_bytes"]
        constraints = [
            models.CheckConstraint(
                condition=Q(used_bytes__lte=models.F("limit_bytes")), name="quota_used_within_limit"
            )
        ]

    def __str__(self) -> str:
        return f"{self.artist.stage_name}: {self.used_bytes} / {self.limit_bytes} bytes"

    @property
    def percent_used(self) -> float:
        return round(100 * self.used_bytes / self.limit_bytes, 2) if self.limit_bytes else 100.0


class MediaFile(TimeStampedModel):
    artist = models.ForeignKey(ArtistProfile, on_delete=models.CASCADE, related_name="media_files")
    category = models.CharField(max_length=20, choices=MediaCategory.choices)
    filename = models.CharField(max_length=255)
    size_bytes = models.PositiveBigIntegerField()
    mime_type = models.CharField(max_length=100)
    file = models.FileField(upload_to="artists/media/", max_length=500)
    status = models.CharField(max_length=10, choices=MediaStatus.choices, default=MediaStatus.READY)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["artist", "category", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.filename} ({self.category}, {self.size_bytes} bytes)"


class ProfileView(models.Model):
    """One row per viewer per artist per UTC day: the raw material of the daily rollup."""

    artist = models.ForeignKey(ArtistProfile, on_delete=models.CASCADE, related_name="views")
    viewer_key = models.CharField(max_length=80)
    day = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-day", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["artist", "viewer_key", "day"], name="one_view_per_day")
        ]
        indexes = [
            models.Index(fields=["artist", "day"]),
            # The nightly rollup's views of one day, every artist (analytics): read from the
            # index alone, already in the order of its GROUP BY artist and distinct viewers.
            models.Index(
                fields=["day", "artist", "viewer_key"], include=["id"], name="profile_view_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.artist_id} viewed by {self.viewer_key} on {self.day}"


class StageNameWord(models.Model):
    """A word of some stage name, lower case: the vocabulary the typo fallback of search matches
    a mistyped word against (``artist_typo_nearest``, migration 0010; PostgreSQL only).

    Written by a database trigger on the profile table, never by Python: every way a stage name
    changes (services, admin, bulk loads) keeps it. Words are only ever added — a word no name
    uses any more leads to no names and costs nothing — so the vocabulary grows with the
    language of stage names, not with the number of artists.
    """

    word = models.TextField(primary_key=True)

    def __str__(self) -> str:
        return self.word


class StageNameWordName(models.Model):
    """Which stage names (lower case, distinct) contain a word: from a near word to the names
    to score. Kept by the same trigger; a name no artist has any more is removed."""

    pk = models.CompositePrimaryKey("word", "name")
    word = models.TextField()
    name = models.TextField()

    def __str__(self) -> str:
        return f"{self.word}: {self.name}"
