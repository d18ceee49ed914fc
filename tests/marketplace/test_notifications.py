"""Each marketplace transition tells the right people, with the right verb, and nobody else;
the rows roll back with the transition; links are paths of this site that resolve."""

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import resolve

from accounts.models import Notification
from accounts.notifications import kind_of
from marketplace import notifications as kinds
from marketplace import services
from marketplace.models import Booking, Gig, GigStatus
from tests.artists.factories import ArtistProfileFactory
from tests.marketplace.factories import GigFactory, VenueProfileFactory

pytestmark = pytest.mark.django_db


def told() -> set[tuple[int, str]]:
    return set(Notification.objects.values_list("user_id", "verb"))


def clear() -> None:
    Notification.objects.all().delete()


def apply_(artist, gig):
    return services.application_create(user=artist.user, gig_id=gig.pk, data={})


def test_every_kind_is_registered_with_a_label():
    for verb, label, email in kinds.KINDS:
        kind = kind_of(verb)
        assert kind.label == label and kind.email_default is email
    assert kind_of("application.accepted").email_default is True
    assert kind_of("application.rejected").email_default is False


def test_applying_tells_the_venue_only(gig, artist):
    apply_(artist, gig)
    assert told() == {(gig.venue.user_id, "application.received")}
    (note,) = Notification.objects.all()
    assert artist.stage_name in note.text and gig.title in note.text
    assert note.target_url == f"/venue/gigs/{gig.pk}/applicants/"
    assert resolve(note.target_url).url_name == "venue-applicants"


def test_withdrawing_tells_the_venue(gig, artist):
    application = apply_(artist, gig)
    clear()
    services.application_withdraw(user=artist.user, application_id=application.pk)
    assert told() == {(gig.venue.user_id, "application.withdrawn")}
    assert Notification.objects.get().text.startswith(f"{artist.stage_name} withdrew")


def test_rejecting_tells_the_artist(gig, artist):
    application = apply_(artist, gig)
    clear()
    services.application_reject(user=gig.venue.user, application_id=application.pk)
    assert told() == {(artist.user_id, "application.rejected")}


def test_accepting_tells_the_chosen_artist_and_each_artist_turned_down(gig, artist):
    chosen = apply_(artist, gig)
    others = ArtistProfileFactory.create_batch(2)
    for other in others:
        apply_(other, gig)
    gone = ArtistProfileFactory()
    services.application_withdraw(user=gone.user, application_id=apply_(gone, gig).pk)
    clear()

    services.application_accept(user=gig.venue.user, application_id=chosen.pk)

    assert told() == {
        (artist.user_id, "application.accepted"),
        *((other.user_id, "application.rejected") for other in others),
    }  # the withdrawn applicant and the venue hear nothing
    accepted = Notification.objects.get(verb="application.accepted")
    assert resolve(accepted.target_url).url_name == "bookings"


def test_cancelling_a_gig_tells_pending_applicants_not_the_ones_already_out(gig):
    pending = ArtistProfileFactory.create_batch(2)
    for a in pending:
        apply_(a, gig)
    rejected = ArtistProfileFactory()
    services.application_reject(user=gig.venue.user, application_id=apply_(rejected, gig).pk)
    clear()

    services.gig_cancel(user=gig.venue.user, gig_id=gig.pk, reason="Flooded.")

    assert told() == {(a.user_id, "gig.cancelled") for a in pending}
    assert all(resolve(n.target_url).url_name == "gig-detail" for n in Notification.objects.all())


def test_cancelling_a_filled_gig_tells_the_booked_artist(gig, artist):
    services.application_accept(user=gig.venue.user, application_id=apply_(artist, gig).pk)
    clear()
    services.gig_cancel(user=gig.venue.user, gig_id=gig.pk, reason="Flooded.")
    assert told() == {(artist.user_id, "gig.cancelled")}


def test_staff_cancelling_tells_the_venue_too(gig, artist, boss):
    apply_(artist, gig)
    clear()
    services.gig_cancel_by_staff(gig_id=gig.pk, by=boss, reason="Fraud.")
    assert told() == {(artist.user_id, "gig.cancelled"), (gig.venue.user_id, "gig.cancelled")}


@pytest.mark.parametrize("side", ["artist", "venue"])
def test_cancelling_a_booking_tells_the_other_side(gig, artist, side):
    booking = services.application_accept(
        user=gig.venue.user, application_id=apply_(artist, gig).pk
    )
    clear()
    by, other = (artist.user, gig.venue.user) if side == "artist" else (gig.venue.user, artist.user)
    services.booking_cancel(user=by, booking_id=booking.pk, reason="Ill.")
    assert told() == {(other.pk, "booking.cancelled")}
    name = artist.stage_name if side == "artist" else gig.venue_name
    assert Notification.objects.get().text.startswith(name)


