"""Demo marketplace: five venues in four cities, their gigs (some urgent), applications in every
state, a cancelled gig and a cancelled booking, and past bookings completed and reviewed both
ways. Everything goes through the services (so every count, rating and notification is real),
with one exception: services refuse dates in the past, so a past gig is posted in the future,
booked, then moved back in time (``_into_the_past``) before it is completed and reviewed.

Idempotent: a gig's whole story is told in the run that posts it; a gig already there (same
venue, same title) is left alone. Runs after ``artists.demo`` (settings.DEMO_SEEDERS).
"""

import datetime as dt
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Avg, Count, Sum
from django.utils import timezone

from accounts.demo import ensure_user
from accounts.models import Role, User
from artists.demo import ARTISTS
from artists.models import ArtistProfile
from marketplace import services
from marketplace.models import (
    Application,
    ApplicationStatus,
    Booking,
    BookingStatus,
    Gig,
    Review,
    SavedSearch,
    Side,
    Unavailability,
    VenueProfile,
)
from marketplace.services.gigs import gig_times
from umbrella.errors import ApplicationError

VENUES: list[dict[str, Any]] = [
    {"email": "venue@demo.umbrella.test", "name": "The Blue Lantern", "address": "401 Red River St", "city": "Austin", "state": "TX", "country": "US", "timezone": "America/Chicago", "capacity": 250, "genres": ["indie", "folk", "country", "blues"]},
    {"email": "venue2@demo.umbrella.test", "name": "Crescent Hall", "address": "1100 Frenchmen St", "city": "New Orleans", "state": "LA", "country": "US", "timezone": "America/Chicago", "capacity": 400, "genres": ["jazz", "funk", "soul", "latin"]},
    {"email": "venue3@demo.umbrella.test", "name": "The Tin Roof Room", "address": "316 Broadway", "city": "Nashville", "state": "TN", "country": "US", "timezone": "America/Chicago", "capacity": 180, "genres": ["country", "rock", "folk", "blues"]},
    {"email": "venue4@demo.umbrella.test", "name": "Lakeshore Lounge", "address": "2200 N Clark St", "city": "Chicago", "state": "IL", "country": "US", "timezone": "America/Chicago", "capacity": 220, "genres": ["blues", "jazz", "r&b", "soul"]},
    {"email": "venue5@demo.umbrella.test", "name": "The Arches", "address": "12 Arch Lane", "city": "London", "state": "", "country": "GB", "timezone": "Europe/London", "capacity": 600, "genres": ["house", "techno", "electronic", "indie"]},
]  # fmt: skip

# Upcoming gigs of each venue: (title, days from today, what happens). Day 2 and 5 are urgent.
UPCOMING = [
    ("Friday Late Show", 2, "pending"),
    ("Weekend Headliner", 5, "accepted"),
    ("Midweek Session", 9, "mixed"),
    ("Showcase Night", 16, "pending"),
    ("Season Opener", 24, "accepted_then_cancelled"),
    ("Open Call", 35, "none"),
]
PAST = [("Sunday Residency", 0), ("Spring Special", 1)]  # reviewed both ways
COMMENTS = {
    5: "Wonderful night: on time, great sound, the room loved it.",
    4: "A good night overall; a few small hiccups with the schedule.",
    3: "Fine, but communication could have been better.",
}


def _venue(spec: dict[str, Any]) -> tuple[User, VenueProfile]:
    user, _ = ensure_user(spec["email"], spec["name"], role=Role.VENUE)
    venue = VenueProfile.objects.filter(user=user).first()
    if venue is None or venue.onboarding_step < 2:
        steps = [
            {k: spec[k] for k in ("name", "address", "city", "state", "country", "timezone")},
            {
                "capacity": spec["capacity"],
                "genres_booked": spec["genres"],
                "about": f"{spec['name']} books live music in {spec['city']} most nights.",
            },
        ]
        for number, data in enumerate(steps, start=1):
            services.venue_onboarding_save_step(user=user, number=number, data=data)
        venue = VenueProfile.objects.get(user=user)
    user.refresh_from_db()
    return user, venue


def _post(user: User, venue: VenueProfile, title: str, days: int, genre: str, n: int) -> Gig:
    return services.gig_create(
        user=user,
        data={
            "title": title,
            "description": f"{genre.title()} at {venue.name}: a full room and a good PA.",
            "date": timezone.localdate() + dt.timedelta(days=days),
            "start_time": dt.time(20 + n % 2, 0),
            "end_time": dt.time(23, 30) if n % 3 else dt.time(1, 0),  # some late shows
            "genre": genre,
            "payment_amount": 30_000 + 10_000 * (n % 7),
            "payment_type": "flat" if n % 4 else "negotiable",
        },
    )


def _apply(artist: ArtistProfile, gig: Gig, rate: int | None = None) -> Application | None:
    try:
        return services.application_create(
            user=artist.user,
            gig_id=gig.pk,
            data={
                "pitch": f"{artist.stage_name} would love to play {gig.title}: "
                f"{artist.tagline or 'a set made for your room.'}",
                "proposed_rate": rate,
            },
        )
    except ApplicationError:  # booked that night: not every artist can apply everywhere
        return None


def _accept(user: User, application: Application | None) -> Booking | None:
    if application is None:
        return None
    try:
        return services.application_accept(user=user, application_id=application.pk)
    except ApplicationError:
        return None


