"""Gig writes: post, edit while open, cancel. Each status change writes a StatusChange row.

Lock order in every marketplace service: the gig's row first (``FOR NO KEY UPDATE``), then the
artist's, then applications and bookings. Inserts that point at the gig only take a key-share
lock, which that lock does not block.
"""

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from accounts.permissions import OnboardingRequired
from marketplace import notifications, selectors
from marketplace.models import (
    Application,
    ApplicationStatus,
    Booking,
    BookingStatus,
    Gig,
    GigStatus,
    Side,
    StatusChange,
    Subject,
    VenueProfile,
)
from marketplace.services.common import apply, audit, clean_reason
from umbrella.errors import ApplicationError, NotFoundError

EDITABLE_FIELDS = (
    "title",
    "description",
    "venue_name",
    "location_address",
    "location_city",
    "location_state",
    "location_country",
    "date",
    "start_time",
    "end_time",
    "genre",
    "payment_amount",
    "payment_type",
)
MAX_DAYS_AHEAD = 3 * 366  # far enough for any booking; keeps date arithmetic in range
REQUIRED = ("title", "date", "start_time", "end_time", "genre", "payment_amount", "payment_type")


def gig_times(
    *, date: dt.date, start: dt.time, end: dt.time, tz: str
) -> tuple[dt.datetime, dt.datetime]:
    """The instants (in UTC) of a gig given in local wall-clock times: an end before the start
    is on the next day (a late show). UTC, because Python compares two datetimes of the same
    zone by their wall-clock times, which is wrong across a clock change."""
    zone = ZoneInfo(tz)
    end_date = date if end > start else date + dt.timedelta(days=1)
    starts_at = dt.datetime.combine(date, start, tzinfo=zone).astimezone(dt.UTC)
    return starts_at, dt.datetime.combine(end_date, end, tzinfo=zone).astimezone(dt.UTC)


def _times_check(gig: Gig) -> dict[str, list[str]]:
    if gig.end_time == gig.start_time:
        return {"end_time": ["The end time must differ from the start time."]}
    if gig.date > timezone.localdate() + dt.timedelta(days=MAX_DAYS_AHEAD):
        return {"date": [f"Gigs are posted at most {MAX_DAYS_AHEAD} days ahead."]}
    gig.starts_at, gig.ends_at = gig_times(
        date=gig.date, start=gig.start_time, end=gig.end_time, tz=gig.timezone
    )
    if gig.starts_at <= timezone.now():
        return {"date": ["The gig must start in the future."]}
    if gig.ends_at <= gig.starts_at:  # a clock change that night (a start the clocks skip)
        return {
            "end_time": ["On that night the clocks change: the gig would end before it starts."]
        }
    return {}


def venue_ready(user: User, *, lock: bool = False) -> VenueProfile:
    """The user's venue, which must have finished onboarding to post or act on gigs."""
    venue = selectors.venue_own(user=user, lock=lock)
    if not user.onboarding_complete:
        raise ApplicationError("onboarding_required", OnboardingRequired.default_detail, status=403)
    return venue


def lock_gig(gig_id: int, **owner: Any) -> Gig:
    gig = Gig.objects.select_for_update(no_key=True).filter(pk=gig_id, **owner).first()
    if gig is None:
        raise NotFoundError("not_found", "No such gig.")
    return gig


@transaction.atomic
def gig_create(*, user: User, data: dict[str, Any]) -> Gig:
    """A venue posts a gig. Place fields default to the venue's; times are the venue's local
    time; the date must be in the future."""
    venue = venue_ready(user)
    gig = Gig(
        venue=venue,
        venue_name=venue.name,
        location_address=venue.address,
        location_city=venue.city,
        location_state=venue.state,
        location_country=venue.country,
        timezone=venue.timezone,
    )
    apply(gig, data, fields=EDITABLE_FIELDS, required=REQUIRED, check=lambda: _times_check(gig))
    gig.save()
    audit(gig=gig, subject=Subject.GIG, by=user, from_status="", to_status=GigStatus.OPEN)
    return gig


