"""The bookings, reviews and calendar-feed pages (marketplace/pages/bookings.py): what each side
sees, cancelling with a reason, blind reviews and replies, the feed URL shown once; nobody sees
or acts on another's booking or review (404 and nothing changed); bad input is named next to
its field; the list's query count does not grow with its rows."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from accounts.models import Notification, Role
from marketplace import services
from marketplace.models import Application, Booking, CalendarFeed, Review
from marketplace.pages import bookings as pages
from tests.accounts.factories import UserFactory
from tests.artists.factories import ArtistProfileFactory
from tests.marketplace.bookings import book, played
from tests.marketplace.factories import GigFactory, VenueProfileFactory, in_days

pytestmark = pytest.mark.django_db

LIST = reverse("bookings")


@pytest.fixture
def tokyo(db):
    """A venue in a zone without daylight saving, so the local time reads the same all year."""
    return VenueProfileFactory(name="Blue Note", timezone="Asia/Tokyo", city="Tokyo")


@pytest.fixture
def booking(tokyo, artist) -> Booking:
    return book(GigFactory(venue=tokyo, title="Late jazz", end_time=dt.time(1, 0)), artist)


def signed_in(client, user):
    client.force_login(user)
    return client


# --- the list ---------------------------------------------------------------------------------


@pytest.mark.parametrize("side", ["artist", "venue"])
def test_both_sides_see_the_booking_with_the_other_side_time_and_pay(client, booking, side):
    user = booking.artist.user if side == "artist" else booking.gig.venue.user
    page = signed_in(client, user).get(LIST)
    assert page.status_code == 200
    [row] = page.context["bookings"]
    gig = booking.gig
    # 20:00 in Tokyo, ending at 01:00 the next day; not the site's UTC (11:00).
    assert row["when"] == (
        f"{gig.date:%a} {gig.date.day} {gig.date:%b %Y}, 20:00\N{EN DASH}01:00 the next day JST"
    )
    assert (row["fee"], row["status_text"], row["can_cancel"]) == ("$500", "Booked", True)
    html = page.content.decode()
    assert f'href="{reverse("gig-detail", args=[gig.pk])}"' in html
    assert row["when"] in html
    if side == "venue":
        assert row["other"]["name"] == booking.artist.stage_name
        assert f'href="{reverse("artist-public", args=[booking.artist.slug])}"' in html
    else:
        assert row["other"]["name"] == "Blue Note"
        assert f'href="{reverse("venue-public", args=[gig.venue.slug])}"' in html
    assert f'href="{reverse("booking-cancel", args=[booking.pk])}"' in html


def test_a_deactivated_venue_is_named_without_a_link(client, artist, tokyo):
    booking = book(GigFactory(venue=tokyo), artist)
    tokyo.user.is_active = False
    tokyo.user.save(update_fields=["is_active"])
    page = signed_in(client, artist.user).get(LIST)
    [row] = page.context["bookings"]
    assert row["other"] == {"role": "Venue", "name": "Blue Note", "url": None}
    assert reverse("venue-public", args=[booking.gig.venue.slug]) not in page.content.decode()


def test_the_fee_is_the_agreed_rate_in_dollars(client, artist):
    booked = book(GigFactory(), artist, rate=12_345)
    page = signed_in(client, artist.user).get(LIST)
    assert page.context["bookings"][0]["fee"] == "$123.45"
    assert booked.fee == 12_345


def test_upcoming_and_past_are_apart_and_each_has_an_empty_state(client, artist, tokyo):
    signed_in(client, artist.user)
    for when in ("", "past"):
        page = client.get(LIST, {"when": when} if when else {})
        assert page.context["bookings"] == []
        assert b'data-testid="empty-state"' in page.content

    soon = book(GigFactory(venue=tokyo, date=in_days(5)), artist)
    later = book(GigFactory(venue=tokyo, date=in_days(9)), artist)
    old = played(book(GigFactory(venue=tokyo, date=in_days(20)), artist), days_ago=30)
    older = played(book(GigFactory(venue=tokyo, date=in_days(21)), artist), days_ago=40)
    assert [r["id"] for r in client.get(LIST).context["bookings"]] == [soon.pk, later.pk]
    past = client.get(LIST, {"when": "past"})
    assert [r["id"] for r in past.context["bookings"]] == [old.pk, older.pk]  # latest first
    assert [r["status_text"] for r in past.context["bookings"]] == ["Completed", "Completed"]


def test_a_cancelled_booking_stays_listed_with_who_and_why(client, booking):
    services.booking_cancel(user=booking.gig.venue.user, booking_id=booking.pk, reason="Flood.")
    page = signed_in(client, booking.artist.user).get(LIST)
    [row] = page.context["bookings"]
    assert (row["status_text"], row["cancel_reason"], row["can_cancel"]) == (
        "Cancelled by the venue",
        "Flood.",
        False,
    )
    assert reverse("booking-cancel", args=[booking.pk]).encode() not in page.content


def test_the_list_is_paginated(client, artist, tokyo, monkeypatch):
    monkeypatch.setattr(pages, "PAGE_SIZE", 2)
    made = [book(GigFactory(venue=tokyo, date=in_days(3 + n)), artist) for n in range(3)]
    signed_in(client, artist.user)
    first = client.get(LIST)
    assert [r["id"] for r in first.context["bookings"]] == [b.pk for b in made[:2]]
    assert b'href="?when=upcoming&amp;page=2"' in first.content
    second = client.get(LIST, {"page": "2"})
    assert [r["id"] for r in second.context["bookings"]] == [made[2].pk]
    assert b"Next page" not in second.content
    assert b"Previous page" in second.content
    assert client.get(LIST, {"page": "junk"}).context["page_number"] == 1


def test_an_unknown_filter_is_a_400_with_the_upcoming_list(client, booking):
    page = signed_in(client, booking.artist.user).get(LIST, {"when": "tomorrow"})
    assert page.status_code == 400
    assert b'data-testid="when-error"' in page.content
    assert [r["id"] for r in page.context["bookings"]] == [booking.pk]


def test_nobody_sees_another_sides_bookings(client, booking):
    for stranger in (ArtistProfileFactory().user, VenueProfileFactory().user):
        page = signed_in(client, stranger).get(LIST)
        assert page.context["bookings"] == []
        assert booking.gig.title.encode() not in page.content


def test_the_pages_are_for_artists_and_venues(client, booking):
    anonymous = client.get(LIST)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    signed_in(client, UserFactory(role=Role.FAN))
    for url in (
        LIST,
        reverse("booking-cancel", args=[booking.pk]),
        reverse("booking-reviews", args=[booking.pk]),
        reverse("calendar-settings"),
    ):
        assert client.get(url)["Location"] == reverse("dashboard")
    client.post(reverse("booking-cancel", args=[booking.pk]), {"reason": "fan"})
    booking.refresh_from_db()
    assert booking.status == "active"


def test_anonymous_visitors_are_sent_to_sign_in_and_change_nothing(client, booking):
    done = played(booking)
    services.review_create(user=done.gig.venue.user, booking_id=done.pk, data={"rating": 3})
    services.review_create(user=done.artist.user, booking_id=done.pk, data={"rating": 3})
    CalendarFeed.objects.create(user=done.artist.user, token_hash="0" * 64)
    posts = {
        reverse("booking-cancel", args=[done.pk]): {"reason": "anon"},
        reviews_url(done): {"rating": "1"},
        reverse("booking-review-reply", args=[done.pk]): {"reply": "anon"},
        reverse("calendar-rotate"): {},
        reverse("calendar-revoke"): {},
    }
    for url, data in posts.items():
        response = client.post(url, data)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get(reviews_url(done))["Location"].startswith("/accounts/login/")
    assert list(Review.objects.values_list("rating", "reply")) == [(3, ""), (3, "")]
    assert CalendarFeed.objects.get().token_hash == "0" * 64


@pytest.mark.parametrize("side", ["artist", "venue"])
def test_the_list_queries_do_not_grow_with_rows(
    client, artist, tokyo, side, django_assert_num_queries
):
    """Session, user, the page's rows (one statement: gig, venue, artist and one's own review
    joined in), the bell's count and the messages badge: five, with one booking or five."""
    user = artist.user if side == "artist" else tokyo.user
    signed_in(client, user)
    client.get(LIST)  # the first request after signing in records the device session
    book(GigFactory(venue=tokyo, date=in_days(3)), artist)
    reviewed = played(book(GigFactory(venue=tokyo, date=in_days(30)), artist))
    services.review_create(user=user, booking_id=reviewed.pk, data={"rating": 5})
    for when in ("upcoming", "past"):
        with django_assert_num_queries(5):
            assert len(client.get(LIST, {"when": when}).context["bookings"]) == 1

    for n in range(4):
        book(GigFactory(venue=tokyo, date=in_days(4 + n)), artist)
        done = played(book(GigFactory(venue=tokyo, date=in_days(40 + n)), artist))
        if n % 2:
            services.review_create(user=user, booking_id=done.pk, data={"rating": 4})
    for when in ("upcoming", "past"):
        with django_assert_num_queries(5):
            assert len(client.get(LIST, {"when": when}).context["bookings"]) == 5


