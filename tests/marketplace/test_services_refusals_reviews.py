"""Reviews: the refusals, ratings and reveal edges that mutation testing found untested (see
docs/testing.md, "Mutation testing", marketplace)."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from accounts.models import Notification, Role, User
from artists.models import ArtistProfile
from marketplace import services
from marketplace.models import REVIEW_WINDOW_DAYS, Review
from tests.accounts.factories import NewUserFactory
from tests.artists.factories import ArtistProfileFactory
from tests.marketplace.factories import GigFactory, VenueProfileFactory
from tests.marketplace.test_reviews import completed_booking, venue_user
from umbrella.errors import ApplicationError

pytestmark = pytest.mark.django_db


def refused(call) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        call()
    return caught.value


def both_reviewed(booking, *, venue_rating: int = 5, artist_rating: int = 5) -> Review:
    """Both sides review; the venue's review (of the artist) is returned, published."""
    about_artist = services.review_create(
        user=venue_user(booking), booking_id=booking.pk, data={"rating": venue_rating}
    )
    services.review_create(
        user=booking.artist.user, booking_id=booking.pk, data={"rating": artist_rating}
    )
    about_artist.refresh_from_db()
    return about_artist


def rating(artist) -> tuple[Decimal, int]:
    artist = ArtistProfile.objects.get(pk=artist.pk)
    return artist.avg_rating, artist.total_reviews


def test_a_fan_reviews_or_replies_to_nothing(gig):
    booking = completed_booking()
    review = both_reviewed(booking)
    fan = NewUserFactory(role=Role.FAN)

    error = refused(lambda: services.review_create(user=fan, booking_id=booking.pk, data={}))
    assert (error.code, error.status_code, error.message) == ("not_found", 404, "No such booking.")
    error = refused(lambda: services.review_reply(user=fan, review_id=review.pk, reply="Hi"))
    assert (error.code, error.status_code, error.message) == ("not_found", 404, "No such review.")


def test_a_rating_counts_only_the_published_reviews_of_that_artist():
    artist, other = ArtistProfileFactory(), ArtistProfileFactory()
    waiting = completed_booking(artist=artist)
    services.review_create(user=venue_user(waiting), booking_id=waiting.pk, data={"rating": 1})
    both_reviewed(completed_booking(artist=other), venue_rating=2)

    both_reviewed(completed_booking(artist=artist), venue_rating=5)

    assert rating(artist) == (Decimal("5.00"), 1)  # not the blind 1, not the other's 2
    assert rating(other) == (Decimal("2.00"), 1)


def test_an_average_exactly_between_two_cents_rounds_half_up():
    artist = ArtistProfileFactory()
    for stars in (5, 5, 5, 5, 5, 4, 2, 2):  # 33 / 8 = 4.125
        both_reviewed(completed_booking(artist=artist), venue_rating=stars)

    assert rating(artist) == (Decimal("4.13"), 8)


def test_the_reveal_publishes_only_the_due_reviews_and_counts_each():
    completed_booking(), completed_booking()  # never reviewed: review and booking ids differ
    due = [completed_booking(days_ago=10) for _ in range(2)]
    recent = completed_booking(days_ago=1)
    for booking in (*due, recent):
        services.review_create(user=venue_user(booking), booking_id=booking.pk, data={"rating": 4})
    later = due[0].completed_at + dt.timedelta(days=14, hours=1)

    assert services.reviews_reveal_due(now=later) == 2

    published = dict(Review.objects.values_list("booking_id", "published_at"))
    assert [published[b.pk] is not None for b in (*due, recent)] == [True, True, False]


def test_a_published_review_says_which_gig_it_is_about():
    booking = completed_booking()
    Notification.objects.all().delete()

    both_reviewed(booking)

    texts = set(
        Notification.objects.filter(verb="reviews.published").values_list("text", flat=True)
    )
    assert texts == {f"The reviews of “{booking.gig.title}” are published."}


@pytest.mark.parametrize("side", ["artist", "venue"])
def test_a_reply_tells_the_author_who_answered_about_which_gig(side):
    booking = completed_booking()
    about_artist = both_reviewed(booking)
    about_venue = Review.objects.get(booking=booking, side="artist")
    Notification.objects.all().delete()

    if side == "artist":
        services.review_reply(user=booking.artist.user, review_id=about_artist.pk, reply="Thanks")
        by_name = booking.artist.stage_name
    else:
        services.review_reply(user=venue_user(booking), review_id=about_venue.pk, reply="Thanks")
        by_name = booking.gig.venue.name

    (note,) = Notification.objects.filter(verb="review.replied")
    assert note.text == f"{by_name} replied to your review of “{booking.gig.title}”."


