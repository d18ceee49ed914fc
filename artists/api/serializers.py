from typing import Any, cast

from django.core.files.storage import default_storage
from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from artists import selectors
from artists.models import (
    HANDLE_FIELDS,
    LINK_HOSTS,
    LINK_MAX_LENGTH,
    ArtistProfile,
    MediaCategory,
    MediaFile,
    MediaQuota,
    PerformanceType,
    Track,
)
from umbrella.api import InputSerializer
from umbrella.limits import value_bounds, word_list_limits


def _file_url(field: Any) -> str | None:
    return default_storage.url(field.name) if field else None


def _model_field(model: type[models.Model], name: str) -> models.Field:
    return cast(models.Field, model._meta.get_field(name))


def _input_field(model: type[models.Model], name: str) -> serializers.Field:
    """An optional input field with the limits the model field's validators set.

    The model field is the rule (the service's ``full_clean`` enforces it); this only refuses
    the same values up front and documents the limits in the schema.
    """
    field = _model_field(model, name)
    if isinstance(field, models.BooleanField):
        return serializers.BooleanField(required=False)
    if isinstance(field, models.IntegerField):
        low, high = value_bounds(field)
        return serializers.IntegerField(
            min_value=low, max_value=high, required=False, allow_null=field.null
        )
    if isinstance(field, models.JSONField):
        limits = word_list_limits(field)
        child: serializers.Field = (
            serializers.ChoiceField(choices=list(limits.choices))
            if limits.choices is not None
            else serializers.CharField(max_length=limits.max_length)
        )
        return serializers.ListField(child=child, max_length=limits.max_items, required=False)
    # Links and handles may be typed as a profile link: the service turns them into the stored
    # form (a normalised link, a bare handle), so the input limit is a link's length.
    typed_as_link = name in LINK_HOSTS or name in HANDLE_FIELDS
    max_length = LINK_MAX_LENGTH if typed_as_link else field.max_length
    return serializers.CharField(max_length=max_length, required=False, allow_blank=field.blank)


def _profile(name: str) -> Any:
    return _input_field(ArtistProfile, name)


def _track(name: str) -> Any:
    return _input_field(Track, name)


class ProfileInputSerializer(InputSerializer):
    """Every editable field, all optional: a step or a PATCH sends the ones it changes.

    Limits come from the model fields (see ``_input_field``).
    """

    stage_name = _profile("stage_name")
    legal_name = _profile("legal_name")
    pronouns = _profile("pronouns")
    location_city = _profile("location_city")
    location_state = _profile("location_state")
    location_country = _profile("location_country")
    tagline = _profile("tagline")
    bio = _profile("bio")
    story = _profile("story")
    primary_genre = _profile("primary_genre")
    secondary_genres = _profile("secondary_genres")
    influences = _profile("influences")
    performance_types = _profile("performance_types")
    equipment = _profile("equipment")
    base_rate_flat = _profile("base_rate_flat")
    base_rate_hourly = _profile("base_rate_hourly")
    rates_negotiable = _profile("rates_negotiable")
    travel_radius_miles = _profile("travel_radius_miles")
    available_weekdays = _profile("available_weekdays")
    available_weekends = _profile("available_weekends")
    advance_booking_weeks = _profile("advance_booking_weeks")
    years_performing = _profile("years_performing")
    biggest_gig = _profile("biggest_gig")
    dream_collaboration = _profile("dream_collaboration")
    website_url = _profile("website_url")
    instagram_handle = _profile("instagram_handle")
    tiktok_handle = _profile("tiktok_handle")
    youtube_url = _profile("youtube_url")
    spotify_url = _profile("spotify_url")
    apple_music_url = _profile("apple_music_url")
    soundcloud_url = _profile("soundcloud_url")


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
    # Declared so that the schema types the JSON list columns (a model JSONField is "any").
    secondary_genres = serializers.ListField(child=serializers.CharField(), read_only=True)
    influences = serializers.ListField(child=serializers.CharField(), read_only=True)
    performance_types = serializers.ListField(
        child=serializers.ChoiceField(choices=PerformanceType.choices), read_only=True
    )
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
    performance_types = serializers.ListField(
        child=serializers.ChoiceField(choices=PerformanceType.choices)
    )
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
    title = _track("title")
    genre = _track("genre")
    release_year = _track("release_year")
    spotify_url = _track("spotify_url")
    apple_music_url = _track("apple_music_url")


class TrackCreateSerializer(TrackFieldsSerializer):
    title = serializers.CharField(max_length=_model_field(Track, "title").max_length)
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