# --- cancelling -------------------------------------------------------------------------------


@pytest.mark.parametrize("side", ["artist", "venue"])
def test_either_side_cancels_with_a_reason_after_a_confirm_step(client, booking, side):
    user = booking.artist.user if side == "artist" else booking.gig.venue.user
    url = reverse("booking-cancel", args=[booking.pk])
    confirm = signed_in(client, user).get(url)
    assert confirm.status_code == 200
    assert b'<label for="id_reason">Why are you cancelling?</label>' in confirm.content
    booking.refresh_from_db()
    assert booking.status == "active"  # opening the confirm step changes nothing

    response = client.post(url, {"reason": "  The van broke down.  "})
    assert response["Location"] == LIST
    booking.refresh_from_db()
    assert (booking.status, booking.cancelled_by, booking.cancel_reason) == (
        "cancelled",
        side,
        "The van broke down.",
    )
    application = Application.objects.get(pk=booking.application_id)
    assert application.status == ("withdrawn" if side == "artist" else "rejected")
    other = booking.gig.venue.user if side == "artist" else booking.artist.user
    note = Notification.objects.get(user=other, verb="booking.cancelled")
    assert note.target_url == LIST
    assert signed_in(client, other).get(note.target_url).status_code == 200


def test_a_cancel_without_a_reason_is_named_at_the_field_and_changes_nothing(client, booking):
    url = reverse("booking-cancel", args=[booking.pk])
    page = signed_in(client, booking.artist.user).post(url, {"reason": "   "})
    assert page.status_code == 200
    assert set(page.context["form"].errors) == {"reason"}
    assert b'id="id_reason_error"' in page.content
    too_long = client.post(url, {"reason": "x" * 1001})
    assert set(too_long.context["form"].errors) == {"reason"}
    booking.refresh_from_db()
    assert (booking.status, booking.cancel_reason) == ("active", "")


