"""The marketplace services: every state change, its refusals and its audit rows."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from accounts.models import Role
from marketplace import selectors, services
from marketplace.models import (
    Application,
    Booking,
    Gig,
    StatusChange,
    Unavailability,
    VenueProfile,
)
from tests.accounts.factories import NewUserFactory
from tests.artists.factories import ArtistProfileFactory
from tests.marketplace.factories import GigFactory, VenueProfileFactory, in_days
from umbrella.errors import ApplicationError

pytestmark = pytest.mark.django_db

GIG = {
    "title": "Friday late show",
    "date": None,  # set per test
    "start_time": dt.time(21, 0),
    "end_time": dt.time(23, 30),
    "genre": "jazz",
    "payment_amount": 40_000,
    "payment_type": "flat",
}


def gig_data(**changes):
    return {**GIG, "date": in_days(14), **changes}


def refused(call, code: str, status: int | None = None) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        call()
    assert caught.value.code == code, caught.value.details
    if status is not None:
        assert caught.value.status_code == status
    return caught.value


def changes(gig: Gig) -> list[tuple[str, str, str]]:
    return [
        (c.subject, c.from_status, c.to_status)
        for c in StatusChange.objects.filter(gig=gig).order_by("id")
    ]


# --- venue onboarding -------------------------------------------------------------------------

STEP_1 = {"name": "The Blue Door", "city": "Austin", "country": "us", "timezone": "America/Chicago"}
STEP_2 = {"capacity": 250, "genres_booked": ["Jazz", "blues"], "phone": "+1 512 555 0100"}


def test_venue_onboarding_two_steps_complete_it():
    user = NewUserFactory(role=Role.VENUE)
    venue = services.venue_onboarding_save_step(user=user, number=1, data=STEP_1)
    assert (venue.slug, venue.country, venue.onboarding_step) == ("the-blue-door", "US", 1)
    user.refresh_from_db()
    assert not user.onboarding_complete

    venue = services.venue_onboarding_save_step(user=user, number=2, data=STEP_2)
    user.refresh_from_db()
    assert user.onboarding_complete
    assert venue.genres_booked == ["jazz", "blues"]
    assert VenueProfile.objects.get(user=user).capacity == 250


def test_venue_onboarding_refusals_save_nothing():
    user = NewUserFactory(role=Role.VENUE)
    refused(
        lambda: services.venue_onboarding_save_step(user=user, number=2, data=STEP_2),
        "step_out_of_order",
        409,
    )
    error = refused(
        lambda: services.venue_onboarding_save_step(
            user=user, number=1, data={**STEP_1, "timezone": "Mars/Olympus"}
        ),
        "validation_error",
    )
    assert "timezone" in error.details
    services.venue_onboarding_save_step(user=user, number=1, data=STEP_1)
    error = refused(
        lambda: services.venue_onboarding_save_step(
            user=user, number=2, data={**STEP_2, "genres_booked": ["polka-core"]}
        ),
        "validation_error",
    )
    assert "genres_booked" in error.details
    assert VenueProfile.objects.get(user=user).onboarding_step == 1
    artist_user = NewUserFactory(role=Role.ARTIST)
    refused(
        lambda: services.venue_onboarding_save_step(user=artist_user, number=1, data=STEP_1),
        "not_a_venue",
        403,
    )
    assert not VenueProfile.objects.filter(user=artist_user).exists()


# --- gigs -------------------------------------------------------------------------------------


def test_gig_create_reads_times_in_the_venue_time_zone_and_audits(venue):
    gig = services.gig_create(user=venue.user, data=gig_data())
    assert gig.status == "open"
    assert (gig.venue_name, gig.location_city, gig.timezone) == (
        venue.name,
        "Austin",
        venue.timezone,
    )
    in_utc = gig.starts_at.astimezone(dt.UTC)
    assert gig.starts_at == dt.datetime.combine(
        gig.date, dt.time(21, 0), tzinfo=ZoneInfo("America/Chicago")
    )
    assert in_utc.hour in (2, 3)  # 21:00 in Chicago is 02:00 or 03:00 UTC the next day
    assert gig.ends_at - gig.starts_at == dt.timedelta(hours=2, minutes=30)
    assert changes(gig) == [("gig", "", "open")]
    assert StatusChange.objects.get(gig=gig).by == venue.user


def test_an_end_before_the_start_ends_the_next_day(venue):
    gig = services.gig_create(
        user=venue.user, data=gig_data(start_time=dt.time(22, 0), end_time=dt.time(2, 0))
    )
    assert gig.ends_at - gig.starts_at == dt.timedelta(hours=4)
    assert gig.ends_at.astimezone(gig.starts_at.tzinfo).date() == gig.date + dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("changes_", "field"),
    [
        ({"payment_amount": -1}, "payment_amount"),
        ({"payment_amount": 100_000_001}, "payment_amount"),
        ({"end_time": dt.time(21, 0)}, "end_time"),
        # Two days back: one day back is still today west of UTC just after midnight UTC.
        ({"date": in_days(-2)}, "date"),
        ({"genre": "polka-core"}, "genre"),
        ({"payment_type": "barter"}, "payment_type"),
        ({"title": ""}, "title"),
        ({"date": dt.date(9999, 12, 31), "end_time": dt.time(1, 0)}, "date"),
        # 02:30 does not exist in Chicago that night (read as 03:30), so 03:10 would end first.
        (
            {
                "date": dt.date(2027, 3, 14),
                "start_time": dt.time(2, 30),
                "end_time": dt.time(3, 10),
            },
            "end_time",
        ),
    ],
)
def test_gig_create_refuses_bad_input_and_writes_nothing(venue, changes_, field):
    error = refused(
        lambda: services.gig_create(user=venue.user, data=gig_data(**changes_)),
        "validation_error",
        400,
    )
    assert field in error.details
    assert not Gig.objects.exists()
    assert not StatusChange.objects.exists()


def test_today_earlier_than_now_is_the_past(venue):
    now = timezone.now().astimezone(ZoneInfo(venue.timezone))
    if now.hour == 0:
        pytest.skip("just after midnight there is no earlier time today")
    data = gig_data(date=now.date(), start_time=dt.time(0, 0), end_time=dt.time(0, 30))
    error = refused(lambda: services.gig_create(user=venue.user, data=data), "validation_error")
    assert "date" in error.details


def test_only_an_onboarded_venue_posts_gigs(artist):
    refused(lambda: services.gig_create(user=artist.user, data=gig_data()), "not_a_venue", 403)
    half = VenueProfileFactory(user__onboarding_complete=False, onboarding_step=1)
    refused(
        lambda: services.gig_create(user=half.user, data=gig_data()), "onboarding_required", 403
    )
    assert not Gig.objects.exists()


def test_gig_update_while_open_only_and_only_by_its_venue(gig, other_venue):
    services.gig_update(user=gig.venue.user, gig_id=gig.pk, data={"title": "New title"})
    gig.refresh_from_db()
    assert gig.title == "New title"
    refused(
        lambda: services.gig_update(user=other_venue.user, gig_id=gig.pk, data={"title": "X"}),
        "not_found",
        404,
    )
    services.gig_cancel(user=gig.venue.user, gig_id=gig.pk, reason="Roof leak")
    refused(
        lambda: services.gig_update(user=gig.venue.user, gig_id=gig.pk, data={"title": "Y"}),
        "gig_not_open",
        409,
    )
    gig.refresh_from_db()
    assert gig.title == "New title"


def test_gig_update_recomputes_the_times(gig):
    services.gig_update(user=gig.venue.user, gig_id=gig.pk, data={"end_time": dt.time(1, 0)})
    gig.refresh_from_db()
    assert gig.ends_at - gig.starts_at == dt.timedelta(hours=5)


def test_applications_carry_their_gigs_start_and_move_with_it(gig):
    artist = ArtistProfileFactory()
    application = services.application_create(user=artist.user, gig_id=gig.pk, data={})
    assert application.gig_starts_at == gig.starts_at
    services.gig_update(user=gig.venue.user, gig_id=gig.pk, data={"title": "Same night"})
    services.gig_update(
        user=gig.venue.user, gig_id=gig.pk, data={"date": gig.date + dt.timedelta(days=9)}
    )
    gig.refresh_from_db()
    application.refresh_from_db()
    assert application.gig_starts_at == gig.starts_at
    assert gig.starts_at.date() > timezone.now().date() + dt.timedelta(days=8)


def test_cancelling_a_filled_gig_rejects_applicants_and_cancels_the_booking(gig):
    first, second, third = (ArtistProfileFactory() for _ in range(3))
    a1 = services.application_create(user=first.user, gig_id=gig.pk, data={"pitch": "Hi"})
    a2 = services.application_create(user=second.user, gig_id=gig.pk, data={})
    booking = services.application_accept(user=gig.venue.user, application_id=a1.pk)
    other_gig = GigFactory(venue=gig.venue, date=in_days(20))
    a3 = services.application_create(user=third.user, gig_id=other_gig.pk, data={})

    services.gig_cancel(user=gig.venue.user, gig_id=gig.pk, reason="Flood")

    gig.refresh_from_db()
    booking.refresh_from_db()
    assert gig.status == "cancelled"
    assert (booking.status, booking.cancelled_by, booking.cancel_reason) == (
        "cancelled",
        "venue",
        "Flood",
    )
    assert Application.objects.get(pk=a1.pk).status == "rejected"
    assert Application.objects.get(pk=a2.pk).status == "rejected"  # rejected at accept already
    assert Application.objects.get(pk=a3.pk).status == "pending"  # another gig: untouched
    assert changes(gig)[-3:] == [
        ("application", "accepted", "rejected"),
        ("booking", "active", "cancelled"),
        ("gig", "filled", "cancelled"),
    ]
    refused(
        lambda: services.gig_cancel(user=gig.venue.user, gig_id=gig.pk, reason="again"),
        "gig_not_cancellable",
        409,
    )


def test_cancel_needs_a_reason(gig):
    refused(
        lambda: services.gig_cancel(user=gig.venue.user, gig_id=gig.pk, reason="  "),
        "validation_error",
    )
    gig.refresh_from_db()
    assert gig.status == "open"


# --- applications -----------------------------------------------------------------------------


def test_apply_once_to_an_open_future_gig(gig, artist):
    application = services.application_create(
        user=artist.user, gig_id=gig.pk, data={"pitch": "  We play jazz. ", "proposed_rate": 45_000}
    )
    assert (application.status, application.pitch, application.proposed_rate) == (
        "pending",
        "We play jazz.",
        45_000,
    )
    assert changes(gig) == [("application", "", "pending")]
    refused(
        lambda: services.application_create(user=artist.user, gig_id=gig.pk, data={}),
        "already_applied",
        409,
    )
    assert Application.objects.count() == 1


def test_apply_refusals(gig, artist, venue):
    too_long = "x" * 2001
    error = refused(
        lambda: services.application_create(
            user=artist.user, gig_id=gig.pk, data={"pitch": too_long}
        ),
        "validation_error",
        400,
    )
    assert "pitch" in error.details
    services.application_create(user=artist.user, gig_id=gig.pk, data={"pitch": "x" * 2000})
    Application.objects.all().delete()

    refused(
        lambda: services.application_create(user=venue.user, gig_id=gig.pk, data={}),
        "not_an_artist",
        403,
    )
    half = ArtistProfileFactory(user__onboarding_complete=False, onboarding_step=3)
    refused(
        lambda: services.application_create(user=half.user, gig_id=gig.pk, data={}),
        "onboarding_required",
        403,
    )
    refused(
        lambda: services.application_create(user=artist.user, gig_id=999_999, data={}),
        "not_found",
        404,
    )
    past = GigFactory(venue=venue)
    Gig.objects.filter(pk=past.pk).update(starts_at=timezone.now() - dt.timedelta(hours=1))
    refused(
        lambda: services.application_create(user=artist.user, gig_id=past.pk, data={}),
        "gig_not_open",
        409,
    )
    services.gig_cancel(user=venue.user, gig_id=gig.pk, reason="Closed")
    refused(
        lambda: services.application_create(user=artist.user, gig_id=gig.pk, data={}),
        "gig_not_open",
        409,
    )
    assert not Application.objects.exists()


def test_apply_refused_on_a_date_marked_unavailable(gig, artist):
    services.unavailability_add(
        user=artist.user, start_date=gig.date - dt.timedelta(days=1), end_date=gig.date
    )
    refused(
        lambda: services.application_create(user=artist.user, gig_id=gig.pk, data={}),
        "artist_unavailable",
        409,
    )
    assert not Application.objects.exists()


def test_apply_refused_when_overlapping_a_booking(gig, artist, other_venue):
    booked = services.application_create(user=artist.user, gig_id=gig.pk, data={})
    services.application_accept(user=gig.venue.user, application_id=booked.pk)
    overlapping = GigFactory(
        venue=other_venue, date=gig.date, start_time=dt.time(22, 0), end_time=dt.time(1, 0)
    )
    refused(
        lambda: services.application_create(user=artist.user, gig_id=overlapping.pk, data={}),
        "artist_double_booked",
        409,
    )
    after = GigFactory(
        venue=other_venue, date=gig.date, start_time=dt.time(23, 0), end_time=dt.time(23, 59)
    )
    services.application_create(user=artist.user, gig_id=after.pk, data={})  # touching is fine


def test_withdraw_while_pending_only(gig, artist):
    application = services.application_create(user=artist.user, gig_id=gig.pk, data={})
    other = ArtistProfileFactory()
    refused(
        lambda: services.application_withdraw(user=other.user, application_id=application.pk),
        "not_found",
        404,
    )
    services.application_withdraw(user=artist.user, application_id=application.pk)
    application.refresh_from_db()
    assert application.status == "withdrawn"
    refused(
        lambda: services.application_withdraw(user=artist.user, application_id=application.pk),
        "application_not_pending",
        409,
    )
    assert changes(gig)[-1] == ("application", "pending", "withdrawn")


def test_accept_fills_the_gig_rejects_the_others_and_books(gig):
    artists = [ArtistProfileFactory() for _ in range(3)]
    apps = [
        services.application_create(user=a.user, gig_id=gig.pk, data={"proposed_rate": 30_000 + i})
        for i, a in enumerate(artists)
    ]
    withdrawn = ArtistProfileFactory()
    gone = services.application_create(user=withdrawn.user, gig_id=gig.pk, data={})
    services.application_withdraw(user=withdrawn.user, application_id=gone.pk)

    booking = services.application_accept(user=gig.venue.user, application_id=apps[1].pk)

    gig.refresh_from_db()
    assert gig.status == "filled"
    assert [Application.objects.get(pk=a.pk).status for a in apps] == [
        "rejected",
        "accepted",
        "rejected",
    ]
    assert Application.objects.get(pk=gone.pk).status == "withdrawn"
    assert (booking.artist_id, booking.fee, booking.status) == (artists[1].pk, 30_001, "active")
    assert (booking.starts_at, booking.ends_at) == (gig.starts_at, gig.ends_at)
    assert sorted(changes(gig)[-5:]) == sorted(
        [
            ("application", "pending", "accepted"),
            ("application", "pending", "rejected"),
            ("application", "pending", "rejected"),
            ("gig", "open", "filled"),
            ("booking", "", "active"),
        ]
    )
    refused(
        lambda: services.application_accept(user=gig.venue.user, application_id=apps[0].pk),
        "application_not_pending",
        409,
    )
    assert Booking.objects.count() == 1


def test_accept_and_reject_only_by_the_gigs_venue(gig, artist, other_venue):
    application = services.application_create(user=artist.user, gig_id=gig.pk, data={})
    refused(
        lambda: services.application_accept(user=other_venue.user, application_id=application.pk),
        "not_found",
        404,
    )
    refused(
        lambda: services.application_reject(user=other_venue.user, application_id=application.pk),
        "not_found",
        404,
    )
    refused(
        lambda: services.application_accept(user=artist.user, application_id=application.pk),
        "not_a_venue",
        403,
    )
    application.refresh_from_db()
    assert application.status == "pending"
    services.application_reject(user=gig.venue.user, application_id=application.pk, reason="Full")
    application.refresh_from_db()
    assert application.status == "rejected"
    assert not Booking.objects.exists()


def test_accept_refuses_an_artist_booked_at_that_time(gig, artist, other_venue):
    clash = GigFactory(venue=other_venue, date=gig.date)
    mine = services.application_create(user=artist.user, gig_id=gig.pk, data={})
    theirs = services.application_create(user=artist.user, gig_id=clash.pk, data={})
    services.application_accept(user=gig.venue.user, application_id=mine.pk)
    refused(
        lambda: services.application_accept(user=other_venue.user, application_id=theirs.pk),
        "artist_double_booked",
        409,
    )
    clash.refresh_from_db()
    assert clash.status == "open"
    assert Booking.objects.filter(artist=artist).count() == 1


# --- bookings ---------------------------------------------------------------------------------


@pytest.mark.parametrize("side", ["artist", "venue"])
def test_either_side_cancels_a_booking_with_a_reason_and_the_gig_reopens(gig, artist, side):
    application = services.application_create(user=artist.user, gig_id=gig.pk, data={})
    booking = services.application_accept(user=gig.venue.user, application_id=application.pk)
    user = artist.user if side == "artist" else gig.venue.user
    refused(
        lambda: services.booking_cancel(user=user, booking_id=booking.pk, reason=""),
        "validation_error",
    )

    services.booking_cancel(user=user, booking_id=booking.pk, reason="Van broke down")

    booking.refresh_from_db()
    gig.refresh_from_db()
    application.refresh_from_db()
    assert (booking.status, booking.cancelled_by, booking.cancel_reason) == (
        "cancelled",
        side,
        "Van broke down",
    )
    assert booking.cancelled_at is not None
    assert gig.status == "open"
    assert application.status == ("withdrawn" if side == "artist" else "rejected")
    assert changes(gig)[-3:] == [
        ("booking", "active", "cancelled"),
        ("application", "accepted", application.status),
        ("gig", "filled", "open"),
    ]
    refused(
        lambda: services.booking_cancel(user=user, booking_id=booking.pk, reason="again"),
        "booking_not_active",
        409,
    )
    # The gig can be booked again.
    newcomer = ArtistProfileFactory()
    again = services.application_create(user=newcomer.user, gig_id=gig.pk, data={})
    services.application_accept(user=gig.venue.user, application_id=again.pk)


def test_nobody_else_cancels_a_booking(gig, artist, other_venue):
    application = services.application_create(user=artist.user, gig_id=gig.pk, data={})
    booking = services.application_accept(user=gig.venue.user, application_id=application.pk)
    for stranger in (ArtistProfileFactory().user, other_venue.user, NewUserFactory(role=Role.FAN)):
        refused(
            lambda u=stranger: services.booking_cancel(user=u, booking_id=booking.pk, reason="x"),
            "not_found",
            404,
        )
    booking.refresh_from_db()
    assert booking.status == "active"


# --- availability and urgency -----------------------------------------------------------------


def test_unavailable_dates(artist):
    entry = services.unavailability_add(
        user=artist.user, start_date=in_days(3), end_date=in_days(5)
    )
    assert (entry.start_date, entry.end_date) == (in_days(3), in_days(5))
    single = services.unavailability_add(user=artist.user, start_date=in_days(9))
    assert single.end_date == in_days(9)
    refused(
        lambda: services.unavailability_add(user=artist.user, start_date=in_days(-1)),
        "validation_error",
    )
    refused(
        lambda: services.unavailability_add(
            user=artist.user, start_date=in_days(5), end_date=in_days(4)
        ),
        "validation_error",
    )
    other = ArtistProfileFactory()
    refused(
        lambda: services.unavailability_remove(user=other.user, unavailability_id=entry.pk),
        "not_found",
        404,
    )
    services.unavailability_remove(user=artist.user, unavailability_id=entry.pk)
    assert list(Unavailability.objects.values_list("pk", flat=True)) == [single.pk]


def test_urgent_is_computed_when_read():
    now = timezone.now()
    assert selectors.is_urgent(
        starts_at=now + dt.timedelta(days=6, hours=23), status="open", now=now
    )
    assert not selectors.is_urgent(starts_at=now + dt.timedelta(days=7), status="open", now=now)
    assert not selectors.is_urgent(starts_at=now + dt.timedelta(days=1), status="filled", now=now)
    assert not selectors.is_urgent(starts_at=now - dt.timedelta(hours=1), status="open", now=now)


def test_a_venue_that_saved_a_wizard_step_keeps_its_role():
    from accounts import services as account_services

    user = NewUserFactory(role=Role.VENUE)
    services.venue_onboarding_save_step(user=user, number=1, data=STEP_1)
    refused(
        lambda: account_services.onboarding_choose_role(user=user, role="fan", display_name="X"),
        "role_locked",
        409,
    )
    user.refresh_from_db()
    assert (user.role, user.onboarding_complete) == ("venue", False)
