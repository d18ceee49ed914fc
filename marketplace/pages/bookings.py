"""Bookings and reviews pages, for artists and venues.

- ``/bookings/``: upcoming bookings (not ended yet, soonest first) or ``?when=past`` (latest
  first), paginated without a count; the other side with a link, the time in the venue's zone,
  the fee, the status; cancel (a confirm page with a reason) and the reviews of each booking.
- ``/bookings/<id>/reviews/``: write one's review of a completed booking, blind until both are
  in or the window has passed (nothing of the other side's is shown before); reply once,
  publicly, to the review of oneself once it is published.
- ``/bookings/calendar/``: make, rotate or revoke the private calendar feed URL, shown once.

Every change goes through :mod:`marketplace.services`, the same calls as the API; a service's
error is shown next to its field. Another user's booking is 404 and nothing changes.
"""

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.models import Role, User
from accounts.selectors import request_user
from marketplace import selectors, services
from marketplace.models import (
    REVIEW_WINDOW_DAYS,
    Booking,
    BookingStatus,
    CalendarFeed,
    Review,
    Side,
)
from marketplace.pages.booking_forms import BookingCancelForm, ReplyForm, ReviewForm
from umbrella.errors import ApplicationError, NotFoundError
from umbrella.forms import add_application_error
from umbrella.pagination import page_without_count

PAGE_SIZE = 20
WHEN = {"upcoming": False, "past": True}
REVIEW_WINDOW = dt.timedelta(days=REVIEW_WINDOW_DAYS)
CANCELLED_BY: dict[str, str] = {
    Side.ARTIST: "the artist",
    Side.VENUE: "the venue",
    Side.STAFF: "Umbrella staff",
}

View = Callable[..., HttpResponse]


def booking_page(view: View) -> View:
    """Signed in, as an artist or a venue (the two sides of a booking); the view gets the user."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request_user(request)
        if user.role not in (Role.ARTIST, Role.VENUE):
            messages.info(request, "Bookings are for artist and venue accounts.")
            return redirect("dashboard")
        return view(request, user, *args, **kwargs)

    return wrapped


# --- how a booking reads ----------------------------------------------------------------------


def dollars(cents: int) -> str:
    whole, part = divmod(cents, 100)
    return f"${whole:,}" if not part else f"${whole:,}.{part:02d}"


def local_text(moment: dt.datetime, zone: str) -> str:
    """``Sat 12 Dec 2026, 20:00 CST`` in the venue's zone (formatted here: the template's
    ``date`` filter would convert to the site's zone)."""
    local = moment.astimezone(ZoneInfo(zone))
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M} {local.tzname()}"


def when_text(booking: Booking) -> str:
    """The gig's time in the venue's zone: ``Sat 12 Dec 2026, 20:00 to 23:00 CST``; a late show
    says ``01:00 the next day``."""
    zone = ZoneInfo(booking.gig.timezone)
    start, end = booking.starts_at.astimezone(zone), booking.ends_at.astimezone(zone)
    ends = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%H:%M} the next day"
    return f"{start:%a} {start.day} {start:%b %Y, %H:%M}\N{EN DASH}{ends} {start.tzname()}"


def status_text(booking: Booking, now: dt.datetime) -> str:
    if booking.status == BookingStatus.CANCELLED:
        return f"Cancelled by {CANCELLED_BY.get(booking.cancelled_by, 'someone')}"
    if booking.status == BookingStatus.COMPLETED:
        return "Completed"
    if booking.starts_at > now:
        return "Booked"
    if booking.ends_at > now:
        return "On now"
    return "Played, awaiting completion"


def review_state(booking: Booking, now: dt.datetime) -> dict[str, Any] | None:
    """Where the user's review of a completed booking stands, from their own review only (the
    other side's stays blind): ``open``, ``waiting`` (one's own is in, both hidden), ``published``,
    ``closed``. ``None`` before completion."""
    if booking.status != BookingStatus.COMPLETED or booking.completed_at is None:
        return None
    deadline = booking.completed_at + REVIEW_WINDOW
    published = getattr(booking, "my_review_published_at", None)
    written = getattr(booking, "my_review_id", None)
    if published is not None:
        state = "published"
    elif written is not None:
        state = "waiting"
    elif now <= deadline:
        state = "open"
    else:
        state = "closed"
    return {"state": state, "deadline": local_text(deadline, booking.gig.timezone)}


