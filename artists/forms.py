"""Page forms. They collect typed input; the services validate and normalise it.

Limits are read from the model fields, so a page refuses what the API refuses (same numbers).
``MediaFilterForm`` is also used by the API: one filter rule for both doors.
"""

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.db import models

from artists import filetypes
from artists.models import (
    GENRES,
    HANDLE_FIELDS,
    LINK_HOSTS,
    LINK_MAX_LENGTH,
    ArtistProfile,
    MediaCategory,
    PerformanceType,
    Track,
)
from artists.steps import BIO_MIN_LENGTH
from umbrella.limits import value_bounds, word_list_limits

LIST_FIELDS = ("secondary_genres", "influences")  # typed as comma-separated text
MONEY_FIELDS = ("base_rate_flat", "base_rate_hourly")


LABELS = {
    "location_city": "City",
    "location_state": "State or region",
    "location_country": "Country",
    "base_rate_flat": "Flat rate per show",
    "base_rate_hourly": "Hourly rate",
    "rates_negotiable": "My rates are negotiable",
    "travel_radius_miles": "How far you travel (miles)",
    "available_weekdays": "Available on weekdays",
    "available_weekends": "Available on weekends",
    "advance_booking_weeks": "Weeks of notice you need",
    "years_performing": "Years performing",
    "biggest_gig": "Your biggest gig so far",
    "dream_collaboration": "Dream collaboration",
    "secondary_genres": "Other genres",
    "website_url": "Website",
    "instagram_handle": "Instagram",
    "tiktok_handle": "TikTok",
    "youtube_url": "YouTube link",
    "spotify_url": "Spotify link",
    "apple_music_url": "Apple Music link",
    "soundcloud_url": "SoundCloud link",
}
HELP = {
    "location_country": "Two-letter code, e.g. US, GB, DE.",
    "instagram_handle": "@name or your profile link.",
    "tiktok_handle": "@name or your profile link.",
    "tagline": "One line that sums you up (160 characters).",
    "bio": f"What a venue should know about your act: at least {BIO_MIN_LENGTH} characters.",
}


def _model_field(model: type[models.Model], name: str) -> models.Field:
    return cast(models.Field, model._meta.get_field(name))


def _field_for(name: str, model: type[models.Model] = ArtistProfile) -> forms.Field:
    """A page field with the limits of the model field (the service enforces the same rule)."""
    model_field = _model_field(model, name)
    label = LABELS.get(name) or str(model_field.verbose_name).capitalize()
    if isinstance(model_field, models.JSONField) and name != "performance_types":
        limits = word_list_limits(model_field)
        return forms.CharField(
            label=label,
            required=False,
            help_text=f"Separate them with commas (up to {limits.max_items}).",
            # room for every entry at full length, with ", " between them
            max_length=limits.max_items * (limits.max_length + 2),
        )
    if name == "performance_types":
        return forms.MultipleChoiceField(
            label="Performance types",
            choices=PerformanceType.choices,
            widget=forms.CheckboxSelectMultiple,
            required=False,
        )
    if name in MONEY_FIELDS:
        low, high = value_bounds(model_field)
        return forms.DecimalField(
            label=f"{label} ($)",
            required=False,
            min_value=Decimal(low or 0) / 100,
            max_value=Decimal(high) / 100 if high is not None else None,
            decimal_places=2,
        )
    if isinstance(model_field, models.IntegerField):
        low, high = value_bounds(model_field)
        return forms.IntegerField(label=label, required=False, min_value=low, max_value=high)
    if name in LINK_HOSTS or name in HANDLE_FIELDS:
        # Typed as a link (or a handle's profile link): the service normalises it. Not a
        # forms.URLField, which would add "http://" where the service adds "https://".
        return forms.CharField(
            label=label, required=False, max_length=LINK_MAX_LENGTH, help_text=HELP.get(name, "")
        )
    if name == "primary_genre":
        return forms.CharField(
            label="Primary genre",
            required=False,
            max_length=model_field.max_length,
            widget=forms.TextInput(attrs={"list": "genre-list"}),
        )
    field = model_field.formfield(required=False, label=label)
    assert field is not None  # noqa: S101 (every editable model field has a form field)
    if name in HELP:
        field.help_text = HELP[name]
    return field


class ProfileFieldsForm(forms.Form):
    """A form over some profile fields (one onboarding step, or the whole editor)."""

    field_names: tuple[str, ...] = ()
    genres = GENRES

    def __init__(
        self,
        *args: Any,
        field_names: tuple[str, ...],
        required: tuple[str, ...] = (),
        profile: ArtistProfile | None = None,
        **kwargs: Any,
    ) -> None:
        initial = kwargs.pop("initial", None) or {}
        if profile is not None:
            for name in field_names:
                value = getattr(profile, name)
                if name in LIST_FIELDS:
                    value = ", ".join(value)
                elif name in MONEY_FIELDS and value is not None:
                    value = (Decimal(value) / 100).quantize(Decimal("0.01"))
                initial[name] = value
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.field_names = field_names
        for name in field_names:
            self.fields[name] = _field_for(name)
            if name in required:
                self.fields[name].required = True

    def service_data(self) -> dict[str, Any]:
        """Cleaned values as the service expects them (cents, lists)."""
        data = dict(self.cleaned_data)
        for name in MONEY_FIELDS:
            if name in data and data[name] is not None:
                data[name] = int(data[name] * 100)
        return data


class ImageForm(forms.Form):
    image = forms.ImageField(label="Image")


class TrackForm(forms.Form):
    title = _field_for("title", Track)
    audio = forms.FileField(
        label="Audio file",
        help_text="MP3, WAV, FLAC, OGG or M4A, up to "
        f"{filetypes.human_size(filetypes.max_bytes(MediaCategory.MUSIC))}.",
    )
    cover_art = forms.ImageField(label="Cover art", required=False)
    genre = _field_for("genre", Track)
    release_year = _field_for("release_year", Track)
    spotify_url = _field_for("spotify_url", Track)
    apple_music_url = _field_for("apple_music_url", Track)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["title"].required = True


class MediaFilterForm(forms.Form):
    """The media list's filter, for the page and the API alike: an unknown category is refused
    at both doors (400), never silently ignored."""

    category = forms.ChoiceField(choices=MediaCategory.choices, required=False)

    def category_or_none(self) -> str | None:
        return self.cleaned_data.get("category") or None


class MediaUploadForm(forms.Form):
    category = forms.ChoiceField(choices=MediaCategory.choices)
    file = forms.FileField()
