"""The private calendar feed: made, rotated and revoked through the API; read back with
``icalendar``; cancelled bookings stay with STATUS:CANCELLED and a bumped SEQUENCE."""

import datetime as dt
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from rest_framework.test import APIClient

from accounts.models import User
from marketplace import services
from marketplace.models import CalendarFeed
from marketplace.services.calendar import token_hash
from tests.artists.factories import ArtistProfileFactory
from tests.marketplace.conftest import client_for
from tests.marketplace.factories import GigFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/me/calendar"


def book(gig, artist):
    application = services.application_create(user=artist.user, gig_id=gig.pk, data={})
    return services.application_accept(user=gig.venue.user, application_id=application.pk)


def feed_path(user) -> str:
    return urlsplit(client_for(user).post(API).json()["url"]).path


def read(path: str) -> Calendar:
    response = APIClient().get(path)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/calendar")
    assert response["Cache-Control"] == "private, no-store"
    return Calendar.from_ical(response.content)


def events(calendar: Calendar) -> dict[str, dict]:
    return {str(e["uid"]): e for e in calendar.walk("VEVENT")}


def test_api_makes_shows_rotates_and_revokes_the_feed(artist, settings):
    settings.SITE_URL = "https://umbrella.example"
    client = client_for(artist.user)
    assert client.get(API).json() == {"active": False, "created_at": None, "url": None}

    made = client.post(API)
    assert made.status_code == 201
    url = made.json()["url"]
    assert url.startswith("https://umbrella.example/calendar/") and url.endswith(".ics")
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    feed = CalendarFeed.objects.get(user=artist.user)
    assert feed.token_hash == token_hash(token) and token not in feed.token_hash  # hash only

    shown = client.get(API).json()
    assert shown["active"] is True and shown["url"] is None  # never shown again

    old_path = url.removeprefix("https://umbrella.example")
    assert APIClient().get(old_path).status_code == 200
    new_url = client.post(API).json()["url"]
    assert new_url != url
    assert APIClient().get(old_path).status_code == 404  # rotated: the old one is dead
    new_path = new_url.removeprefix("https://umbrella.example")
    assert APIClient().get(new_path).status_code == 200

    assert client.delete(API).status_code == 204
    assert APIClient().get(new_path).status_code == 404
    assert client.delete(API).status_code == 204  # idempotent
    assert client.get(API).json()["active"] is False


def test_anonymous_api_is_refused():
    assert APIClient().get(API).status_code in (401, 403)
    assert APIClient().post(API).status_code in (401, 403)


@pytest.mark.parametrize(
    "path", ["/calendar/" + "a" * 43 + ".ics", "/calendar/short.ics", "/calendar/x.ics"]
)
def test_unknown_token_is_404(path):
    assert APIClient().get(path).status_code == 404


def test_feed_lists_the_artists_bookings_in_the_venues_time_zone(artist, settings):
    settings.SITE_URL = "https://umbrella.example"
    gig = GigFactory(location_address="12 Red River St", timezone="America/Chicago")
    booking = book(gig, artist)
    book(GigFactory(), ArtistProfileFactory())  # someone else's: not in the feed
    path = feed_path(artist.user)

    calendar = read(path)
    (event,) = calendar.walk("VEVENT")
    assert str(event["uid"]) == f"booking-{booking.pk}@umbrella.example"
    start, end = event.decoded("dtstart"), event.decoded("dtend")
    assert start == booking.starts_at and end == booking.ends_at
    assert start.tzinfo.key == "America/Chicago"
    assert start.astimezone(ZoneInfo("America/Chicago")).time() == dt.time(20, 0)
    assert str(event["summary"]) == f"{gig.title} · {gig.venue_name}"
    assert "12 Red River St" in str(event["location"])
    assert str(event["status"]) == "CONFIRMED" and event.decoded("sequence") == 0
    assert [str(tz["tzid"]) for tz in calendar.walk("VTIMEZONE")] == ["America/Chicago"]


def test_venue_sees_the_artist_in_the_summary_and_the_uid_is_stable(gig, artist):
    booking = book(gig, artist)
    path = feed_path(gig.venue.user)
    first = events(read(path))
    assert str(next(iter(first.values()))["summary"]) == f"{gig.title} · {artist.stage_name}"
    again = events(read(path))
    assert first.keys() == again.keys() == {f"booking-{booking.pk}@127.0.0.1"}


def test_a_cancelled_booking_stays_with_status_cancelled_and_a_bumped_sequence(gig, artist):
    booking = book(gig, artist)
    path = feed_path(artist.user)
    uid = f"booking-{booking.pk}@127.0.0.1"
    before = events(read(path))[uid]
    services.booking_cancel(user=gig.venue.user, booking_id=booking.pk, reason="Roof leaks.")
    after = events(read(path))[uid]
    assert str(after["status"]) == "CANCELLED"
    assert after.decoded("sequence") > before.decoded("sequence")
    assert "Roof leaks." in str(after["description"])


def test_a_deactivated_account_feed_is_404(artist):
    path = feed_path(artist.user)
    User.objects.filter(pk=artist.user.pk).update(is_active=False)
    assert APIClient().get(path).status_code == 404


def test_feed_queries_do_not_grow_with_bookings(artist, django_assert_max_num_queries):
    path = feed_path(artist.user)
    for days in (10, 20, 30, 40):
        book(GigFactory(date=dt.date.today() + dt.timedelta(days=days)), artist)
    with django_assert_max_num_queries(3):
        calendar = read(path)
    assert len(calendar.walk("VEVENT")) == 4
