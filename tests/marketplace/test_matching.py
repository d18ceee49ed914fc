"""Gigs for you: ranked by genre, place, the artist's days and rates, with the reasons."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from marketplace import selectors, services
from tests.artists.factories import ArtistProfileFactory
from tests.marketplace.conftest import client_for
from tests.marketplace.factories import GigFactory, VenueProfileFactory, in_days

pytestmark = pytest.mark.django_db

API = "/api/v1"


def next_weekday(weekday: int, after: int = 2) -> dt.date:
    day = in_days(after)
    while day.weekday() != weekday:
        day += dt.timedelta(days=1)
    return day


@pytest.fixture
def jazz_artist():
    return ArtistProfileFactory(
        primary_genre="jazz",
        secondary_genres=["soul"],
        location_city="Austin",
        location_state="TX",
        base_rate_flat=40_000,
        available_weekends=True,
        available_weekdays=False,
    )


def test_gigs_for_you_rank_and_explain(jazz_artist):
    austin = VenueProfileFactory(city="Austin", state="TX")
    leeds = VenueProfileFactory(city="Leeds", state="West Yorkshire", country="GB")
    saturday = next_weekday(5)
    best = GigFactory(venue=austin, genre="jazz", date=saturday, payment_amount=50_000)
    cheap = GigFactory(venue=austin, genre="jazz", date=saturday + dt.timedelta(days=7),
                       payment_amount=10_000)  # fmt: skip
    soul_far = GigFactory(venue=leeds, genre="soul", location_city="Leeds",
                          date=next_weekday(1), payment_amount=90_000)  # fmt: skip
    rock_here = GigFactory(venue=austin, genre="rock", date=next_weekday(2))
    GigFactory(venue=leeds, genre="rock", location_city="Leeds")  # neither genre nor city
    applied = GigFactory(venue=austin, genre="jazz")
    services.application_create(user=jazz_artist.user, gig_id=applied.pk, data={})
    busy = GigFactory(venue=austin, genre="jazz", date=in_days(40))
    services.unavailability_add(user=jazz_artist.user, start_date=busy.date)

    response = client_for(jazz_artist.user).get(f"{API}/me/gigs-for-you")
    assert response["Content-Type"] == "application/json"
    page = response.json()
    assert page["next"] is None
    assert page["previous"] is None
    body = page["results"]

    assert [g["id"] for g in body] == [best.pk, cheap.pk, soul_far.pk, rock_here.pk]
    assert body[0]["reasons"] == [
        "Jazz",
        "your city",
        "free that night",
        "a day you play",
        "pays at or above your minimum",
    ]
    assert body[0]["score"] == 4 + 2 + 1 + 2
    assert body[2]["reasons"] == ["Soul", "free that night", "pays at or above your minimum"]
    assert body[3]["reasons"] == ["your city", "free that night", "pays at or above your minimum"]


def test_gigs_for_you_leaves_out_a_gig_applied_to_after_its_venue_moved_it(jazz_artist):
    """The statement reads only the applications to gigs still to come (each carries its gig's
    start): a gig the venue moved later stays ruled out once its first date has passed, and
    applications to gigs now past are not read at all."""
    austin = VenueProfileFactory(city="Austin", state="TX")
    moved = GigFactory(venue=austin, genre="jazz", date=in_days(3))
    services.application_create(user=jazz_artist.user, gig_id=moved.pk, data={})
    services.gig_update(user=austin.user, gig_id=moved.pk, data={"date": in_days(60)})
    gone = GigFactory(venue=austin, genre="jazz", date=in_days(4))
    services.application_create(user=jazz_artist.user, gig_id=gone.pk, data={})
    later = GigFactory(venue=austin, genre="jazz", date=in_days(30))

    with time_machine.travel(timezone.now() + dt.timedelta(days=10)):
        response = client_for(jazz_artist.user).get(f"{API}/me/gigs-for-you")
        reference = selectors.gigs_for_you_queryset(artist=jazz_artist, now=timezone.now())

    assert [g["id"] for g in response.json()["results"]] == [later.pk]
    assert [row["id"] for row in reference] == [later.pk]


def test_gigs_for_you_is_for_artists_and_takes_fixed_queries(
    jazz_artist, venue, django_assert_max_num_queries
):
    for i in range(12):
        GigFactory(venue=venue, genre="jazz", date=in_days(3 + i))
    client = client_for(jazz_artist.user)
    # PostgreSQL: the ranking, then the cards this process has not kept (one statement for
    # all of them), then nothing more once kept; elsewhere: the artist, the ranking.
    with django_assert_max_num_queries(2):
        first = client.get(f"{API}/me/gigs-for-you").json()["results"]
        assert len(first) == 12
    with django_assert_max_num_queries(1 if connection.vendor == "postgresql" else 2):
        assert client.get(f"{API}/me/gigs-for-you").json()["results"] == first
    response = client_for(venue.user).get(f"{API}/me/gigs-for-you")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_an_artist"


def test_gigs_for_you_pages_by_number_without_count(jazz_artist, venue):
    gigs = [GigFactory(venue=venue, genre="jazz", date=in_days(3 + i)) for i in range(25)]
    client = client_for(jazz_artist.user)
    first = client.get(f"{API}/me/gigs-for-you").json()
    assert set(first) == {"next", "previous", "results"}
    assert len(first["results"]) == 20  # 20 a page unless asked
    assert first["previous"] is None
    assert first["next"].endswith("/api/v1/me/gigs-for-you?page=2")
    second = client.get(first["next"]).json()
    assert [g["id"] for g in first["results"] + second["results"]] == [
        g["id"] for g in client.get(f"{API}/me/gigs-for-you?page_size=100").json()["results"]
    ]
    assert {g["id"] for g in first["results"] + second["results"]} == {g.pk for g in gigs}
    assert second["next"] is None
    assert second["previous"].endswith("page=1")
    small = client.get(f"{API}/me/gigs-for-you?page=3&page_size=10").json()
    assert len(small["results"]) == 5
    assert small["next"] is None
    assert client.get(f"{API}/me/gigs-for-you?page=9").json()["results"] == []
    for bad in ("page=0", "page=x", "page_size=0", "page_size=-1"):
        response = client.get(f"{API}/me/gigs-for-you?{bad}")
        assert response.status_code == 400, bad
        assert response.json()["error"]["code"] == "validation_error"