def test_a_booking_that_cannot_be_cancelled_says_why(client, booking):
    services.booking_cancel(user=booking.artist.user, booking_id=booking.pk, reason="Ill.")
    url = reverse("booking-cancel", args=[booking.pk])
    signed_in(client, booking.gig.venue.user)
    assert b'data-testid="not-cancellable"' in client.get(url).content
    page = client.post(url, {"reason": "Me too."})
    assert page.context["form"].non_field_errors() == ["The booking is cancelled."]
    booking.refresh_from_db()
    assert (booking.cancelled_by, booking.cancel_reason) == ("artist", "Ill.")


def test_a_started_gig_cannot_be_cancelled_from_the_page(client, booking):
    now = timezone.now()
    Booking.objects.filter(pk=booking.pk).update(
        starts_at=now - dt.timedelta(minutes=5), ends_at=now + dt.timedelta(hours=2)
    )
    signed_in(client, booking.artist.user)
    [row] = client.get(LIST).context["bookings"]
    assert (row["status_text"], row["can_cancel"]) == ("On now", False)
    url = reverse("booking-cancel", args=[booking.pk])
    assert b'data-testid="not-cancellable"' in client.get(url).content
    page = client.post(url, {"reason": "Late."})
    assert "has started" in page.context["form"].non_field_errors()[0]
    booking.refresh_from_db()
    assert booking.status == "active"


def test_nobody_cancels_another_sides_booking(client, booking):
    url = reverse("booking-cancel", args=[booking.pk])
    for stranger in (ArtistProfileFactory().user, VenueProfileFactory().user):
        signed_in(client, stranger)
        assert client.get(url).status_code == 404
        assert client.post(url, {"reason": "Mine now."}).status_code == 404
    missing = reverse("booking-cancel", args=[999_999])
    assert client.post(missing, {"reason": "x"}).status_code == 404
    booking.refresh_from_db()
    assert (booking.status, booking.cancel_reason) == ("active", "")
    assert not Notification.objects.filter(verb="booking.cancelled").exists()


# --- reviews ----------------------------------------------------------------------------------


def reviews_url(booking: Booking) -> str:
    return reverse("booking-reviews", args=[booking.pk])


