from typing import Any

from django.core.files.storage import default_storage
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from artists import selectors
from artists.models import (
    ArtistProfile,
    MediaCategory,
    MediaFile,
    MediaQuota,
    PerformanceType,
    Track,
)
from umbrella.api import InputSerializer


def _file_url(field: Any) -> str | None:
    return default_storage.url(field.name) if field else None


class ProfileInputSerializer(InputSerializer):
    """Every editable field, all optional: a step or a PATCH sends the ones it changes."""

    stage_name = serializers.CharField(max_length=100, required=False)
    legal_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    pronouns = serializers.CharField(max_length=40, required=False, allow_blank=True)
    location_city = serializers.CharField(max_length=100, required=False, allow_blank=True)
    location_state = serializers.CharField(max_length=100, required=False, allow_blank=True)
    location_country = serializers.CharField(max_length=2, required=False, allow_blank=True)
    tagline = serializers.CharField(max_length=160, required=False, allow_blank=True)
    bio = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    story = serializers.CharField(max_length=10000, required=False, allow_blank=True)
    primary_genre = serializers.CharField(max_length=50, required=False, allow_blank=True)
    secondary_genres = serializers.ListField(
        child=serializers.CharField(max_length=50), max_length=10, required=False
    )
    influences = serializers.ListField(
        child=serializers.CharField(max_length=50), max_length=10, required=False
    )
    performance_types = serializers.ListField(
        child=serializers.ChoiceField(choices=PerformanceType.choices), max_length=7, required=False
    )
    equipment = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    base_rate_flat = serializers.IntegerField(
        min_value=0, max_value=100_000_000, required=False, allow_null=True
    )
    base_rate_hourly = serializers.IntegerField(
        min_value=0, max_value=10_000_000, required=False, allow_null=True
    )
    rates_negotiable = serializers.BooleanField(required=False)
    travel_radius_miles = serializers.IntegerField(
        min_value=0, max_value=25_000, required=False, allow_null=True
    )
    available_weekdays = serializers.BooleanField(required=False)
    available_weekends = serializers.BooleanField(required=False)
    advance_booking_weeks = serializers.IntegerField(
        min_value=0, max_value=104, required=False, allow_null=True
    )
    years_performing = serializers.IntegerField(
        min_value=0, max_value=100, required=False, allow_null=True
    )
    biggest_gig = serializers.CharField(max_length=300, required=False, allow_blank=True)
    dream_collaboration = serializers.CharField(max_length=300, required=False, allow_blank=True)
    website_url = serializers.CharField(max_length=200, required=False, allow_blank=True)
    instagram_handle = serializers.CharField(max_length=200, required=False, allow_blank=True)
    tiktok_handle = serializers.CharField(max_length=200, required=False, allow_blank=True)
    youtube_url = serializers.CharField(max_length=200, required=False, allow_blank=True)
    spotify_url = serializers.CharField(max_length=200, required=False, allow_blank=True)
    apple_music_url = serializers.CharField(max_length=200, required=False, allow_blank=True)
    soundcloud_url = serializers.CharField(max_length=200, required=False, allow_blank=True)


PUBLIC_FIELDS = [
    "slug",
    "stage_name",
    "pronouns",
    "location_city",
    "location_state",
    "location_country",
    "tagline",
    "bio",
    "story",
    "primary_genre",
    "secondary_genres",
    "influences",
    "performance_types",
    "equipment",
    "base_rate_flat",
    "base_rate_hourly",
    "rates_negotiable",
    "travel_radius_miles",
    "available_weekdays",
    "available_weekends",
    "advance_booking_weeks",
    "years_performing",
    "biggest_gig",
    "dream_collaboration",
    "website_url",
    "instagram_handle",
    "tiktok_handle",
    "youtube_url",
    "spotify_url",
    "apple_music_url",
    "soundcloud_url",
    "verified",
    "avg_rating",
    "total_reviews",
    "total_gigs",
    "profile_views",
    "created_at",
    "updated_at",
]


class ArtistPublicSerializer(serializers.ModelSerializer):
    avatar_url = serializers.SerializerMethodField()
    banner_url = serializers.SerializerMethodField()
    avg_rating = serializers.FloatField()
    # Links may be empty: plain strings in the schema, not "uri".
    website_url = serializers.CharField()
    youtube_url = serializers.CharField()
    spotify_url = serializers.CharField()
    apple_music_url = serializers.CharField()
    soundcloud_url = serializers.CharField()

    class Meta:
        model = ArtistProfile
        fields = [*PUBLIC_FIELDS, "avatar_url", "banner_url"]
        read_only_fields = fields

    def get_avatar_url(self, obj: ArtistProfile) -> str | None:
        return _file_url(obj.avatar)

    def get_banner_url(self, obj: ArtistProfile) -> str | None:
        return _file_url(obj.banner)


