"""Two-way blind reviews: hidden from everyone but the author until both are in or the window
passes; ratings exact; one reply each; staff hide."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from artists.models import ArtistProfile
from marketplace import services
from marketplace.models import Booking, Review, VenueProfile
from tests.artists.factories import ArtistProfileFactory
from tests.concurrency import run_together
from tests.marketplace.conftest import client_for
from tests.marketplace.factories import GigFactory, VenueProfileFactory
from umbrella.errors import ApplicationError

API = "/api/v1"


def completed_booking(venue=None, artist=None, *, days_ago: float = 1) -> Booking:
    gig = GigFactory(venue=venue or VenueProfileFactory())
    artist = artist or ArtistProfileFactory()
    application = services.application_create(user=artist.user, gig_id=gig.pk, data={})
    booking = services.application_accept(user=gig.venue.user, application_id=application.pk)
    services.gig_complete(gig_id=gig.pk, now=gig.ends_at)
    Booking.objects.filter(pk=booking.pk).update(
        completed_at=timezone.now() - dt.timedelta(days=days_ago)
    )
    booking.refresh_from_db()
    return booking


def venue_user(booking: Booking) -> User:
    return booking.gig.venue.user


def visible_to(user, booking: Booking) -> list[str]:
    body = client_for(user).get(f"{API}/bookings/{booking.pk}/reviews").json()
    return sorted(review["side"] for review in body)


def public_of(booking: Booking) -> tuple[list, list]:
    anonymous = APIClient()
    about_artist = anonymous.get(f"{API}/artists/{booking.artist.slug}/reviews").json()
    about_venue = anonymous.get(f"{API}/venues/{booking.gig.venue.slug}/reviews").json()
    return about_artist["results"], about_venue["results"]


def code_of(call) -> str:
    with pytest.raises(ApplicationError) as caught:
        call()
    return caught.value.code


@pytest.mark.django_db
def test_reviews_stay_blind_until_both_are_in():
    booking = completed_booking()
    artist_user = booking.artist.user

    response = client_for(venue_user(booking)).post(
        f"{API}/bookings/{booking.pk}/reviews", {"rating": 4, "comment": "Great set"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["published_at"] is None
    # Only its author sees it: not the artist, not the public, not in the artist's rating.
    assert visible_to(venue_user(booking), booking) == ["venue"]
    assert visible_to(artist_user, booking) == []
    assert public_of(booking) == ([], [])
    assert ArtistProfile.objects.get(pk=booking.artist_id).total_reviews == 0

    client_for(artist_user).post(
        f"{API}/bookings/{booking.pk}/reviews",
        {"rating": 5, "comment": "Paid on time"},
        format="json",
    )

    assert visible_to(artist_user, booking) == ["artist", "venue"]
    assert visible_to(venue_user(booking), booking) == ["artist", "venue"]
    about_artist, about_venue = public_of(booking)
    assert [(r["rating"], r["comment"]) for r in about_artist] == [(4, "Great set")]
    assert [(r["rating"], r["comment"]) for r in about_venue] == [(5, "Paid on time")]
    artist = ArtistProfile.objects.get(pk=booking.artist_id)
    venue = VenueProfile.objects.get(pk=booking.gig.venue_id)
    assert (artist.avg_rating, artist.total_reviews) == (Decimal("4.00"), 1)
    assert (venue.avg_rating, venue.total_reviews) == (Decimal("5.00"), 1)
    assert client_for(artist_user).get(f"{API}/venues/{venue.slug}").json()["scorecard"][
        "avg_rating"] == 5.0  # fmt: skip


@pytest.mark.django_db
def test_the_window_reveals_a_lone_review_and_then_closes():
    booking = completed_booking(days_ago=13)
    services.review_create(user=venue_user(booking), booking_id=booking.pk, data={"rating": 3})
    assert services.reviews_reveal_due() == 0
    assert public_of(booking)[0] == []

    Booking.objects.filter(pk=booking.pk).update(
        completed_at=timezone.now() - dt.timedelta(days=14, minutes=1)
    )
    assert services.reviews_reveal_due() == 1
    assert services.reviews_reveal_due() == 0  # idempotent
    assert [r["rating"] for r in public_of(booking)[0]] == [3]
    assert ArtistProfile.objects.get(pk=booking.artist_id).total_reviews == 1
    # The other side can no longer answer it with a review of its own.
    assert code_of(lambda: services.review_create(
        user=booking.artist.user, booking_id=booking.pk, data={"rating": 1}
    )) == "review_not_open"  # fmt: skip


@pytest.mark.django_db
def test_review_refusals(gig, artist):
    application = services.application_create(user=artist.user, gig_id=gig.pk, data={})
    booking = services.application_accept(user=gig.venue.user, application_id=application.pk)
    assert code_of(lambda: services.review_create(
        user=gig.venue.user, booking_id=booking.pk, data={"rating": 5}
    )) == "review_not_open"  # fmt: skip
    services.gig_complete(gig_id=gig.pk, now=gig.ends_at)
    booking.refresh_from_db()
    for stranger in (ArtistProfileFactory().user, VenueProfileFactory().user):
        assert code_of(lambda u=stranger: services.review_create(
            user=u, booking_id=booking.pk, data={"rating": 5}
        )) == "not_found"  # fmt: skip
    client = client_for(gig.venue.user)
    for body in ({"rating": 0}, {"rating": 6}, {"rating": 3, "comment": "x" * 2001}, {}):
        response = client.post(f"{API}/bookings/{booking.pk}/reviews", body, format="json")
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "validation_error"
    assert (
        client.post(
            f"{API}/bookings/{booking.pk}/reviews", {"rating": 2}, format="json"
        ).status_code
        == 201
    )
    again = client.post(f"{API}/bookings/{booking.pk}/reviews", {"rating": 5}, format="json")
    assert again.json()["error"]["code"] == "already_reviewed"
    assert Review.objects.count() == 1


@pytest.mark.django_db
def test_ratings_are_exact_over_many_reviews_and_hiding_recounts():
    artist = ArtistProfileFactory()
    ratings = [5, 4, 4]
    reviews = []
    for rating in ratings:
        booking = completed_booking(artist=artist)
        reviews.append(services.review_create(
            user=venue_user(booking), booking_id=booking.pk, data={"rating": rating}
        ))  # fmt: skip
        services.review_create(user=artist.user, booking_id=booking.pk, data={"rating": 5})
    artist.refresh_from_db()
    assert (artist.avg_rating, artist.total_reviews) == (Decimal("4.33"), 3)

    staff = User.objects.create_superuser(email="mod@example.com", password="x" * 12)
    services.review_hide(review_id=reviews[0].pk, by=staff, reason="Personal data")
    artist.refresh_from_db()
    assert (artist.avg_rating, artist.total_reviews) == (Decimal("4.00"), 2)
    assert reviews[0].pk not in [
        r["id"] for r in APIClient().get(f"{API}/artists/{artist.slug}/reviews").json()["results"]
    ]
    assert code_of(lambda: services.review_hide(
        review_id=reviews[1].pk, by=artist.user, reason="I don't like it"
    )) == "permission_denied"  # fmt: skip


@pytest.mark.django_db
def test_each_side_replies_once_to_a_published_review_of_it():
    booking = completed_booking()
    about_artist = services.review_create(
        user=venue_user(booking), booking_id=booking.pk, data={"rating": 2}
    )
    # Not published yet: nothing to reply to.
    assert code_of(lambda: services.review_reply(
        user=booking.artist.user, review_id=about_artist.pk, reply="Hm"
    )) == "not_found"  # fmt: skip
    services.review_create(user=booking.artist.user, booking_id=booking.pk, data={"rating": 4})
    client = client_for(booking.artist.user)
    response = client.post(f"{API}/reviews/{about_artist.pk}/reply", {"reply": "The PA died."},
                           format="json")  # fmt: skip
    assert response.status_code == 200 and response.json()["reply"] == "The PA died."
    again = client.post(f"{API}/reviews/{about_artist.pk}/reply", {"reply": "And"}, format="json")
    assert again.json()["error"]["code"] == "already_replied"
    own = client_for(venue_user(booking)).post(
        f"{API}/reviews/{about_artist.pk}/reply", {"reply": "Me too"}, format="json"
    )  # the venue wrote it: not theirs to reply to
    assert own.status_code == 404
    assert Review.objects.get(pk=about_artist.pk).reply == "The PA died."


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_both_sides_reviewing_at_once_publishes_both():
    booking = completed_booking()
    users = iter([venue_user(booking), booking.artist.user])
    lock = threading.Lock()

    def review():
        with lock:
            user = next(users)
        return services.review_create(user=user, booking_id=booking.pk, data={"rating": 4})

    results = run_together(review, 2)

    assert not [r for r in results if isinstance(r, Exception)]
    assert Review.objects.filter(booking=booking, published_at__isnull=False).count() == 2
    assert ArtistProfile.objects.get(pk=booking.artist_id).total_reviews == 1
    assert VenueProfile.objects.get(pk=booking.gig.venue_id).total_reviews == 1


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 8])
def test_public_review_list_takes_a_fixed_number_of_queries(count, django_assert_max_num_queries):
    artist = ArtistProfileFactory()
    for _ in range(count):
        booking = completed_booking(artist=artist)
        services.review_create(user=venue_user(booking), booking_id=booking.pk, data={"rating": 4})
        services.review_create(user=artist.user, booking_id=booking.pk, data={"rating": 4})
    client = APIClient()
    with django_assert_max_num_queries(2):  # the artist, the page
        body = client.get(f"{API}/artists/{artist.slug}/reviews").json()
    assert len(body["results"]) == count
