"""The venue scorecard is computed from real applications, answers and bookings."""

import datetime as dt

import pytest
from django.utils import timezone

from marketplace import selectors, services
from marketplace.models import Application, Booking, StatusChange
from tests.artists.factories import ArtistProfileFactory
from tests.marketplace.conftest import client_for
from tests.marketplace.factories import GigFactory

pytestmark = pytest.mark.django_db


def applied(gig, *, days_ago: float):
    artist = ArtistProfileFactory()
    application = services.application_create(user=artist.user, gig_id=gig.pk, data={})
    Application.objects.filter(pk=application.pk).update(
        created_at=timezone.now() - dt.timedelta(days=days_ago)
    )
    return application


def answered(application, *, hours_after: float) -> None:
    created = Application.objects.get(pk=application.pk).created_at
    StatusChange.objects.filter(application=application, from_status="pending").update(
        created_at=created + dt.timedelta(hours=hours_after)
    )


def test_not_enough_data_below_five_applications(venue):
    gig = GigFactory(venue=venue)
    for _ in range(4):
        applied(gig, days_ago=10)
    card = selectors.venue_scorecard(venue=venue)
    assert card["applications"] == 4
    assert card["enough_data"] is False
    assert card["median_answer_hours"] is card["acceptance_rate"] is None


def test_scorecard_figures(venue):
    gig, other = GigFactory(venue=venue), GigFactory(venue=venue)
    a = [applied(gig, days_ago=20) for _ in range(3)] + [applied(other, days_ago=20)]
    fresh = applied(other, days_ago=1)  # pending, younger than 7 days: not counted against
    stale = applied(other, days_ago=9)  # pending for 9 days: counted, not answered
    gone = applied(other, days_ago=20)
    services.application_withdraw(user=gone.artist.user, application_id=gone.pk)

    services.application_reject(user=venue.user, application_id=a[3].pk)
    answered(a[3], hours_after=200)  # over 7 days
    services.application_accept(user=venue.user, application_id=a[0].pk)  # rejects a[1], a[2]
    for application, hours in ((a[0], 10), (a[1], 10), (a[2], 10)):
        answered(application, hours_after=hours)
    booking = Booking.objects.get(application=a[0])
    services.booking_cancel(user=venue.user, booking_id=booking.pk, reason="Room double-booked")

    card = selectors.venue_scorecard(venue=venue)

    assert card["applications"] == 6  # 4 answered + 2 pending; the withdrawn one is not
    assert card["enough_data"] is True
    assert card["median_answer_hours"] == 10.0  # 10, 10, 10, 200
    assert card["acceptance_rate"] == 0.25  # the first answer counts, not the later cancel
    assert card["answered_within_7_days"] == 0.6  # 3 of (4 answered + 1 stale)
    assert (card["bookings"], card["bookings_cancelled_by_venue"]) == (1, 1)
    assert fresh.pk and stale.pk

    body = client_for(ArtistProfileFactory().user).get(f"/api/v1/venues/{venue.slug}").json()
    assert body["scorecard"] == card
