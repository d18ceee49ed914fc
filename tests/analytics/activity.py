"""Hand-built activity at chosen instants, for the rollup tests: each helper writes the rows a
service would have written, then moves their timestamps to the instant given (the services
stamp "now"), so a test can put an event one microsecond either side of a UTC midnight."""

import datetime as dt
import itertools

from accounts.models import User
from artists.models import ArtistProfile, ProfileView
from marketplace.models import (
    Application,
    ApplicationStatus,
    Booking,
    BookingStatus,
    Gig,
    Review,
    Side,
    StatusChange,
    Subject,
    VenueProfile,
)
from messaging.models import (
    Campaign,
    ConsentEvent,
    ContactList,
    ContactMember,
    Conversation,
    Delivery,
    Message,
)
from tests.marketplace.factories import GigFactory

_n = itertools.count(1)

D1 = dt.date(2024, 2, 28)  # a day in the past, and the two after it (2024 is a leap year)
D2 = dt.date(2024, 2, 29)
D3 = dt.date(2024, 3, 1)


def at(day: dt.date, hour: int = 12, minute: int = 0, second: int = 0, us: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, second, us, tzinfo=dt.UTC)


def midnight(day: dt.date) -> dt.datetime:
    return at(day, 0)


def last_instant(day: dt.date) -> dt.datetime:
    """The last microsecond of a UTC day."""
    return midnight(day + dt.timedelta(days=1)) - dt.timedelta(microseconds=1)


def view(artist: ArtistProfile, day: dt.date, viewer: str | None = None) -> ProfileView:
    return ProfileView.objects.create(
        artist=artist, day=day, viewer_key=viewer or f"a:viewer-{next(_n)}"
    )


def gig(venue: VenueProfile, when: dt.datetime | None = None) -> Gig:
    """A gig of ``venue``, posted at ``when`` (its date is far from any other's)."""
    made = GigFactory(venue=venue, date=dt.date(2030, 1, 1) + dt.timedelta(days=next(_n)))
    if when is not None:
        Gig.objects.filter(pk=made.pk).update(created_at=when)
    return made


def application(
    artist: ArtistProfile, the_gig: Gig, when: dt.datetime, status: str = "pending"
) -> Application:
    made = Application.objects.create(
        gig=the_gig, gig_starts_at=the_gig.starts_at, artist=artist, status=status
    )
    Application.objects.filter(pk=made.pk).update(created_at=when)
    made.refresh_from_db()
    return made


def answer(app: Application, when: dt.datetime, to: str = ApplicationStatus.REJECTED) -> None:
    """The venue accepts or rejects a pending application at ``when`` (the audit row)."""
    Application.objects.filter(pk=app.pk).update(status=to)
    change = StatusChange.objects.create(
        gig=app.gig,
        subject=Subject.APPLICATION,
        application=app,
        from_status=ApplicationStatus.PENDING,
        to_status=to,
    )
    StatusChange.objects.filter(pk=change.pk).update(created_at=when)


def booking(
    artist: ArtistProfile,
    venue: VenueProfile,
    *,
    made: dt.datetime,
    completed: dt.datetime | None = None,
    fee: int = 50_000,
) -> Booking:
    """A booking of ``artist`` at ``venue`` made (accepted) at ``made``, completed at
    ``completed`` if given."""
    the_gig = gig(venue)
    app = application(artist, the_gig, made - dt.timedelta(hours=5), ApplicationStatus.ACCEPTED)
    done = completed is not None
    row = Booking.objects.create(
        gig=the_gig,
        artist=artist,
        application=app,
        starts_at=the_gig.starts_at,
        ends_at=the_gig.ends_at,
        fee=fee,
        status=BookingStatus.COMPLETED if done else BookingStatus.ACTIVE,
        completed_at=completed,
    )
    Booking.objects.filter(pk=row.pk).update(created_at=made)
    row.refresh_from_db()
    return row


def review(
    the_booking: Booking,
    *,
    side: str,
    rating: int,
    published: dt.datetime | None,
    hidden: bool = False,
) -> Review:
    """A review of the booking's artist (``side`` venue) or venue (``side`` artist)."""
    return Review.objects.create(
        booking=the_booking,
        gig=the_booking.gig,
        artist=the_booking.artist,
        venue=the_booking.gig.venue,
        side=side,
        rating=rating,
        published_at=published,
        hidden=hidden,
    )


def review_of_artist(b: Booking, rating: int, published: dt.datetime | None) -> Review:
    return review(b, side=Side.VENUE, rating=rating, published=published)


def message(sender: User, to: User, when: dt.datetime) -> Message:
    low, high = sorted([sender, to], key=lambda u: u.pk)
    conversation, _ = Conversation.objects.get_or_create(user_low=low, user_high=high)
    made = Message.objects.create(conversation=conversation, sender=sender, content="Hello")
    Message.objects.filter(pk=made.pk).update(created_at=when)
    return made


def fan_list(artist: ArtistProfile) -> ContactList:
    n = next(_n)
    return ContactList.objects.create(artist=artist, name=f"List {n}", signup_token=f"tok{n}")


def fan_joins(contact_list: ContactList, when: dt.datetime) -> ContactMember:
    return ContactMember.objects.create(
        contact_list=contact_list,
        email=f"fan{next(_n)}@example.com",
        source="manual",
        consent_at=when,
        opted_in=True,
    )


def fan_leaves(artist: ArtistProfile, when: dt.datetime, kind: str = "unsubscribed") -> None:
    ConsentEvent.objects.create(
        artist=artist, email=f"gone{next(_n)}@example.com", kind=kind, at=when
    )


def campaign_send(artist: ArtistProfile, when: dt.datetime, count: int = 1) -> Campaign:
    made = Campaign.objects.create(
        artist=artist, channel="email", name=f"News {next(_n)}", subject="Hi", body="Hello"
    )
    for _ in range(count):
        n = next(_n)
        Delivery.objects.create(
            campaign=made,
            address=f"fan{n}@example.com",
            idempotency_key=f"key-{n}",
            next_attempt_at=when,
            status="sent",
            sent_at=when,
        )
    return made
