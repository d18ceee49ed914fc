"""Dates an artist marks unavailable: applying to a gig on them is refused."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from artists import selectors as artist_selectors
from marketplace.models import Unavailability
from marketplace.services.common import apply, validation_error
from umbrella.errors import NotFoundError

MAX_RANGE_DAYS = 366


@transaction.atomic
def unavailability_add(
    *, user: User, start_date: dt.date, end_date: dt.date | None = None, note: str = ""
) -> Unavailability:
    """Mark a date, or a date range (inclusive), unavailable; not in the past."""
    artist = artist_selectors.artist_own(user=user)
    end_date = end_date or start_date
    today = timezone.localdate()
    if end_date < start_date:
        raise validation_error({"end_date": ["The end date can't be before the start date."]})
    if start_date < today:
        raise validation_error({"start_date": ["The date is in the past."]})
    if (end_date - start_date).days >= MAX_RANGE_DAYS:
        raise validation_error({"end_date": [f"At most {MAX_RANGE_DAYS} days at a time."]})
    entry = Unavailability(artist=artist)
    apply(
        entry,
        {"start_date": start_date, "end_date": end_date, "note": note},
        fields=("start_date", "end_date", "note"),
        required=("start_date", "end_date"),
    )
    entry.save()
    return entry


@transaction.atomic
def unavailability_remove(*, user: User, unavailability_id: int) -> None:
    artist = artist_selectors.artist_own(user=user)
    deleted, _ = Unavailability.objects.filter(pk=unavailability_id, artist=artist).delete()
    if not deleted:
        raise NotFoundError("not_found", "No such date.")