def _into_the_past(gig: Gig, days_ago: int) -> None:
    """Services refuse past dates: move a booked future gig (and its booking) back in time."""
    date = timezone.localdate() - dt.timedelta(days=days_ago)
    starts_at, ends_at = gig_times(
        date=date, start=gig.start_time, end=gig.end_time, tz=gig.timezone
    )
    # (updated_at: the version gig cards are kept by, marketplace.filters.gig_cards)
    Gig.objects.filter(pk=gig.pk).update(
        date=date, starts_at=starts_at, ends_at=ends_at, updated_at=timezone.now()
    )
    Booking.objects.filter(gig=gig).update(starts_at=starts_at, ends_at=ends_at)
    Application.objects.filter(gig=gig).update(gig_starts_at=starts_at)


def _upcoming(v: int, user: User, venue: VenueProfile, artists: list[ArtistProfile]) -> int:
    posted = 0
    for k, (title, days, story) in enumerate(UPCOMING):
        if Gig.objects.filter(venue=venue, title=title).exists():
            continue
        gig = _post(user, venue, title, days + v, venue.genres_booked[k % 4], v + k)
        posted += 1
        if story == "none":
            continue
        picks = [artists[(v * 3 + k + j) % len(artists)] for j in range(3)]
        apps = [_apply(a, gig, None if j else gig.payment_amount) for j, a in enumerate(picks)]
        if story == "mixed" and apps[0] and apps[1]:
            services.application_withdraw(user=apps[0].artist.user, application_id=apps[0].pk)
            services.application_reject(user=user, application_id=apps[1].pk, reason="Full.")
        elif story == "accepted":
            _accept(user, apps[0])
        elif story == "accepted_then_cancelled":
            booking = _accept(user, apps[0])
            if booking is not None and v % 2 == 0:
                who = picks[0].user if v == 0 else user
                services.booking_cancel(user=who, booking_id=booking.pk, reason="Double-booked.")
        if v == 3 and k == 0:
            services.gig_cancel(user=user, gig_id=gig.pk, reason="The roof needs repairs.")
    return posted


def _past(v: int, user: User, venue: VenueProfile, artists: list[ArtistProfile]) -> int:
    done = 0
    for n, (title, _) in enumerate(PAST):
        if Gig.objects.filter(venue=venue, title=title).exists():
            continue
        slot = v * len(PAST) + n  # 0..9: distinct days, so no artist is double-booked
        gig = _post(user, venue, title, 200 + slot * 3, venue.genres_booked[n], slot)
        chosen = artists[(slot * 5) % len(artists)]
        application = _apply(chosen, gig, gig.payment_amount)
        _apply(artists[(slot * 5 + 1) % len(artists)], gig)  # turned down by the accept
        booking = _accept(user, application)
        if booking is None:
            continue
        _into_the_past(gig, days_ago=4 + slot)
        services.gig_complete(gig_id=gig.pk)
        venue_rating, artist_rating = 5 - slot % 3, 5 - (slot + 1) % 3
        services.review_create(
            user=user,
            booking_id=booking.pk,
            data={"rating": venue_rating, "comment": COMMENTS[venue_rating]},
        )
        services.review_create(
            user=chosen.user,
            booking_id=booking.pk,
            data={"rating": artist_rating, "comment": COMMENTS[artist_rating]},
        )
        done += 1
    return done


def _artists_from_rows(artists: list[ArtistProfile]) -> None:
    """Demo databases seeded before the marketplace carry hand-set gig counts and ratings:
    make every demo artist's figures those of its real bookings and reviews."""
    for artist in artists:
        completed = Booking.objects.filter(artist=artist, status=BookingStatus.COMPLETED)
        gigs = completed.aggregate(n=Count("id"), fees=Sum("fee"))
        reviews = Review.objects.filter(
            artist=artist, side=Side.VENUE, published_at__isnull=False, hidden=False
        )
        figures = reviews.aggregate(avg=Avg("rating"), n=Count("id"))
        ArtistProfile.objects.filter(pk=artist.pk).update(
            total_gigs=gigs["n"],
            total_earnings=gigs["fees"] or 0,
            total_reviews=figures["n"],
            avg_rating=Decimal(figures["avg"] or 0).quantize(Decimal("0.01"), ROUND_HALF_UP),
        )


def _gig_finding(artist: ArtistProfile) -> None:
    """The first demo artist's saved search and a week off, so those pages show something
    (once: an artist who already has either is left alone)."""
    if not SavedSearch.objects.filter(artist=artist).exists():
        filters = {"genre": artist.primary_genre, "city": artist.location_city}
        filters = {name: value for name, value in filters.items() if value}
        services.saved_search_create(user=artist.user, filters=filters)
    if not Unavailability.objects.filter(artist=artist).exists():
        start = timezone.localdate() + dt.timedelta(days=40)
        services.unavailability_add(
            user=artist.user, start_date=start, end_date=start + dt.timedelta(days=6), note="Family"
        )


def seed(say: Callable[[str], None]) -> None:
    artists = list(
        ArtistProfile.objects.filter(user__email__in=[a["email"] for a in ARTISTS]).order_by("id")
    )
    if not artists:
        say("marketplace: no demo artists, nothing to book")
        return
    for v, spec in enumerate(VENUES):
        user, venue = _venue(spec)
        posted = _upcoming(v, user, venue, artists)
        completed = _past(v, user, venue, artists)
        say(f"venue    {venue.name:<22} {posted} gigs posted, {completed} completed now")
    _artists_from_rows(artists)
    nova = ArtistProfile.objects.filter(user__email=ARTISTS[0]["email"]).first()
    if nova is not None:
        _gig_finding(nova)
    summary = Gig.objects.filter(venue__user__email__in=[s["email"] for s in VENUES]).aggregate(
        n=Count("id")
    )
    statuses = sorted(
        set(Application.objects.values_list("status", flat=True)) & set(ApplicationStatus.values)
    )
    say(f"marketplace: {summary['n']} demo gigs; applications {', '.join(statuses)}")