def test_reviews_are_blind_until_both_are_in_then_public_together(client, booking):
    done = played(booking)
    venue_user, artist_user = done.gig.venue.user, done.artist.user
    url = reviews_url(done)

    form = signed_in(client, venue_user).get(url)
    assert b"<legend>Rating</legend>" in form.content
    response = client.post(url, {"rating": "4", "comment": "Tight set, on time."})
    assert response["Location"] == url
    mine = client.get(url)
    assert b"Tight set, on time." in mine.content
    assert mine.context["mine"]["published"] is False
    assert b'data-testid="blind-note"' in mine.content
    deadline = pages.local_text(done.completed_at + pages.REVIEW_WINDOW, "Asia/Tokyo")
    assert f"Hidden until both are in or {deadline}".encode() in mine.content
    listed = client.get(LIST, {"when": "past"})
    assert listed.context["bookings"][0]["review"] == {"state": "waiting", "deadline": deadline}
    assert f"stay hidden until both are in or {deadline}".encode() in listed.content

    # The artist sees nothing of it: no rating, no comment, not even that it exists.
    theirs = signed_in(client, artist_user).get(url)
    assert theirs.context["theirs"] is None
    assert b"Tight set" not in theirs.content and b"4 out of 5" not in theirs.content
    assert f"Hidden until both are in or {deadline}".encode() in theirs.content
    listed = client.get(LIST, {"when": "past"}).context["bookings"][0]
    assert listed["review"]["state"] == "open"  # not "the venue has reviewed you"
    assert Review.objects.get().published_at is None

    client.post(url, {"rating": "5", "comment": "Great sound, paid the same night."})
    both = client.get(url)
    assert both.context["mine"]["rating"] == 5 and both.context["theirs"]["rating"] == 4
    assert b"Tight set, on time." in both.content
    venue_side = signed_in(client, venue_user).get(url)
    assert b"Great sound, paid the same night." in venue_side.content
    assert venue_side.context["theirs"]["published"] and venue_side.context["mine"]["published"]
    assert client.get(LIST, {"when": "past"}).context["bookings"][0]["review"]["state"] == (
        "published"
    )
    # Public together: on the artist's and the venue's public review lists.
    from marketplace import selectors

    assert [r.comment for r in selectors.public_reviews(artist_slug=done.artist.slug)] == [
        "Tight set, on time."
    ]
    assert [r.comment for r in selectors.public_reviews(venue_slug=done.gig.venue.slug)] == [
        "Great sound, paid the same night."
    ]


def test_bad_review_input_is_named_at_the_field_and_nothing_is_saved(client, booking):
    done = played(booking)
    url = reviews_url(done)
    signed_in(client, done.gig.venue.user)
    for bad in ({"comment": "no rating"}, {"rating": "7"}, {"rating": "5", "comment": "x" * 2001}):
        page = client.post(url, bad)
        assert page.status_code == 200
        errors = page.context["review_form"].errors
        assert set(errors) == ({"comment"} if "comment" in bad and "rating" in bad else {"rating"})
        assert b'data-testid="error-summary"' in page.content
    assert not Review.objects.exists()


def test_a_second_review_is_refused_and_the_first_kept(client, booking):
    done = played(booking)
    url = reviews_url(done)
    signed_in(client, done.artist.user).post(url, {"rating": "2", "comment": "First."})
    page = client.post(url, {"rating": "5", "comment": "Second."})
    assert page.context["review_form"].non_field_errors() == [
        "You have already reviewed this booking."
    ]
    assert list(Review.objects.values_list("rating", "comment")) == [(2, "First.")]


def test_reviews_open_only_after_completion_and_close_after_the_window(client, booking):
    signed_in(client, booking.artist.user)
    early = client.get(reviews_url(booking))
    assert b'data-testid="reviews-not-open"' in early.content
    page = client.post(reviews_url(booking), {"rating": "5"})
    assert "completed" in page.context["review_form"].non_field_errors()[0]
    assert not Review.objects.exists()

    done = played(booking)
    Booking.objects.filter(pk=done.pk).update(completed_at=timezone.now() - dt.timedelta(days=15))
    closed = client.get(reviews_url(done))
    assert b'data-testid="window-closed"' in closed.content
    assert client.post(reviews_url(done), {"rating": "5"}).status_code == 200
    assert not Review.objects.exists()


def test_a_lone_review_is_revealed_after_the_window_and_can_be_replied_to(client, booking):
    done = played(booking)
    url = reviews_url(done)
    services.review_create(
        user=done.gig.venue.user, booking_id=done.pk, data={"rating": 2, "comment": "Quiet."}
    )
    Booking.objects.filter(pk=done.pk).update(completed_at=timezone.now() - dt.timedelta(days=15))
    signed_in(client, done.artist.user)
    assert b"Quiet." not in client.get(url).content  # past the window, not revealed yet
    assert services.reviews_reveal_due() == 1

    page = client.get(url)
    assert page.context["theirs"]["comment"] == "Quiet."
    assert b'data-testid="window-closed"' in page.content and page.context["can_reply"]
    venue_page = signed_in(client, done.gig.venue.user).get(url)
    assert venue_page.context["mine"]["published"] and venue_page.context["theirs"] is None
    assert b'data-testid="no-review"' in venue_page.content


