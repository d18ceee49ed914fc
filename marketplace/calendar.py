"""The iCalendar feed of a user's bookings (RFC 5545, built with ``icalendar``).

One VEVENT per booking, as the artist or as the venue: a stable ``UID`` (the booking's id and the
site's host), ``DTSTART``/``DTEND`` in the gig's time zone (with its VTIMEZONE), ``SUMMARY``,
``LOCATION``, ``STATUS`` (CONFIRMED, or CANCELLED with ``SEQUENCE`` 1 so calendar apps replace
the event they hold rather than keep it), ``DTSTAMP``/``LAST-MODIFIED`` from the row.
"""

import datetime as dt
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import QuerySet
from icalendar import Calendar, Event

from accounts.models import Role, User
from marketplace.models import Booking, BookingStatus, CalendarFeed
from marketplace.services.calendar import token_hash

# Bookings that ended longer ago than this are left out: the feed stays small.
HISTORY = dt.timedelta(days=365)


def feed_owner(token: str) -> User | None:
    """The user whose feed ``token`` opens, or ``None`` (unknown, rotated or revoked)."""
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(token_hash=token_hash(token), user__is_active=True, user__deleted_at__isnull=True)
        .first()
    )
    return feed.user if feed else None


def feed_bookings(user: User, *, now: dt.datetime) -> QuerySet[Booking]:
    bookings = Booking.objects.select_related("gig", "artist").filter(ends_at__gte=now - HISTORY)
    if user.role == Role.ARTIST:
        return bookings.filter(artist__user=user).order_by("starts_at", "id")
    if user.role == Role.VENUE:
        return bookings.filter(gig__venue__user=user).order_by("starts_at", "id")
    return bookings.none()


def feed_ics(user: User, *, now: dt.datetime) -> bytes:
    host = urlsplit(settings.SITE_URL).hostname or "umbrella"
    calendar = Calendar()
    calendar.add("prodid", "-//Umbrella//Bookings//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "Umbrella bookings")
    as_venue = user.role == Role.VENUE
    for booking in feed_bookings(user, now=now):
        gig = booking.gig
        zone = ZoneInfo(gig.timezone)
        event = Event()
        event.add("uid", f"booking-{booking.pk}@{host}")
        event.add("dtstamp", booking.updated_at)
        event.add("last-modified", booking.updated_at)
        event.add("dtstart", booking.starts_at.astimezone(zone))
        event.add("dtend", booking.ends_at.astimezone(zone))
        who = booking.artist.stage_name if as_venue else gig.venue_name
        event.add("summary", f"{gig.title} · {who}")
        place = [gig.venue_name, gig.location_address, gig.location_city, gig.location_state]
        event.add("location", ", ".join(part for part in place if part))
        cancelled = booking.status == BookingStatus.CANCELLED
        event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        event.add("sequence", 1 if cancelled else 0)
        if cancelled and booking.cancel_reason:
            event.add("description", f"Cancelled: {booking.cancel_reason}")
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
