"""Completing ended gigs: exact artist totals, idempotent, safe when run twice at once."""

import datetime as dt

import pytest

from artists.models import ArtistProfile
from marketplace import services
from marketplace.models import Booking, Gig, StatusChange
from marketplace.tasks import complete_due_gigs_task
from tests.artists.factories import ArtistProfileFactory
from tests.concurrency import run_together
from tests.marketplace.factories import GigFactory


def booked(gig: Gig, *, rate: int | None = None) -> Booking:
    artist = ArtistProfileFactory()
    data = {"proposed_rate": rate} if rate is not None else {}
    application = services.application_create(user=artist.user, gig_id=gig.pk, data=data)
    return services.application_accept(user=gig.venue.user, application_id=application.pk)


def totals(artist_id: int) -> tuple[int, int]:
    artist = ArtistProfile.objects.get(pk=artist_id)
    return artist.total_gigs, artist.total_earnings


def end_in_the_past(*gigs: Gig) -> None:
    shift = dt.timedelta(days=30)
    for gig in gigs:
        Gig.objects.filter(pk=gig.pk).update(
            starts_at=gig.starts_at - shift, ends_at=gig.ends_at - shift
        )
        Booking.objects.filter(gig=gig).update(
            starts_at=gig.starts_at - shift, ends_at=gig.ends_at - shift
        )


@pytest.mark.django_db
def test_a_filled_gig_is_completed_once_it_has_ended(gig):
    booking = booked(gig, rate=42_000)
    assert services.gig_complete(gig_id=gig.pk, now=gig.ends_at - dt.timedelta(minutes=1)) is False
    assert Gig.objects.get(pk=gig.pk).status == "filled"

    assert services.gig_complete(gig_id=gig.pk, now=gig.ends_at) is True
    assert services.gig_complete(gig_id=gig.pk, now=gig.ends_at) is False  # idempotent

    booking.refresh_from_db()
    assert (Gig.objects.get(pk=gig.pk).status, booking.status) == ("completed", "completed")
    assert totals(booking.artist_id) == (1, 42_000)
    assert [(c.subject, c.from_status, c.to_status, c.by) for c in
            StatusChange.objects.filter(gig=gig).order_by("id")][-2:] == [
        ("gig", "filled", "completed", None),
        ("booking", "active", "completed", None),
    ]  # fmt: skip


@pytest.mark.django_db
def test_only_filled_gigs_complete_and_the_task_counts_them(venue):
    filled = [GigFactory(venue=venue) for _ in range(3)]
    bookings = [booked(g) for g in filled]
    still_open = GigFactory(venue=venue)
    cancelled = GigFactory(venue=venue)
    services.gig_cancel(user=venue.user, gig_id=cancelled.pk, reason="Closed")
    future = GigFactory(venue=venue)
    booked(future)
    end_in_the_past(*filled, still_open, cancelled)

    assert complete_due_gigs_task.delay().get() == 3
    assert complete_due_gigs_task.delay().get() == 0

    statuses = dict(Gig.objects.values_list("pk", "status"))
    assert [statuses[g.pk] for g in filled] == ["completed"] * 3
    assert (statuses[still_open.pk], statuses[cancelled.pk], statuses[future.pk]) == (
        "open",
        "cancelled",
        "filled",
    )
    assert [totals(b.artist_id) for b in bookings] == [(1, 50_000)] * 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_completion_run_four_times_at_once_counts_each_gig_once():
    artist = ArtistProfileFactory()
    gigs = [GigFactory(date=GigFactory().date + dt.timedelta(days=i)) for i in range(5)]
    for gig in gigs:
        application = services.application_create(user=artist.user, gig_id=gig.pk, data={})
        services.application_accept(user=gig.venue.user, application_id=application.pk)
    end_in_the_past(*gigs)

    results = run_together(lambda: services.gigs_complete_due(), 4)

    assert sum(results) == 5
    assert totals(artist.pk) == (5, 5 * 50_000)