def completed(gig, artist) -> Booking:
    booking = services.application_accept(
        user=gig.venue.user, application_id=apply_(artist, gig).pk
    )
    services.gig_complete(gig_id=gig.pk, now=gig.ends_at)
    booking.refresh_from_db()
    return booking


def test_completing_asks_both_sides_for_a_review_once(gig, artist):
    services.application_accept(user=gig.venue.user, application_id=apply_(artist, gig).pk)
    clear()
    assert services.gig_complete(gig_id=gig.pk, now=gig.ends_at)
    assert not services.gig_complete(gig_id=gig.pk, now=gig.ends_at)  # idempotent: no repeat
    assert told() == {(artist.user_id, "review.requested"), (gig.venue.user_id, "review.requested")}
    assert Notification.objects.count() == 2


def test_the_second_review_publishes_both_and_tells_both_sides(gig, artist):
    booking = completed(gig, artist)
    clear()
    services.review_create(user=gig.venue.user, booking_id=booking.pk, data={"rating": 5})
    assert told() == set()  # blind: nothing to tell yet
    services.review_create(user=artist.user, booking_id=booking.pk, data={"rating": 4})
    assert told() == {
        (artist.user_id, "reviews.published"),
        (gig.venue.user_id, "reviews.published"),
    }
    note = Notification.objects.first()
    assert resolve(note.target_url).url_name == "booking-reviews"


def test_the_reveal_task_tells_both_sides(gig, artist):
    booking = completed(gig, artist)
    services.review_create(user=gig.venue.user, booking_id=booking.pk, data={"rating": 5})
    clear()
    later = booking.completed_at + dt.timedelta(days=15)
    assert services.reviews_reveal_due(now=later) == 1
    assert services.reviews_reveal_due(now=later) == 0
    assert told() == {
        (artist.user_id, "reviews.published"),
        (gig.venue.user_id, "reviews.published"),
    }
    assert Notification.objects.count() == 2


def test_a_reply_tells_the_review_author(gig, artist):
    booking = completed(gig, artist)
    review = services.review_create(user=gig.venue.user, booking_id=booking.pk, data={"rating": 5})
    services.review_create(user=artist.user, booking_id=booking.pk, data={"rating": 4})
    clear()
    services.review_reply(user=artist.user, review_id=review.pk, reply="Thanks!")
    assert told() == {(gig.venue.user_id, "review.replied")}
    assert artist.stage_name in Notification.objects.get().text


def test_verifying_a_venue_tells_it_once_and_unverifying_says_nothing(boss):
    venue = VenueProfileFactory()
    services.venue_set_verified(venue_id=venue.pk, by=boss, verified=True, note="Checked.")
    services.venue_set_verified(venue_id=venue.pk, by=boss, verified=True, note="Again.")
    services.venue_set_verified(venue_id=venue.pk, by=boss, verified=False, note="Closed.")
    assert list(Notification.objects.values_list("user_id", "verb")) == [
        (venue.user_id, "venue.verified")
    ]


def test_a_rolled_back_transition_tells_nobody_and_sends_nothing(
    gig, artist, django_capture_on_commit_callbacks
):
    application = apply_(artist, gig)
    clear()
    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.application_accept(user=gig.venue.user, application_id=application.pk)
        assert told() == {(artist.user_id, "application.accepted")}
        raise RuntimeError("something after it failed")
    assert told() == set()
    assert callbacks == []  # no email queued
    assert Gig.objects.get(pk=gig.pk).status == GigStatus.OPEN


def test_a_failing_notify_rolls_the_whole_cancel_back(gig, monkeypatch):
    for a in ArtistProfileFactory.create_batch(2):
        apply_(a, gig)
    clear()
    real = kinds.notify
    calls = []

    def second_fails(user, **kwargs):
        calls.append(user)
        if len(calls) == 2:
            raise ValueError("boom")
        return real(user, **kwargs)

    monkeypatch.setattr(kinds, "notify", second_fails)
    with pytest.raises(ValueError):
        services.gig_cancel(user=gig.venue.user, gig_id=gig.pk, reason="Flooded.")
    assert told() == set()  # the first one's row went with the transaction
    assert Gig.objects.get(pk=gig.pk).status == GigStatus.OPEN


def _cancel_queries(applicants: int) -> int:
    gig = GigFactory()
    for a in ArtistProfileFactory.create_batch(applicants):
        apply_(a, gig)
    with CaptureQueriesContext(connection) as queries:
        services.gig_cancel(user=gig.venue.user, gig_id=gig.pk, reason="Flooded.")
    assert Notification.objects.filter(verb="gig.cancelled").count() >= applicants
    return len(queries)


def test_cancel_queries_grow_by_at_most_two_per_applicant():
    """``notify`` is one INSERT and one preference read per person: linear, pinned at 2."""
    few, many = _cancel_queries(2), _cancel_queries(12)
    assert many - few <= 2 * 10
    assert few <= 20
