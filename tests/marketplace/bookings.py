"""Bookings made through the services, for the page tests and the browser tests."""

import datetime as dt

from django.utils import timezone

from marketplace import services
from marketplace.models import Booking, Gig


def book(gig: Gig, artist, *, rate: int | None = None) -> Booking:
    """The artist applies (with ``rate`` in cents, if given) and the gig's venue accepts."""
    data = {} if rate is None else {"proposed_rate": rate}
    application = services.application_create(user=artist.user, gig_id=gig.pk, data=data)
    return services.application_accept(user=gig.venue.user, application_id=application.pk)


def played(booking: Booking, *, days_ago: int = 2, complete: bool = True) -> Booking:
    """Move a booked gig back in time so it ended ``days_ago`` days ago (services refuse past
    dates, as the demo does), then complete it as the beat task would."""
    back = dt.timedelta(days=(booking.gig.date - timezone.localdate()).days + days_ago)
    gig = booking.gig
    Gig.objects.filter(pk=gig.pk).update(
        date=gig.date - back, starts_at=gig.starts_at - back, ends_at=gig.ends_at - back
    )
    Booking.objects.filter(pk=booking.pk).update(
        starts_at=booking.starts_at - back, ends_at=booking.ends_at - back
    )
    if complete:
        assert services.gig_complete(gig_id=gig.pk)
    return Booking.objects.select_related("gig__venue", "artist").get(pk=booking.pk)
