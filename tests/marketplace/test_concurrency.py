"""Races on PostgreSQL: many requests at once never make a duplicate application, two
bookings of one gig, or two overlapping bookings of one artist."""

import itertools
import threading

import pytest
from django.db import connection

from marketplace import services
from marketplace.models import Application, Booking, Gig
from tests.artists.factories import ArtistProfileFactory
from tests.concurrency import run_together
from tests.marketplace.factories import GigFactory, VenueProfileFactory
from umbrella.errors import ApplicationError

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def codes(results: list) -> list[str]:
    """What each call ended with: "ok", an ApplicationError's code, or the exception's type."""
    out = []
    for result in results:
        if isinstance(result, ApplicationError):
            out.append(result.code)
        elif isinstance(result, Exception):
            out.append(type(result).__name__)
        else:
            out.append("ok")
    return sorted(out)


def test_the_double_booking_constraint_exists():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_constraint WHERE conname = 'booking_no_overlap_per_artist'"
        )
        assert cursor.fetchone() == (1,)


def test_fifty_simultaneous_applications_by_one_artist_make_one_row():
    gig = GigFactory()
    artist = ArtistProfileFactory()

    results = run_together(
        lambda: services.application_create(
            user=artist.user, gig_id=gig.pk, data={"pitch": "Pick us"}
        ),
        50,
    )

    assert codes(results) == ["already_applied"] * 49 + ["ok"]
    assert Application.objects.filter(gig=gig, artist=artist).count() == 1


def test_two_concurrent_accepts_on_one_gig_make_one_booking():
    gig = GigFactory()
    applications = [
        services.application_create(user=ArtistProfileFactory().user, gig_id=gig.pk, data={})
        for _ in range(2)
    ]
    queue, lock = iter(applications), threading.Lock()

    def accept():
        with lock:
            application = next(queue)
        return services.application_accept(user=gig.venue.user, application_id=application.pk)

    results = run_together(accept, 2)

    assert codes(results) == ["application_not_pending", "ok"]
    assert Booking.objects.filter(gig=gig).count() == 1
    assert Application.objects.filter(gig=gig, status="accepted").count() == 1
    assert Application.objects.filter(gig=gig, status="rejected").count() == 1
    assert Gig.objects.get(pk=gig.pk).status == "filled"


def test_the_same_application_accepted_twice_at_once_books_once():
    gig = GigFactory()
    application = services.application_create(
        user=ArtistProfileFactory().user, gig_id=gig.pk, data={}
    )

    results = run_together(
        lambda: services.application_accept(user=gig.venue.user, application_id=application.pk), 4
    )

    assert codes(results) == ["application_not_pending"] * 3 + ["ok"]
    assert Booking.objects.count() == 1


def test_one_artist_accepted_on_overlapping_gigs_of_two_venues_at_once_is_booked_once():
    artist = ArtistProfileFactory()
    first = GigFactory(venue=VenueProfileFactory())
    second = GigFactory(venue=VenueProfileFactory(), date=first.date)  # same evening
    applications = [
        services.application_create(user=artist.user, gig_id=gig.pk, data={})
        for gig in (first, second)
    ]
    queue, lock = iter(applications), threading.Lock()

    def accept():
        with lock:
            application = next(queue)
        return services.application_accept(
            user=application.gig.venue.user, application_id=application.pk
        )

    results = run_together(accept, 2)

    assert codes(results) == ["artist_double_booked", "ok"]
    assert Booking.objects.filter(artist=artist, status="active").count() == 1
    statuses = sorted(
        Gig.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True)
    )
    assert statuses == ["filled", "open"]


def test_accepts_and_withdrawals_racing_on_one_gig_end_consistent():
    """Accepting while applicants withdraw: no deadlock, one booking at most, and the
    booked application is the accepted one."""
    gig = GigFactory()
    artists = [ArtistProfileFactory() for _ in range(6)]
    applications = [
        services.application_create(user=a.user, gig_id=gig.pk, data={}) for a in artists
    ]
    calls = itertools.chain(
        (
            lambda a=a: services.application_withdraw(user=a.artist.user, application_id=a.pk)
            for a in applications[1:]
        ),
        [
            lambda: services.application_accept(
                user=gig.venue.user, application_id=applications[0].pk
            )
        ],
    )
    queue, lock = iter(list(calls)), threading.Lock()

    def run():
        with lock:
            call = next(queue)
        return call()

    results = run_together(run, len(applications))

    assert "OperationalError" not in codes(results)  # no deadlock
    booking = Booking.objects.get(gig=gig)
    assert booking.application_id == applications[0].pk
    assert Application.objects.filter(gig=gig, status="pending").count() == 0
