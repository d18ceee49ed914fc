"""Posting, editing and cancelling gigs: the refusals, audit rows and edges that mutation testing
found untested (see docs/testing.md, "Mutation testing", marketplace)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from accounts.permissions import OnboardingRequired
from marketplace import services
from marketplace.models import Booking, StatusChange
from marketplace.services.gigs import MAX_DAYS_AHEAD
from tests.artists.factories import ArtistProfileFactory
from tests.marketplace.factories import VenueProfileFactory, in_days
from umbrella.errors import ApplicationError

pytestmark = pytest.mark.django_db

GIG = {
    "title": "Friday late show",
    "start_time": dt.time(21, 0),
    "end_time": dt.time(23, 30),
    "genre": "jazz",
    "payment_amount": 40_000,
    "payment_type": "flat",
}


def gig_data(**changes):
    return {**GIG, "date": in_days(14), **changes}


def refused(call) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        call()
    return caught.value


def book(gig, artist) -> Booking:
    application = services.application_create(user=artist.user, gig_id=gig.pk, data={})
    return services.application_accept(user=gig.venue.user, application_id=application.pk)


def next_spring_forward(tz: str) -> dt.date:
    """The next day (after tomorrow) on which the clocks of ``tz`` go forward."""
    zone = ZoneInfo(tz)
    day = timezone.localdate() + dt.timedelta(days=2)
    for _ in range(400):
        noon = dt.datetime.combine(day, dt.time(12), tzinfo=zone)
        before = dt.datetime.combine(day, dt.time(0), tzinfo=zone)
        if noon.utcoffset() > before.utcoffset():
            return day
        day += dt.timedelta(days=1)
    raise AssertionError("no clock change within 400 days")


def test_each_refused_time_is_explained_next_to_its_field(venue):
    cases = [
        (
            {"end_time": GIG["start_time"]},
            {"end_time": ["The end time must differ from the start time."]},
        ),
        # yesterday where the venue is (the UTC date is still "today" west of UTC after midnight)
        ({"date": timezone.localdate(timezone=ZoneInfo(venue.timezone)) - dt.timedelta(days=1)},
         None),
        (
            {"date": next_spring_forward(venue.timezone), "start_time": dt.time(2, 30),
             "end_time": dt.time(3, 30)},
            {"end_time": ["On that night the clocks change: the gig would end before it starts."]},
        ),
    ]  # fmt: skip
    for changes, details in cases:
        error = refused(lambda c=changes: services.gig_create(user=venue.user, data=gig_data(**c)))
        assert error.code == "validation_error"
        assert error.details == (details or {"date": ["The gig must start in the future."]})
    assert not venue.gigs.exists()


def test_a_gig_may_be_posted_exactly_as_far_ahead_as_allowed_and_no_further(venue):
    last = timezone.localdate() + dt.timedelta(days=MAX_DAYS_AHEAD)

    error = refused(
        lambda: services.gig_create(
            user=venue.user, data=gig_data(date=last + dt.timedelta(days=1))
        )
    )
    assert error.details == {"date": [f"Gigs are posted at most {MAX_DAYS_AHEAD} days ahead."]}

    assert services.gig_create(user=venue.user, data=gig_data(date=last)).date == last


def test_a_gig_starting_this_instant_is_in_the_past(venue):
    day = in_days(3)
    starts_at = dt.datetime.combine(day, GIG["start_time"], tzinfo=ZoneInfo(venue.timezone))

    with time_machine.travel(starts_at, tick=False):
        error = refused(lambda: services.gig_create(user=venue.user, data=gig_data(date=day)))

    assert error.details == {"date": ["The gig must start in the future."]}


def test_a_posted_gig_takes_the_whole_address_of_its_venue(venue):
    gig = services.gig_create(user=venue.user, data=gig_data())

    assert (
        gig.location_address,
        gig.location_city,
        gig.location_state,
        gig.location_country,
    ) == (venue.address, venue.city, venue.state, venue.country)


def test_missing_and_blanked_fields_are_required_by_name(venue, gig):
    error = refused(
        lambda: services.gig_create(user=venue.user, data={**gig_data(), "title": "   "})
    )
    assert error.details == {"title": ["This field is required."]}

    error = refused(
        lambda: services.gig_update(user=venue.user, gig_id=gig.pk, data={"payment_amount": None})
    )
    assert error.details == {"payment_amount": ["This field is required."]}


def test_a_gig_no_longer_open_says_what_it_is(venue, gig):
    services.gig_cancel(user=venue.user, gig_id=gig.pk, reason="Closed")

    error = refused(
        lambda: services.gig_update(user=venue.user, gig_id=gig.pk, data={"title": "New"})
    )
    assert (error.code, error.status_code, error.message) == (
        "gig_not_open",
        409,
        "The gig is cancelled: it can't change now.",
    )
    error = refused(lambda: services.gig_cancel(user=venue.user, gig_id=gig.pk, reason="Again"))
    assert (error.code, error.status_code, error.message) == (
        "gig_not_cancellable",
        409,
        "The gig is cancelled: it can't be cancelled.",
    )


def audit_rows(gig) -> list[tuple]:
    return [
        (r.subject, r.from_status, r.to_status, r.by_id, r.application_id, r.booking_id, r.reason)
        for r in StatusChange.objects.filter(
            Q(to_status="cancelled") | Q(reason="The gig was cancelled."), gig=gig
        ).order_by("id")
    ]


def test_cancelling_an_open_gig_audits_and_stamps_each_application_it_rejects(venue, gig):
    pending = services.application_create(user=ArtistProfileFactory().user, gig_id=gig.pk, data={})
    before = pending.updated_at

    with time_machine.travel(timezone.now() + dt.timedelta(minutes=5)):
        services.gig_cancel(user=venue.user, gig_id=gig.pk, reason="Flooded")

    pending.refresh_from_db()
    assert pending.status == "rejected"
    assert pending.updated_at >= before + dt.timedelta(minutes=5)
    assert audit_rows(gig) == [
        ("application", "pending", "rejected", venue.user_id, pending.pk, None,
         "The gig was cancelled."),
        ("gig", "open", "cancelled", venue.user_id, None, None, "Flooded"),
    ]  # fmt: skip


def test_cancelling_a_filled_gig_audits_the_application_the_booking_and_the_gig(venue, gig):
    booking = book(gig, ArtistProfileFactory())

    services.gig_cancel(user=venue.user, gig_id=gig.pk, reason="Flooded")

    assert audit_rows(gig) == [
        ("application", "accepted", "rejected", venue.user_id, booking.application_id, None,
         "The gig was cancelled."),
        ("booking", "active", "cancelled", venue.user_id, None, booking.pk, "Flooded"),
        ("gig", "filled", "cancelled", venue.user_id, None, None, "Flooded"),
    ]  # fmt: skip


def test_cancelling_a_gig_leaves_its_earlier_cancelled_booking_as_it_was(venue, gig):
    first_artist = ArtistProfileFactory()
    dropped = book(gig, first_artist)
    services.booking_cancel(user=first_artist.user, booking_id=dropped.pk, reason="Ill")
    current = book(gig, ArtistProfileFactory())

    services.gig_cancel(user=venue.user, gig_id=gig.pk, reason="Flooded")

    dropped.refresh_from_db()
    current.refresh_from_db()
    assert (dropped.status, dropped.cancelled_by, dropped.cancel_reason) == (
        "cancelled",
        "artist",
        "Ill",
    )
    assert (current.status, current.cancelled_by, current.cancel_reason) == (
        "cancelled",
        "venue",
        "Flooded",
    )


def test_staff_cancel_a_gig_only_with_a_reason(gig):
    boss = User.objects.create_superuser(email="boss@example.com", password="x" * 12)

    error = refused(lambda: services.gig_cancel_by_staff(gig_id=gig.pk, by=boss, reason="  "))

    assert (error.code, error.details) == (
        "validation_error",
        {"reason": ["Say why (the other side sees this)."]},
    )
    gig.refresh_from_db()
    assert gig.status == "open"


def test_a_venue_not_done_onboarding_or_asking_for_a_missing_gig_is_told_so(venue):
    half = VenueProfileFactory(user__onboarding_complete=False, onboarding_step=1)
    error = refused(lambda: services.gig_create(user=half.user, data=gig_data()))
    assert (error.code, error.status_code) == ("onboarding_required", 403)
    assert error.message == OnboardingRequired.default_detail

    error = refused(lambda: services.gig_cancel(user=venue.user, gig_id=999_999, reason="x"))
    assert (error.code, error.status_code, error.message) == ("not_found", 404, "No such gig.")