def test_a_reply_needs_words_comes_once_and_never_to_a_hidden_review():
    booking = completed_booking()
    review = both_reviewed(booking)
    artist = booking.artist.user

    for blank in (None, "   "):
        error = refused(
            lambda b=blank: services.review_reply(user=artist, review_id=review.pk, reply=b)
        )
        assert (error.code, error.details) == ("validation_error", {"reply": ["Write your reply."]})

    services.review_reply(user=artist, review_id=review.pk, reply="Thanks")
    error = refused(lambda: services.review_reply(user=artist, review_id=review.pk, reply="Again"))
    assert (error.code, error.status_code) == ("already_replied", 409)

    other = both_reviewed(completed_booking(artist=booking.artist))
    staff = User.objects.create_superuser(email="mod@example.com", password="x" * 12)
    services.review_hide(review_id=other.pk, by=staff, reason="Personal data")
    error = refused(lambda: services.review_reply(user=artist, review_id=other.pk, reply="Hm"))
    assert (error.code, error.status_code, error.message) == ("not_found", 404, "No such review.")


def test_staff_hide_a_review_only_with_a_reason():
    review = both_reviewed(completed_booking())
    staff = User.objects.create_superuser(email="mod@example.com", password="x" * 12)

    error = refused(lambda: services.review_hide(review_id=review.pk, by=staff, reason=" "))

    assert (error.code, error.details) == (
        "validation_error",
        {"reason": ["Say why (the other side sees this)."]},
    )
    assert Review.objects.get(pk=review.pk).hidden is False


def test_a_venue_reviewed_by_several_artists_is_rated_on_its_own_reviews():
    venue = VenueProfileFactory()
    both_reviewed(completed_booking(venue=venue), artist_rating=4)
    both_reviewed(completed_booking(venue=venue), artist_rating=3)
    both_reviewed(completed_booking(), artist_rating=1)  # another venue

    venue.refresh_from_db()
    assert (venue.avg_rating, venue.total_reviews) == (Decimal("3.50"), 2)


def test_a_booking_of_someone_else_is_not_found_by_name():
    booking = completed_booking()
    for stranger in (ArtistProfileFactory().user, VenueProfileFactory().user):
        error = refused(
            lambda u=stranger: services.review_create(
                user=u, booking_id=booking.pk, data={"rating": 5}
            )
        )
        assert (error.code, error.status_code, error.message) == (
            "not_found",
            404,
            "No such booking.",
        )


def test_a_review_is_written_after_completion_until_the_last_instant_of_the_window():
    gig = GigFactory()
    artist = ArtistProfileFactory()
    application = services.application_create(user=artist.user, gig_id=gig.pk, data={})
    active = services.application_accept(user=gig.venue.user, application_id=application.pk)
    error = refused(
        lambda: services.review_create(user=artist.user, booking_id=active.pk, data={"rating": 5})
    )
    assert (error.code, error.status_code, error.message) == (
        "review_not_open",
        409,
        "A booking is reviewed once the gig is completed.",
    )

    booking = completed_booking(days_ago=1)
    last = booking.completed_at + dt.timedelta(days=REVIEW_WINDOW_DAYS)
    with time_machine.travel(last + dt.timedelta(microseconds=1), tick=False):
        error = refused(
            lambda: services.review_create(
                user=venue_user(booking), booking_id=booking.pk, data={"rating": 5}
            )
        )
    assert (error.code, error.status_code, error.message) == (
        "review_not_open",
        409,
        f"Reviews are written within {REVIEW_WINDOW_DAYS} days of the gig.",
    )
    with time_machine.travel(last, tick=False):
        services.review_create(user=venue_user(booking), booking_id=booking.pk, data={"rating": 5})


def test_a_review_needs_a_rating_and_comes_once_per_side():
    booking = completed_booking()
    venue = venue_user(booking)

    error = refused(
        lambda: services.review_create(user=venue, booking_id=booking.pk, data={"comment": "Ok"})
    )
    assert error.details == {"rating": ["This field is required."]}

    services.review_create(user=venue, booking_id=booking.pk, data={"rating": 4})
    error = refused(
        lambda: services.review_create(user=venue, booking_id=booking.pk, data={"rating": 5})
    )
    assert (error.code, error.status_code, error.message) == (
        "already_reviewed",
        409,
        "You have already reviewed this booking.",
    )