class QuotaSerializer(serializers.ModelSerializer):
    percent_used = serializers.FloatField()

    class Meta:
        model = MediaQuota
        fields = ["used_bytes", "limit_bytes", "percent_used"]
        read_only_fields = fields


class CompletenessSerializer(serializers.Serializer):
    score = serializers.IntegerField(min_value=0, max_value=100)
    missing = serializers.ListField(child=serializers.CharField())


class ArtistOwnSerializer(ArtistPublicSerializer):
    """The artist's own view: everything public plus private fields and progress."""

    completeness = serializers.SerializerMethodField()
    quota = QuotaSerializer(read_only=True)

    class Meta(ArtistPublicSerializer.Meta):
        fields = [
            *ArtistPublicSerializer.Meta.fields,
            "legal_name",
            "onboarding_step",
            "total_earnings",
            "completeness",
            "quota",
        ]
        read_only_fields = fields

    @extend_schema_field(CompletenessSerializer)
    def get_completeness(self, obj: ArtistProfile) -> dict[str, Any]:
        return selectors.completeness_of(artist=obj)


class ArtistCardSerializer(serializers.Serializer):
    """A discovery result (built from a values() row: no per-row queries)."""

    id = serializers.IntegerField()
    slug = serializers.SlugField()
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
    rates_negotiable = serializers.BooleanField()
    available_weekdays = serializers.BooleanField()
    available_weekends = serializers.BooleanField()
    performance_types = serializers.ListField(child=serializers.CharField())
    created_at = serializers.DateTimeField()


class OnboardingStepSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    slug = serializers.CharField()
    title = serializers.CharField()
    field_names = serializers.ListField(child=serializers.CharField())
    required_fields = serializers.ListField(child=serializers.CharField())
    complete = serializers.BooleanField()
    values = serializers.DictField()


class OnboardingStateSerializer(serializers.Serializer):
    completed_steps = serializers.IntegerField()
    next_step = serializers.IntegerField(allow_null=True)
    onboarding_complete = serializers.BooleanField()
    steps = OnboardingStepSerializer(many=True)


class ImageInputSerializer(InputSerializer):
    image = serializers.ImageField()


class TrackSerializer(serializers.ModelSerializer):
    audio_url = serializers.SerializerMethodField()
    cover_art_url = serializers.SerializerMethodField()
    spotify_url = serializers.CharField()
    apple_music_url = serializers.CharField()

    class Meta:
        model = Track
        fields = [
            "id",
            "title",
            "duration_seconds",
            "audio_url",
            "cover_art_url",
            "genre",
            "release_year",
            "spotify_url",
            "apple_music_url",
            "display_order",
            "plays",
            "created_at",
        ]
        read_only_fields = fields

    def get_audio_url(self, obj: Track) -> str | None:
        return _file_url(obj.audio)

    def get_cover_art_url(self, obj: Track) -> str | None:
        return _file_url(obj.cover_art)


class TrackFieldsSerializer(InputSerializer):
    title = serializers.CharField(max_length=200, required=False)
    genre = serializers.CharField(max_length=50, required=False, allow_blank=True)
    release_year = serializers.IntegerField(
        min_value=1900, max_value=2100, required=False, allow_null=True
    )
    spotify_url = serializers.CharField(max_length=200, required=False, allow_blank=True)
    apple_music_url = serializers.CharField(max_length=200, required=False, allow_blank=True)


class TrackCreateSerializer(TrackFieldsSerializer):
    title = serializers.CharField(max_length=200)
    audio = serializers.FileField()
    cover_art = serializers.ImageField(required=False)


class TrackMoveSerializer(InputSerializer):
    position = serializers.IntegerField(min_value=0, max_value=10_000)


class MediaFileSerializer(serializers.ModelSerializer):
    class Meta:
        model = MediaFile
        fields = ["id", "category", "filename", "size_bytes", "mime_type", "status", "created_at"]
        read_only_fields = fields


class MediaUploadSerializer(InputSerializer):
    category = serializers.ChoiceField(choices=MediaCategory.choices)
    file = serializers.FileField()


class DirectUploadStartSerializer(InputSerializer):
    category = serializers.ChoiceField(choices=MediaCategory.choices)
    filename = serializers.CharField(max_length=255)
    size_bytes = serializers.IntegerField(min_value=1)
    mime_type = serializers.CharField(max_length=100)


class DirectUploadSerializer(serializers.Serializer):
    file = MediaFileSerializer()
    method = serializers.ChoiceField(choices=["POST", "PUT"])
    url = serializers.URLField()
    form_fields = serializers.DictField(child=serializers.CharField())
    headers = serializers.DictField(child=serializers.CharField())


class StatsSerializer(serializers.Serializer):
    profile_views = serializers.IntegerField()
    profile_views_30d = serializers.IntegerField()
    track_plays = serializers.IntegerField()
    tracks = serializers.IntegerField()
    total_gigs = serializers.IntegerField()
    avg_rating = serializers.FloatField()
    total_reviews = serializers.IntegerField()
