"""Marketplace page forms. They collect typed input; the services validate and normalise it
(the same rules as the API), and their errors are shown next to the fields."""

from typing import Any, cast

from django import forms
from django.db import models

from artists.models import GENRES
from marketplace.models import PITCH_MAX_LENGTH, PaymentType, VenueProfile

VENUE_LABELS = {
    "name": "Venue name",
    "state": "State or region",
    "genres_booked": "Genres you book",
    "timezone": "Time zone",
}
VENUE_HELP = {
    "country": "Two-letter code, e.g. US, GB, DE.",
    "timezone": "For example America/Chicago or Europe/Berlin: gig times are read in it.",
    "genres_booked": "Separate them with commas, e.g. jazz, soul.",
}
VENUE_LIST_FIELDS = ("genres_booked",)


def _venue_field(name: str) -> forms.Field:
    model_field = cast(models.Field, VenueProfile._meta.get_field(name))
    label = VENUE_LABELS.get(name) or str(model_field.verbose_name).capitalize()
    field: forms.Field | None
    if name in VENUE_LIST_FIELDS:
        field = forms.CharField(
            label=label,
            required=False,
            max_length=2000,
            widget=forms.TextInput(attrs={"list": "genre-list"}),
        )
    else:
        field = model_field.formfield(required=False, label=label)
        assert field is not None  # noqa: S101 (every editable model field has a form field)
    field.help_text = VENUE_HELP.get(name, "")
    return field


class VenueFieldsForm(forms.Form):
    """A form over some venue fields (one onboarding step)."""

    genres = GENRES

    def __init__(
        self,
        *args: Any,
        field_names: tuple[str, ...],
        required: tuple[str, ...] = (),
        venue: VenueProfile | None = None,
        **kwargs: Any,
    ) -> None:
        initial: dict[str, Any] = kwargs.pop("initial", None) or {}
        if venue is not None:
            for name in field_names:
                value = getattr(venue, name)
                initial[name] = ", ".join(value) if name in VENUE_LIST_FIELDS else value
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        for name in field_names:
            self.fields[name] = _venue_field(name)
            if name in required:
                self.fields[name].required = True

    def service_data(self) -> dict[str, Any]:
        """Cleaned values as the service expects them (lists for list fields)."""
        data = dict(self.cleaned_data)
        for name in VENUE_LIST_FIELDS:
            if name in data:
                data[name] = [part.strip() for part in data[name].split(",") if part.strip()]
        return data


class GigFilterForm(forms.Form):
    """The gig board's filters (a GET form). Pay is typed in dollars; the selector takes cents."""

    q = forms.CharField(label="Words", required=False, max_length=200)
    city = forms.CharField(label="City", required=False, max_length=100)
    state = forms.CharField(label="State or region", required=False, max_length=100)
    genre = forms.ChoiceField(
        label="Genre", required=False, choices=[("", "Any genre"), *((g, g) for g in GENRES)]
    )
    date_from = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    min_pay = forms.DecimalField(
        label="Minimum pay ($)", required=False, min_value=0, max_value=10_000_000, decimal_places=2
    )
    payment_type = forms.ChoiceField(
        label="Pay type", required=False, choices=[("", "Any pay type"), *PaymentType.choices]
    )
    urgent = forms.BooleanField(label="Urgent only (within a week)", required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", "Must not be before the From date.")
        return data

    def selector_filters(self) -> dict[str, Any]:
        data = {name: value for name, value in self.cleaned_data.items() if value not in ("", None)}
        if "min_pay" in data:
            data["min_pay"] = int(data["min_pay"] * 100)
        data["urgent"] = True if data.get("urgent") else None
        return data


class ApplicationForm(forms.Form):
    pitch = forms.CharField(
        label="Your pitch",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=PITCH_MAX_LENGTH,
        help_text="Why you are right for this gig.",
    )
    proposed_rate = forms.DecimalField(
        label="Proposed rate ($)", required=False, min_value=0, decimal_places=2
    )

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if data.get("proposed_rate") is not None:
            data["proposed_rate"] = int(data["proposed_rate"] * 100)
        return data


GIG_FORM_FIELDS = (
    "title",
    "description",
    "date",
    "start_time",
    "end_time",
    "genre",
    "payment_amount",
    "payment_type",
)


class GigForm(forms.Form):
    """A new gig. Times are the venue's local times; place fields come from the venue."""

    title = forms.CharField(label="Title", max_length=200)
    description = forms.CharField(
        label="Description", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    date = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(label="Starts", widget=forms.TimeInput(attrs={"type": "time"}))
    end_time = forms.TimeField(
        label="Ends",
        widget=forms.TimeInput(attrs={"type": "time"}),
        help_text="Before the start time: the next day.",
    )
    genre = forms.ChoiceField(
        label="Genre", choices=[("", "Choose a genre"), *((g, g) for g in GENRES)]
    )
    payment_amount = forms.DecimalField(label="Pay ($)", min_value=0, decimal_places=2)
    payment_type = forms.ChoiceField(label="Pay type", choices=PaymentType.choices)

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["payment_amount"] = int(data["payment_amount"] * 100)
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(label="Reason", max_length=1000)