def booking_row(booking: Booking, *, as_venue: bool, now: dt.datetime) -> dict[str, Any]:
    """A booking as the page shows it to one side: the other side, with a link to their page."""
    gig = booking.gig
    other: dict[str, str | None]
    if as_venue:
        other = {
            "role": "Artist",
            "name": booking.artist.stage_name,
            "url": reverse("artist-public", args=[booking.artist.slug]),
        }
    else:  # a deactivated venue has no public page: its name, unlinked
        public = getattr(booking, "venue_public", False)
        url = reverse("venue-public", args=[gig.venue.slug]) if public else None
        other = {"role": "Venue", "name": gig.venue.name, "url": url}
    return {
        "id": booking.pk,
        "gig_id": gig.pk,
        "title": gig.title,
        "place": ", ".join(p for p in (gig.venue_name, gig.location_city) if p),
        "other": other,
        "when": when_text(booking),
        "fee": dollars(booking.fee),
        "status": booking.status,
        "status_text": status_text(booking, now),
        "cancel_reason": booking.cancel_reason,
        "cancelled_at": (
            local_text(booking.cancelled_at, gig.timezone) if booking.cancelled_at else ""
        ),
        "can_cancel": booking.status == BookingStatus.ACTIVE and booking.starts_at > now,
        "review": review_state(booking, now),
    }


def _page_number(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")
    return min(int(raw), 10_000) if raw.isdigit() and int(raw) > 0 else 1


def _own_booking(user: User, booking_id: int) -> Booking:
    """One of the user's bookings; anyone else's (or none) is 404."""
    booking = (
        selectors.bookings_of(user=user).select_related("gig__venue").filter(pk=booking_id).first()
    )
    if booking is None:
        raise Http404("No such booking.")
    return booking


# --- the bookings list ------------------------------------------------------------------------


@booking_page
@require_safe
def bookings(request: HttpRequest, user: User) -> HttpResponse:
    """``/bookings/``: upcoming or (``?when=past``) past bookings; one query per page."""
    when = request.GET.get("when") or "upcoming"
    error = ""
    if when not in WHEN:  # a filter is validated input: refused, with the upcoming list
        error, when = "Show upcoming or past bookings.", "upcoming"
    page_number = _page_number(request)
    now = timezone.now()
    rows = selectors.bookings_listed(user=user, past=WHEN[when], now=now)
    found, has_next = page_without_count(rows, page=page_number, size=PAGE_SIZE)
    as_venue = user.role == Role.VENUE
    context = {
        "bookings": [booking_row(b, as_venue=as_venue, now=now) for b in found],
        "when": when,
        "when_error": error,
        "page_number": page_number,
        "has_next": has_next,
        "as_venue": as_venue,
    }
    return render(request, "marketplace/bookings/list.html", context, status=400 if error else 200)


@booking_page
@require_http_methods(["GET", "HEAD", "POST"])
def booking_cancel(request: HttpRequest, user: User, booking_id: int) -> HttpResponse:
    """``/bookings/<id>/cancel/``: the confirm step, with the reason the other side is told."""
    booking = _own_booking(user, booking_id)
    form = BookingCancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.booking_cancel(
                user=user, booking_id=booking.pk, reason=form.cleaned_data["reason"]
            )
        except NotFoundError as error:
            raise Http404("No such booking.") from error
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, f"The booking for “{booking.gig.title}” is cancelled.")
            return redirect("bookings")
    row = booking_row(booking, as_venue=user.role == Role.VENUE, now=timezone.now())
    return render(request, "marketplace/bookings/cancel.html", {"booking": row, "form": form})


# --- reviews ----------------------------------------------------------------------------------


def _review_view(review: Review, zone: str) -> dict[str, Any]:
    return {
        "id": review.pk,
        "rating": review.rating,
        "stars": "★" * review.rating + "☆" * (5 - review.rating),
        "comment": review.comment,
        "reply": review.reply,
        "replied_at": local_text(review.replied_at, zone) if review.replied_at else "",
        "published": review.published_at is not None,
        "published_at": local_text(review.published_at, zone) if review.published_at else "",
        "hidden": review.hidden,
        "hidden_reason": review.hidden_reason,
    }


