"""What the marketplace tells people, and where the link goes: the kinds it registers with
``accounts.notifications`` and one small function per kind, called by the services inside their
transaction (``notify`` writes the row there; the email goes after commit).

Links: to the page the notification is about (a venue's applicant review
``/venue/gigs/12/applicants/``, an artist's ``/applications/``, a gig's ``/gigs/12/``, the
bookings ``/bookings/``, a booking's reviews ``/bookings/12/reviews/``, a venue's public page
``/venues/<slug>/``). Built with ``reverse`` here and nowhere else.
"""

from collections.abc import Iterable

from django.urls import reverse

from accounts.models import User
from accounts.notifications import notify, register_kind
from marketplace.models import Gig

# verb, label (the preferences page), emailed unless the user chose otherwise
KINDS: tuple[tuple[str, str, bool], ...] = (
    ("application.received", "Someone applied to one of your gigs", True),
    ("application.withdrawn", "An artist withdrew their application to your gig", False),
    ("application.accepted", "A venue accepted your application: you are booked", True),
    ("application.rejected", "A venue turned down your application", False),
    ("gig.cancelled", "A gig you applied to or are booked for is cancelled", True),
    ("booking.cancelled", "The other side cancelled a booking", True),
    ("review.requested", "A gig is over: time to review it", True),
    ("reviews.published", "The reviews of a gig are published", True),
    ("review.replied", "Someone replied to your review", False),
    ("venue.verified", "Your venue is verified", True),
    ("saved_search.digest", "New gigs that match your saved searches (once a day)", True),
)


def register_kinds() -> None:
    for verb, label, email in KINDS:
        register_kind(verb, label, email_default=email)


def _url(name: str, **kwargs: int) -> str:
    return reverse(name, kwargs=kwargs or None)


def _when(gig: Gig) -> str:
    return f"{gig.date:%a %d %b}"


def application_received(venue_user: User, *, gig: Gig, artist_name: str) -> None:
    notify(
        venue_user,
        verb="application.received",
        target_url=_url("venue-applicants", gig_id=gig.pk),
        text=f"{artist_name} applied to “{gig.title}” on {_when(gig)}.",
    )


def application_withdrawn(venue_user: User, *, gig: Gig, artist_name: str) -> None:
    notify(
        venue_user,
        verb="application.withdrawn",
        target_url=_url("venue-applicants", gig_id=gig.pk),
        text=f"{artist_name} withdrew their application to “{gig.title}” on {_when(gig)}.",
    )


def application_accepted(artist_user: User, *, gig: Gig) -> None:
    notify(
        artist_user,
        verb="application.accepted",
        target_url=_url("bookings"),
        text=f"{gig.venue_name} booked you for “{gig.title}” on {_when(gig)}.",
    )


def applications_rejected(artist_users: Iterable[User], *, gig: Gig) -> None:
    for user in artist_users:
        notify(
            user,
            verb="application.rejected",
            target_url=_url("my-applications"),
            text=f"{gig.venue_name} went with another artist for “{gig.title}” on {_when(gig)}.",
        )


def gig_cancelled(users: Iterable[User], *, gig: Gig) -> None:
    for user in users:
        notify(
            user,
            verb="gig.cancelled",
            target_url=_url("gig-detail", gig_id=gig.pk),
            text=f"{gig.venue_name} cancelled “{gig.title}” on {_when(gig)}.",
        )


def booking_cancelled(user: User, *, gig: Gig, by_name: str) -> None:
    notify(
        user,
        verb="booking.cancelled",
        target_url=_url("bookings"),
        text=f"{by_name} cancelled the booking for “{gig.title}” on {_when(gig)}.",
    )


def review_requested(users: Iterable[User], *, gig: Gig, booking_id: int) -> None:
    for user in users:
        notify(
            user,
            verb="review.requested",
            target_url=_url("booking-reviews", booking_id=booking_id),
            text=f"How did “{gig.title}” at {gig.venue_name} go? Write your review.",
        )


def reviews_published(users: Iterable[User], *, gig_title: str, booking_id: int) -> None:
    for user in users:
        notify(
            user,
            verb="reviews.published",
            target_url=_url("booking-reviews", booking_id=booking_id),
            text=f"The reviews of “{gig_title}” are published.",
        )


def review_replied(author: User, *, gig_title: str, booking_id: int, by_name: str) -> None:
    notify(
        author,
        verb="review.replied",
        target_url=_url("booking-reviews", booking_id=booking_id),
        text=f"{by_name} replied to your review of “{gig_title}”.",
    )


def venue_verified(venue_user: User, *, venue_name: str, slug: str) -> None:
    notify(
        venue_user,
        verb="venue.verified",
        target_url=reverse("venue-public", kwargs={"slug": slug}),
        text=f"{venue_name} is verified: artists now see the badge on your venue.",
    )


def saved_search_digest(
    artist_user: User, *, found: list[tuple[str, list[tuple[str, str]]]], total: int, link: str
) -> None:
    """The daily digest: ``found`` is each saved search's name with its new gigs (title, day),
    ``total`` the new gigs counted once. The text names as many as fit (``notify`` cuts it)."""
    parts = [
        f"“{name}”: " + ", ".join(f"{title} ({day})" for title, day in gigs) for name, gigs in found
    ]
    noun = "gig" if total == 1 else "gigs"
    notify(
        artist_user,
        verb="saved_search.digest",
        target_url=link,
        text=f"{total} new {noun} for your saved searches. " + " · ".join(parts),
    )
