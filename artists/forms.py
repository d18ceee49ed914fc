"""Page forms. They collect typed input; the services validate and normalise it."""

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.db import models

from artists.models import GENRES, ArtistProfile, MediaCategory, PerformanceType
from artists.steps import BIO_MIN_LENGTH

LIST_FIELDS = ("secondary_genres", "influences")
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


def _field_for(name: str) -> forms.Field:
    model_field = cast(models.Field, ArtistProfile._meta.get_field(name))
    label = LABELS.get(name) or str(model_field.verbose_name).capitalize()
    if name in LIST_FIELDS:
        return forms.CharField(
            label=label, required=False, help_text="Separate them with commas.", max_length=600
        )
    if name == "performance_types":
        return forms.MultipleChoiceField(
            label="Performance types",
            choices=PerformanceType.choices,
            widget=forms.CheckboxSelectMultiple,
            required=False,
        )
    if name in MONEY_FIELDS:
        return forms.DecimalField(
            label=f"{label} ($)",
            required=False,
            min_value=Decimal(0),
            max_digits=10,
            decimal_places=2,
        )
    if name == "primary_genre":
        return forms.CharField(
            label="Primary genre",
            required=False,
            max_length=50,
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
    title = forms.CharField(max_length=200)
    audio = forms.FileField(
        label="Audio file", help_text="MP3, WAV, FLAC, OGG or M4A, up to 500 MB."
    )
    cover_art = forms.ImageField(label="Cover art", required=False)
    genre = forms.CharField(max_length=50, required=False)
    release_year = forms.IntegerField(min_value=1900, max_value=2100, required=False)
    spotify_url = forms.CharField(label="Spotify link", max_length=200, required=False)
    apple_music_url = forms.CharField(label="Apple Music link", max_length=200, required=False)


class MediaUploadForm(forms.Form):
    category = forms.ChoiceField(choices=MediaCategory.choices)
    file = forms.FileField()