def _reviews_page(
    request: HttpRequest,
    user: User,
    booking: Booking,
    *,
    review_form: ReviewForm | None = None,
    reply_form: ReplyForm | None = None,
) -> HttpResponse:
    now = timezone.now()
    reviews = selectors.booking_reviews(user=user, booking_id=booking.pk)
    my_side = Side.VENUE if user.role == Role.VENUE else Side.ARTIST
    mine = next((r for r in reviews if r.side == my_side), None)
    # The selector gives the other side's review only once it is published and not hidden.
    theirs = next((r for r in reviews if r.side != my_side), None)
    booking.my_review_id = mine.pk if mine else None  # type: ignore[attr-defined]
    booking.my_review_published_at = mine.published_at if mine else None  # type: ignore[attr-defined]
    row = booking_row(booking, as_venue=my_side == Side.VENUE, now=now)
    state = row["review"]["state"] if row["review"] else None
    zone = booking.gig.timezone
    context = {
        "booking": row,
        "mine": _review_view(mine, zone) if mine else None,
        "theirs": _review_view(theirs, zone) if theirs else None,
        "review_form": review_form or ReviewForm(),
        "can_write": state == "open" or (review_form is not None and review_form.errors),
        "can_reply": theirs is not None and theirs.replied_at is None,
        "reply_form": reply_form or ReplyForm(),
    }
    return render(request, "marketplace/bookings/reviews.html", context)


@booking_page
@require_http_methods(["GET", "HEAD", "POST"])
def booking_reviews(request: HttpRequest, user: User, booking_id: int) -> HttpResponse:
    """``/bookings/<id>/reviews/``: the booking's reviews as this side may see them; POST
    writes this side's review (``review_create``)."""
    booking = _own_booking(user, booking_id)
    if request.method != "POST":
        return _reviews_page(request, user, booking)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            services.review_create(user=user, booking_id=booking.pk, data=form.cleaned_data)
        except NotFoundError as error:
            raise Http404("No such booking.") from error
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, "Thank you: your review is saved.")
            return redirect("booking-reviews", booking_id=booking.pk)
    return _reviews_page(request, user, booking, review_form=form)


@booking_page
@require_POST
def booking_review_reply(request: HttpRequest, user: User, booking_id: int) -> HttpResponse:
    """Reply once, publicly, to the other side's published review of this user."""
    booking = _own_booking(user, booking_id)
    my_side = Side.VENUE if user.role == Role.VENUE else Side.ARTIST
    reviews = selectors.booking_reviews(user=user, booking_id=booking.pk)
    theirs = next((r for r in reviews if r.side != my_side), None)
    if theirs is None:  # not written, not published yet, or hidden
        raise Http404("No review of you to reply to.")
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            services.review_reply(user=user, review_id=theirs.pk, reply=form.cleaned_data["reply"])
        except NotFoundError as error:
            raise Http404("No such review.") from error
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, "Your reply is published.")
            return redirect("booking-reviews", booking_id=booking.pk)
    return _reviews_page(request, user, booking, reply_form=form)


# --- the calendar feed ------------------------------------------------------------------------


def _calendar_page(
    request: HttpRequest, feed: CalendarFeed | None, url: str | None = None
) -> HttpResponse:
    created = local_text(feed.created_at, request_user(request).timezone) if feed else ""
    context = {"feed": feed, "created": created, "url": url}
    response = render(request, "marketplace/bookings/calendar.html", context)
    response["Cache-Control"] = "private, no-store"  # the page may hold the secret URL
    return response


@booking_page
@require_safe
def calendar_settings(request: HttpRequest, user: User) -> HttpResponse:
    """``/bookings/calendar/``: whether a feed is active (its URL is not kept, so not shown)."""
    return _calendar_page(request, CalendarFeed.objects.filter(user=user).first())


@booking_page
@require_POST
def calendar_rotate(request: HttpRequest, user: User) -> HttpResponse:
    """Make the feed, or a new URL for it (the old one stops working): shown this once."""
    feed, path = services.calendar_feed_rotate(user=user)
    return _calendar_page(request, feed, url=settings.SITE_URL + path)


@booking_page
@require_POST
def calendar_revoke(request: HttpRequest, user: User) -> HttpResponse:
    if services.calendar_feed_revoke(user=user):
        messages.success(request, "Your calendar feed is turned off: its URL no longer works.")
    else:
        messages.info(request, "You had no calendar feed.")
    return redirect("calendar-settings")
