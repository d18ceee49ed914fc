"""Applications, bookings and completion: the refusals, audit rows and edges that mutation
testing found untested (see docs/testing.md, "Mutation testing", marketplace). Behaviour only:
what a caller sees (code, message, status) and what is stored."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from accounts.models import Role
from accounts.permissions import OnboardingRequired
from artists.models import ArtistProfile
from marketplace import services
from marketplace.models import Application, Booking, Gig, StatusChange, Unavailability
from tests.accounts.factories import NewUserFactory
from tests.artists.factories import ArtistProfileFactory
from tests.marketplace.factories import GigFactory, VenueProfileFactory
from umbrella.errors import ApplicationError

pytestmark = pytest.mark.django_db


def refused(call) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        call()
    return caught.value


def book(gig: Gig, artist) -> Booking:
    application = services.application_create(user=artist.user, gig_id=gig.pk, data={})
    return services.application_accept(user=gig.venue.user, application_id=application.pk)


def status(model, pk: int) -> str:
    return model.objects.values_list("status", flat=True).get(pk=pk)


# --- applications -----------------------------------------------------------------------------


def test_acting_on_an_application_that_is_no_longer_pending_names_its_status(gig, artist):
    application = services.application_create(user=artist.user, gig_id=gig.pk, data={})
    services.application_withdraw(user=artist.user, application_id=application.pk)

    error = refused(
        lambda: services.application_reject(user=gig.venue.user, application_id=application.pk)
    )

    assert (error.code, error.status_code) == ("application_not_pending", 409)
    assert error.message == "The application is withdrawn."
    assert status(Application, application.pk) == "withdrawn"


def test_each_application_change_is_audited_with_who_which_rows_and_no_made_up_reason(gig):
    leaving, turned_down, chosen = (ArtistProfileFactory() for _ in range(3))
    left = services.application_create(user=leaving.user, gig_id=gig.pk, data={})
    rejected = services.application_create(user=turned_down.user, gig_id=gig.pk, data={})
    accepted = services.application_create(user=chosen.user, gig_id=gig.pk, data={})
    services.application_withdraw(user=leaving.user, application_id=left.pk)
    services.application_reject(user=gig.venue.user, application_id=rejected.pk)

    booking = services.application_accept(user=gig.venue.user, application_id=accepted.pk)

    rows = StatusChange.objects.filter(gig=gig).order_by("id")
    venue_user = gig.venue.user_id
    assert [
        (r.subject, r.from_status, r.to_status, r.by_id, r.application_id, r.booking_id, r.reason)
        for r in rows
    ] == [
        ("application", "", "pending", leaving.user_id, left.pk, None, ""),
        ("application", "", "pending", turned_down.user_id, rejected.pk, None, ""),
        ("application", "", "pending", chosen.user_id, accepted.pk, None, ""),
        ("application", "pending", "withdrawn", leaving.user_id, left.pk, None, ""),
        ("application", "pending", "rejected", venue_user, rejected.pk, None, ""),
        ("application", "pending", "accepted", venue_user, accepted.pk, None, ""),
        ("gig", "open", "filled", venue_user, None, None, ""),
        ("booking", "", "active", venue_user, None, booking.pk, ""),
    ]


def test_an_artists_own_refusals_speak_to_them_and_a_venues_name_the_artist(gig, artist):
    error = refused(lambda: services.application_withdraw(user=artist.user, application_id=999_999))
    assert (error.code, error.status_code, error.message) == (
        "not_found",
        404,
        "No such application.",
    )
    pending = services.application_create(user=artist.user, gig_id=gig.pk, data={})
    services.unavailability_add(user=artist.user, start_date=gig.date, end_date=gig.date)
    later = GigFactory(venue=gig.venue, date=gig.date)

    error = refused(lambda: services.application_create(user=artist.user, gig_id=later.pk, data={}))
    assert error.message == f"You marked {gig.date} as unavailable."
    error = refused(
        lambda: services.application_accept(user=gig.venue.user, application_id=pending.pk)
    )
    assert error.message == f"The artist marked {gig.date} as unavailable."

    Unavailability.objects.all().delete()
    services.application_accept(user=gig.venue.user, application_id=pending.pk)
    error = refused(lambda: services.application_create(user=artist.user, gig_id=later.pk, data={}))
    assert (error.code, error.message) == (
        "artist_double_booked",
        "You already have a booking at that time.",
    )


def test_applying_twice_or_to_a_gig_no_longer_open_says_why(gig, artist, venue):
    services.application_create(user=artist.user, gig_id=gig.pk, data={})

    error = refused(lambda: services.application_create(user=artist.user, gig_id=gig.pk, data={}))
    assert (error.code, error.status_code, error.message) == (
        "already_applied",
        409,
        "You have already applied to this gig.",
    )

    closed = GigFactory(venue=venue)
    services.gig_cancel(user=venue.user, gig_id=closed.pk, reason="Closed")
    error = refused(
        lambda: services.application_create(user=artist.user, gig_id=closed.pk, data={})
    )
    assert (error.code, error.status_code, error.message) == (
        "gig_not_open",
        409,
        "The gig is cancelled.",
    )


def test_applying_is_refused_from_the_instant_the_gig_starts(gig, artist):
    with time_machine.travel(gig.starts_at, tick=False):
        error = refused(
            lambda: services.application_create(user=artist.user, gig_id=gig.pk, data={})
        )

    assert (error.code, error.status_code, error.message) == (
        "gig_not_open",
        409,
        "The gig has already started.",
    )
    assert not Application.objects.exists()


def test_only_the_artists_own_unavailable_dates_around_the_gig_block_it(gig, artist):
    day = dt.timedelta(days=1)
    other = ArtistProfileFactory()
    services.unavailability_add(user=other.user, start_date=gig.date, end_date=gig.date)
    services.unavailability_add(
        user=artist.user, start_date=gig.date - 3 * day, end_date=gig.date - day
    )
    services.unavailability_add(
        user=artist.user, start_date=gig.date + day, end_date=gig.date + 3 * day
    )

    services.application_create(user=artist.user, gig_id=gig.pk, data={})

    assert Application.objects.filter(gig=gig, artist=artist).exists()


def test_an_artist_who_has_not_finished_onboarding_is_told_so(gig):
    half = ArtistProfileFactory(user__onboarding_complete=False, onboarding_step=3)

    error = refused(lambda: services.application_create(user=half.user, gig_id=gig.pk, data={}))

    assert (error.code, error.status_code) == ("onboarding_required", 403)
    assert error.message == OnboardingRequired.default_detail


def test_a_venue_is_told_about_the_artist_not_about_itself(gig, artist, other_venue):
    clash = GigFactory(venue=other_venue, date=gig.date)
    theirs = services.application_create(user=artist.user, gig_id=clash.pk, data={})
    book(gig, artist)

    error = refused(
        lambda: services.application_accept(user=other_venue.user, application_id=theirs.pk)
    )

    assert (error.code, error.message) == (
        "artist_double_booked",
        "The artist already has a booking at that time.",
    )


def test_accepting_stamps_the_applications_it_turns_down(gig):
    chosen, other = ArtistProfileFactory(), ArtistProfileFactory()
    mine = services.application_create(user=chosen.user, gig_id=gig.pk, data={})
    theirs = services.application_create(user=other.user, gig_id=gig.pk, data={})
    before = Application.objects.get(pk=theirs.pk).updated_at

    with time_machine.travel(timezone.now() + dt.timedelta(minutes=5)):
        services.application_accept(user=gig.venue.user, application_id=mine.pk)

    turned_down = Application.objects.get(pk=theirs.pk)
    assert turned_down.status == "rejected"
    assert turned_down.updated_at >= before + dt.timedelta(minutes=5)


# --- cancelling a booking ---------------------------------------------------------------------


def test_a_booking_cannot_be_cancelled_from_the_instant_the_gig_starts(gig, artist):
    booking = book(gig, artist)

    with time_machine.travel(booking.starts_at, tick=False):
        error = refused(
            lambda: services.booking_cancel(user=artist.user, booking_id=booking.pk, reason="Ill")
        )

    assert (error.code, error.status_code) == ("booking_started", 409)
    assert error.message == "The gig has started: it can't be cancelled now."
    assert (status(Booking, booking.pk), status(Gig, gig.pk)) == ("active", "filled")

    with time_machine.travel(booking.starts_at - dt.timedelta(seconds=1), tick=False):
        services.booking_cancel(user=artist.user, booking_id=booking.pk, reason="Ill")
    assert status(Booking, booking.pk) == "cancelled"


def test_cancelling_one_booking_touches_that_booking_and_its_gig_only():
    GigFactory.create_batch(3)  # so that booking, gig and venue ids differ
    artist = ArtistProfileFactory()
    first = book(GigFactory(), artist)
    second = book(GigFactory(date=first.gig.date + dt.timedelta(days=1)), artist)
    assert second.pk != second.gig_id

    services.booking_cancel(user=artist.user, booking_id=second.pk, reason="Double-booked")

    assert (status(Booking, second.pk), status(Gig, second.gig_id)) == ("cancelled", "open")
    assert (status(Booking, first.pk), status(Gig, first.gig_id)) == ("active", "filled")


def test_a_venue_with_bookings_of_its_own_still_cannot_cancel_another_venues(artist):
    mine = book(GigFactory(), ArtistProfileFactory())
    theirs = book(GigFactory(venue=VenueProfileFactory()), artist)

    error = refused(
        lambda: services.booking_cancel(
            user=mine.gig.venue.user, booking_id=theirs.pk, reason="Not mine"
        )
    )

    assert (error.code, error.status_code, error.message) == ("not_found", 404, "No such booking.")
    assert (status(Booking, theirs.pk), status(Booking, mine.pk)) == ("active", "active")


def test_a_booking_nobody_may_cancel_is_not_found_by_name(gig, artist):
    booking = book(gig, artist)
    for stranger in (NewUserFactory(role=Role.FAN), ArtistProfileFactory().user):
        error = refused(
            lambda u=stranger: services.booking_cancel(user=u, booking_id=booking.pk, reason="x")
        )
        assert (error.code, error.status_code, error.message) == (
            "not_found",
            404,
            "No such booking.",
        )


@pytest.mark.parametrize("side", ["artist", "venue"])
def test_a_cancelled_booking_is_audited_with_who_why_and_which_rows(gig, artist, side):
    booking = book(gig, artist)
    user = artist.user if side == "artist" else gig.venue.user

    services.booking_cancel(user=user, booking_id=booking.pk, reason="Van broke down")

    rows = StatusChange.objects.filter(gig=gig, reason="Van broke down").order_by("id")
    assert [(r.subject, r.by_id, r.booking_id, r.application_id) for r in rows] == [
        ("booking", user.pk, booking.pk, None),
        ("application", user.pk, None, booking.application_id),
        ("gig", user.pk, None, None),
    ]


# --- completion -------------------------------------------------------------------------------


def ended(gig: Gig, at: dt.datetime) -> Gig:
    """Move the gig (and its booking) so that it ends at ``at``."""
    shift = at - gig.ends_at
    Gig.objects.filter(pk=gig.pk).update(starts_at=gig.starts_at + shift, ends_at=at)
    Booking.objects.filter(gig=gig).update(starts_at=gig.starts_at + shift, ends_at=at)
    return Gig.objects.get(pk=gig.pk)


def test_a_batch_completes_the_longest_ended_gigs_first():
    now = timezone.now() + dt.timedelta(days=30)  # gigs are made ten days ahead
    later_ended, earlier_ended = GigFactory(), GigFactory()  # ids in the other order
    for gig, hours_ago in ((later_ended, 1), (earlier_ended, 5)):
        book(gig, ArtistProfileFactory())
        ended(gig, now - dt.timedelta(hours=hours_ago))

    assert services.gigs_complete_due(now=now, limit=1) == 1

    assert (status(Gig, earlier_ended.pk), status(Gig, later_ended.pk)) == ("completed", "filled")


def test_ended_gigs_that_cannot_complete_do_not_use_up_a_batch(venue):
    now = timezone.now() + dt.timedelta(days=30)  # gigs are made ten days ahead
    never_booked = ended(GigFactory(venue=venue), now - dt.timedelta(hours=9))
    cancelled = GigFactory(venue=venue)
    services.gig_cancel(user=venue.user, gig_id=cancelled.pk, reason="Closed")
    ended(cancelled, now - dt.timedelta(hours=8))
    filled = GigFactory(venue=venue)
    book(filled, ArtistProfileFactory())
    ended(filled, now - dt.timedelta(hours=1))

    assert services.gigs_complete_due(now=now, limit=1) == 1

    assert status(Gig, filled.pk) == "completed"
    assert (status(Gig, never_booked.pk), status(Gig, cancelled.pk)) == ("open", "cancelled")


def test_a_batch_completes_as_of_the_time_it_is_given(gig, artist):
    booking = book(gig, artist)  # the gig ends in ten days
    as_of = gig.ends_at + dt.timedelta(hours=1)

    assert services.gigs_complete_due(now=as_of) == 1

    booking.refresh_from_db()
    assert (booking.status, booking.completed_at) == ("completed", as_of)


def test_completing_a_gig_completes_its_own_active_booking_only():
    artist = ArtistProfileFactory()
    elsewhere = book(GigFactory(), artist)  # plays three days earlier, not completed yet
    gig = GigFactory(date=elsewhere.gig.date + dt.timedelta(days=3))
    dropped = book(gig, ArtistProfileFactory())
    services.booking_cancel(user=gig.venue.user, booking_id=dropped.pk, reason="Ill")
    stand_in = ArtistProfileFactory()
    booking = book(gig, stand_in)

    assert services.gig_complete(gig_id=gig.pk, now=gig.ends_at) is True

    assert [status(Booking, b.pk) for b in (booking, dropped, elsewhere)] == [
        "completed",
        "cancelled",
        "active",
    ]
    totals = dict(
        ArtistProfile.objects.filter(
            pk__in=[artist.pk, dropped.artist_id, stand_in.pk]
        ).values_list("pk", "total_gigs")
    )
    assert totals == {artist.pk: 0, dropped.artist_id: 0, stand_in.pk: 1}
    row = StatusChange.objects.get(gig=gig, subject="booking", to_status="completed")
    assert (row.booking_id, row.from_status) == (booking.pk, "active")
