"""Forms of the bookings and reviews pages. Their limits come from the model fields; the
services validate again and their errors are shown next to the fields."""

from typing import cast

from django import forms
from django.db import models

from marketplace.models import RATING_MAX, RATING_MIN, Booking, Review


def _max_length(model: type[models.Model], name: str) -> int | None:
    return cast(models.Field, model._meta.get_field(name)).max_length


RATING_WORDS = {1: "poor", 2: "fair", 3: "good", 4: "very good", 5: "excellent"}


class BookingCancelForm(forms.Form):
    reason = forms.CharField(
        label="Why are you cancelling?",
        max_length=_max_length(Booking, "cancel_reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The other side sees this, and the cancellation counts on your record.",
    )


class ReviewForm(forms.Form):
    """A review of the other side of a completed booking (SPEC §5: a rating from 1 to 5 and a
    comment; the service sets the reviewer, the gig and the side)."""

    rating = forms.TypedChoiceField(
        label="Rating",
        coerce=int,
        choices=[
            (n, f"{n} ({RATING_WORDS.get(n, '')})") for n in range(RATING_MAX, RATING_MIN - 1, -1)
        ],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label="Comment",
        required=False,
        max_length=_max_length(Review, "comment"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Public once both of you have reviewed, or after the review window.",
    )


class ReplyForm(forms.Form):
    reply = forms.CharField(
        label="Your public reply",
        max_length=_max_length(Review, "reply"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One reply, shown under the review. It can't be changed later.",
    )
