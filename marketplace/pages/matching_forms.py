"""Forms of the artist's matching pages: unavailable dates and saving a gig search. They collect
typed input; the services validate it (the same rules as the API) and their errors are shown
next to the fields."""

from typing import Any

from django import forms
from django.http import QueryDict

from marketplace.forms import GigFilterForm
from marketplace.models import SAVED_SEARCH_NAME_MAX_LENGTH, Unavailability


class UnavailabilityForm(forms.Form):
    start_date = forms.DateField(
        label="From", widget=forms.DateInput(attrs={"type": "date"}), help_text="The first day."
    )
    end_date = forms.DateField(
        label="To (optional)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The last day, included. Leave empty for a single day.",
    )
    note = forms.CharField(
        label="Note (optional, only you see it)",
        required=False,
        max_length=Unavailability._meta.get_field("note").max_length,
    )

    def service_data(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class SaveSearchForm(forms.Form):
    """ "Save this search" on the gig board: a name, and the board's query string as it was."""

    name = forms.CharField(
        label="Name this search",
        required=False,
        max_length=SAVED_SEARCH_NAME_MAX_LENGTH,
        help_text="Optional: by default it is named after its filters.",
    )
    query = forms.CharField(widget=forms.HiddenInput, required=False, max_length=2000)

    def board_filters(self) -> GigFilterForm:
        """The gig board's filter form, bound to the saved query (validated by the caller)."""
        return GigFilterForm(QueryDict(self.cleaned_data.get("query") or ""))