def test_after_the_reveal_each_side_replies_once(client, booking):
    done = played(booking)
    url = reviews_url(done)
    venue_user, artist_user = done.gig.venue.user, done.artist.user
    reply_url = reverse("booking-review-reply", args=[done.pk])
    signed_in(client, venue_user).post(url, {"rating": "3", "comment": "Started late."})
    # Before the reveal there is nothing to reply to: 404, nothing written.
    assert signed_in(client, artist_user).post(reply_url, {"reply": "Early!"}).status_code == 404
    client.post(url, {"rating": "5"})

    page = client.get(url)
    assert page.context["can_reply"] is True
    empty = client.post(reply_url, {"reply": "  "})
    assert set(empty.context["reply_form"].errors) == {"reply"}
    assert b'id="id_reply_error"' in empty.content
    assert client.post(reply_url, {"reply": "The sound check ran over."})["Location"] == url
    again = client.post(reply_url, {"reply": "And another thing."})
    assert again.context["reply_form"].non_field_errors() == ["You have already replied."]
    review = Review.objects.get(side="venue")
    assert review.reply == "The sound check ran over."
    assert b"Publish my reply" not in client.get(url).content

    # The venue sees the artist's reply under its review, and replies to the artist's.
    venue_page = signed_in(client, venue_user).get(url)
    assert b"The sound check ran over." in venue_page.content
    client.post(reply_url, {"reply": "Thanks for coming."})
    assert Review.objects.get(side="artist").reply == "Thanks for coming."
    note = Notification.objects.get(user=venue_user, verb="review.replied")
    assert note.target_url == url


def test_nobody_reads_or_writes_another_sides_reviews(client, booking):
    done = played(booking)
    services.review_create(
        user=done.gig.venue.user, booking_id=done.pk, data={"rating": 1, "comment": "Secret"}
    )
    services.review_create(user=done.artist.user, booking_id=done.pk, data={"rating": 2})
    for stranger in (ArtistProfileFactory().user, VenueProfileFactory().user):
        signed_in(client, stranger)
        assert client.get(reviews_url(done)).status_code == 404
        assert client.post(reviews_url(done), {"rating": "5"}).status_code == 404
        reply = reverse("booking-review-reply", args=[done.pk])
        assert client.post(reply, {"reply": "Not mine"}).status_code == 404
    assert Review.objects.count() == 2
    assert not Review.objects.exclude(reply="").exists()


def test_review_notifications_open_the_reviews_page_for_both_sides(client, booking):
    done = played(booking)  # completing asks both sides for a review
    for user in (done.artist.user, done.gig.venue.user):
        note = Notification.objects.get(user=user, verb="review.requested")
        assert note.target_url == reviews_url(done)
        assert signed_in(client, user).get(note.target_url).status_code == 200
    accepted = Notification.objects.get(verb="application.accepted")
    assert accepted.target_url == LIST


# --- the calendar feed ------------------------------------------------------------------------


def test_the_calendar_page_makes_shows_once_rotates_and_revokes_the_feed(client, booking, settings):
    settings.SITE_URL = "https://umbrella.test"
    settings.ALLOWED_HOSTS = ["*"]
    page_url = reverse("calendar-settings")
    signed_in(client, booking.artist.user)
    off = client.get(page_url)
    assert b"Make my calendar address" in off.content and off.context["url"] is None
    assert client.get(reverse("calendar-rotate")).status_code == 405

    made = client.post(reverse("calendar-rotate"))
    assert made.status_code == 200
    assert made["Cache-Control"] == "private, no-store"
    url = made.context["url"]
    assert url.startswith("https://umbrella.test/calendar/") and url.endswith(".ics")
    assert f'value="{url}"'.encode() in made.content
    path = url.removeprefix("https://umbrella.test")
    feed = Calendar.from_ical(client.get(path).content)
    [event] = feed.walk("VEVENT")
    assert str(event["UID"]).startswith(f"booking-{booking.pk}@")

    again = client.get(page_url)
    assert again.context["url"] is None and path.encode() not in again.content
    assert b"Make a new address" in again.content

    newer = client.post(reverse("calendar-rotate")).context["url"]
    assert newer != url
    assert client.get(path).status_code == 404  # the old address is dead at once
    assert client.post(reverse("calendar-revoke"))["Location"] == page_url
    assert client.get(newer.removeprefix("https://umbrella.test")).status_code == 404
    assert not CalendarFeed.objects.exists()
    assert b"Make my calendar address" in client.get(page_url).content
