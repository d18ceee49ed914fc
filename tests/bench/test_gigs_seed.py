"""The bench's marketplace data at a small size: seeded, then moved to a later day as a run on
another day moves it (``bench.gigs._reanchor``): every copy of a gig's times moves with it."""

import datetime as dt

import pytest
from django.db import connection

from bench import gigs, seed
from marketplace.models import Application, Booking, Gig

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _copies_agree() -> None:
    assert Application.objects.count() > 0
    assert Booking.objects.count() > 0
    for model in (Application, Booking):
        name = "gig_starts_at" if model is Application else "starts_at"
        rows = model.objects.values_list(name, "gig__starts_at")
        assert all(copy == starts for copy, starts in rows), model.__name__


def test_seeded_then_moved_days_later_with_every_copy_of_the_gigs_times():
    seed.seed_artists(40)
    made = gigs.seed_gigs(artists=40, venues=4, gigs=120)
    assert made == "bench gigs: created 120 gigs at 4 venues"
    _copies_agree()
    # Several bookings of one artist a few days apart: moved in one step, one would land on
    # another not moved yet (the exclusion constraint refused the move before it went far).
    artist = Booking.objects.values_list("artist", flat=True).first()
    gig = Gig.objects.filter(bookings__artist=artist).first()
    assert artist is not None and gig is not None
    for days in (3, 6):
        copy = Gig.objects.get(pk=gig.pk)
        copy.pk = None
        copy.starts_at = gig.starts_at + dt.timedelta(days=days)
        copy.ends_at = gig.ends_at + dt.timedelta(days=days)
        copy.save()
        Booking.objects.create(
            gig=copy,
            artist_id=artist,
            application=Application.objects.create(
                gig=copy, gig_starts_at=copy.starts_at, artist_id=artist, status="accepted"
            ),
            starts_at=copy.starts_at,
            ends_at=copy.ends_at,
            fee=100,
        )
    before = dict(Gig.objects.values_list("id", "starts_at"))
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE bench_marker SET value = %s WHERE name = %s",
            [
                (dt.date.fromisoformat(_anchor()) - dt.timedelta(days=3)).isoformat(),
                gigs.ANCHOR_KEY,
            ],
        )

    # (122: the two gigs added above count as bench gigs, at a bench venue)
    assert gigs.seed_gigs(artists=40, venues=4, gigs=122) == (
        "bench gigs: 122 there, dates moved by 3 day(s)"
    )

    after = dict(Gig.objects.values_list("id", "starts_at"))
    assert after == {pk: starts + dt.timedelta(days=3) for pk, starts in before.items()}
    _copies_agree()


def _anchor() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT value FROM bench_marker WHERE name = %s", [gigs.ANCHOR_KEY])
        return cursor.fetchone()[0]