@transaction.atomic
def gig_update(*, user: User, gig_id: int, data: dict[str, Any]) -> Gig:
    """The venue edits its gig while it is open (409 ``gig_not_open`` after)."""
    venue = venue_ready(user)
    gig = lock_gig(gig_id, venue=venue)
    if gig.status != GigStatus.OPEN:
        raise ApplicationError(
            "gig_not_open", f"The gig is {gig.status}: it can't change now.", status=409
        )
    starts_at = gig.starts_at
    apply(gig, data, fields=EDITABLE_FIELDS, required=REQUIRED, check=lambda: _times_check(gig))
    gig.save()
    if gig.starts_at != starts_at:  # its applications carry its start (Application.gig_starts_at)
        Application.objects.filter(gig=gig).update(gig_starts_at=gig.starts_at)
    return gig


def _cancel(gig: Gig, *, by: User | None, side: str, reason: str) -> Gig:
    if gig.status not in (GigStatus.OPEN, GigStatus.FILLED):
        raise ApplicationError(
            "gig_not_cancellable", f"The gig is {gig.status}: it can't be cancelled.", status=409
        )
    now = timezone.now()
    changes: list[StatusChange] = []
    pending = list(
        Application.objects.select_for_update()
        .filter(gig=gig, status__in=[ApplicationStatus.PENDING, ApplicationStatus.ACCEPTED])
        .order_by("id")
    )
    for application in pending:
        changes.append(
            StatusChange(
                gig=gig,
                subject=Subject.APPLICATION,
                application_id=application.pk,
                by=by,
                from_status=application.status,
                to_status=ApplicationStatus.REJECTED,
                reason="The gig was cancelled.",
            )
        )
    Application.objects.filter(pk__in=[a.pk for a in pending]).update(
        status=ApplicationStatus.REJECTED, updated_at=now
    )
    for booking in Booking.objects.select_for_update().filter(gig=gig, status=BookingStatus.ACTIVE):
        booking.status = BookingStatus.CANCELLED
        booking.cancelled_by = side
        booking.cancel_reason = reason
        booking.cancelled_at = now
        booking.save(
            update_fields=["status", "cancelled_by", "cancel_reason", "cancelled_at", "updated_at"]
        )
        changes.append(
            StatusChange(
                gig=gig,
                subject=Subject.BOOKING,
                booking_id=booking.pk,
                by=by,
                from_status=BookingStatus.ACTIVE,
                to_status=BookingStatus.CANCELLED,
                reason=reason,
            )
        )
    changes.append(
        StatusChange(
            gig=gig,
            subject=Subject.GIG,
            by=by,
            from_status=gig.status,
            to_status=GigStatus.CANCELLED,
            reason=reason,
        )
    )
    gig.status = GigStatus.CANCELLED
    gig.save(update_fields=["status", "updated_at"])
    StatusChange.objects.bulk_create(changes)
    # Every pending applicant and the booked artist (their application was the accepted one);
    # when staff cancel, the venue too.
    told = Q(artist_profile__pk__in={a.artist_id for a in pending})
    if side == Side.STAFF:
        told |= Q(venue_profile__pk=gig.venue_id)
    notifications.gig_cancelled(User.objects.filter(told).order_by("pk"), gig=gig)
    return gig


@transaction.atomic
def gig_cancel(*, user: User, gig_id: int, reason: str) -> Gig:
    """The venue cancels its open or filled gig: pending applications are rejected and the
    booking, if any, is cancelled by the venue, all audited."""
    venue = venue_ready(user)
    gig = lock_gig(gig_id, venue=venue)
    return _cancel(gig, by=user, side=Side.VENUE, reason=clean_reason(reason, required=True))


@transaction.atomic
def gig_cancel_by_staff(*, gig_id: int, by: User, reason: str) -> Gig:
    """Staff cancel a gig (admin action), with the same effects as the venue's cancel."""
    from artists.services import require_staff

    require_staff(by)
    gig = lock_gig(gig_id)
    return _cancel(gig, by=by, side=Side.STAFF, reason=clean_reason(reason, required=True))
