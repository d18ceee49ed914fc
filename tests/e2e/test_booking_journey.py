"""The booking cycle in a real browser, both sides in their own browser contexts.

1. A venue posts a gig on its page, an artist applies from the gig board, the venue accepts;
   both see the booking on /bookings/ (the time in the venue's zone), and the artist's private
   calendar feed, made on its page and fetched over HTTP, has the event (parsed with icalendar).
2. A completed booking: the venue reviews, and the artist sees nothing of it; the artist
   reviews, and both reviews are public together; the artist replies once.
"""

import datetime as dt
import re
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from marketplace.models import Booking, Gig, Review
from tests.artists.factories import ArtistProfileFactory
from tests.marketplace.bookings import book, played
from tests.marketplace.factories import GigFactory, VenueProfileFactory, in_days

pytest.importorskip("playwright.sync_api", reason="e2e: the Python package 'playwright' is missing")
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.conftest import TIMEOUT_MS, sign_in_by_cookie

pytestmark = pytest.mark.e2e


def _label(text: str) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(text)}:?$")


@pytest.fixture
def signed_in(browser: Browser, live_server) -> Iterator[Callable[[Any], Page]]:
    """``signed_in(user)``: a page in a fresh browser context, signed in (by its session
    cookie); ``data-confirm`` questions are answered yes."""
    opened: list[BrowserContext] = []

    def make(user: Any) -> Page:
        ctx = browser.new_context(
            base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="en-US"
        )
        ctx.set_default_timeout(TIMEOUT_MS)
        ctx.set_default_navigation_timeout(TIMEOUT_MS)
        opened.append(ctx)
        sign_in_by_cookie(ctx, user, live_server.url)
        page = ctx.new_page()
        page.on("dialog", lambda dialog: dialog.accept())
        return page

    yield make
    for ctx in opened:
        ctx.close()


def test_venue_posts_artist_applies_venue_accepts_both_see_it_and_the_feed_has_it(
    signed_in, live_server, settings, accessible
):
    settings.SITE_URL = live_server.url  # the feed address the page shows points here
    venue = VenueProfileFactory(name="Blue Door", timezone="America/Chicago", city="Austin")
    artist = ArtistProfileFactory(stage_name="Nova Reyes", slug="nova-reyes")
    date = in_days(12)

    # The venue posts a gig from its page.
    venue_page = signed_in(venue.user)
    venue_page.goto("/dashboard/")  # where signing in leads
    venue_page.get_by_role("link", name="My venue").click()
    venue_page.get_by_label(_label("Title")).fill("Friday jazz")
    venue_page.get_by_label(_label("Date")).fill(date.isoformat())
    venue_page.get_by_label(_label("Starts")).fill("20:00")
    venue_page.get_by_label(_label("Ends")).fill("23:00")
    venue_page.get_by_label(_label("Genre")).select_option("jazz")
    venue_page.get_by_label(_label("Pay ($)")).fill("300")
    venue_page.get_by_label(_label("Pay type")).select_option("flat")
    venue_page.get_by_role("button", name="Post the gig").click()
    expect(venue_page.get_by_role("status")).to_contain_text("“Friday jazz” is posted.")
    gig = Gig.objects.get(title="Friday jazz")

    # The artist finds it on the board and applies.
    artist_page = signed_in(artist.user)
    artist_page.goto("/dashboard/")  # where signing in leads
    artist_page.get_by_role("link", name="Gigs", exact=True).click()
    artist_page.get_by_role("link", name="Friday jazz").click()
    artist_page.get_by_label(_label("Your pitch")).fill("Trio, standards and originals.")
    artist_page.get_by_role("button", name="Send application").click()
    expect(artist_page.get_by_test_id("application-status")).to_contain_text("Pending")

    # The venue accepts (a confirm question, answered yes).
    venue_page.goto(f"/venue/gigs/{gig.pk}/applicants/")
    venue_page.get_by_role("button", name="Accept Nova Reyes").click()
    expect(venue_page.get_by_role("status")).to_contain_text("Accepted")
    booking = Booking.objects.get(gig=gig)

    # Both see the booking, at the venue's local time.
    start = dt.datetime.combine(date, dt.time(20, 0), tzinfo=ZoneInfo("America/Chicago"))
    when = f"{start:%a} {date.day} {start:%b %Y}, 20:00\N{EN DASH}23:00 {start.tzname()}"
    venue_page.get_by_role("link", name="Bookings", exact=True).click()
    row = venue_page.get_by_test_id("booking")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Friday jazz")
    expect(row.get_by_test_id("booking-other")).to_have_text("Nova Reyes")
    expect(row.get_by_role("link", name="Nova Reyes")).to_have_attribute(
        "href", "/artists/nova-reyes/"
    )
    expect(row.get_by_test_id("booking-when")).to_have_text(when)
    expect(row.get_by_test_id("booking-fee")).to_have_text("$300")
    accessible(venue_page, "bookings as the venue")

    artist_page.get_by_role("link", name="Bookings", exact=True).click()
    row = artist_page.get_by_test_id("booking")
    expect(row).to_have_count(1)
    expect(row.get_by_test_id("booking-other")).to_have_text("Blue Door")
    expect(row.get_by_test_id("booking-when")).to_have_text(when)
    expect(row.get_by_test_id("booking-status")).to_have_text("Booked")

    # The artist makes the calendar address; it is shown once and the feed has the booking.
    artist_page.get_by_role("link", name="Calendar feed").click()
    artist_page.get_by_role("button", name="Make my calendar address").click()
    address = artist_page.get_by_test_id("feed-url").input_value()
    assert address.startswith(f"{live_server.url}/calendar/") and address.endswith(".ics")
    accessible(artist_page, "calendar feed with the address")
    with urllib.request.urlopen(address, timeout=10) as answer:  # noqa: S310 (the live server)
        assert answer.headers["Content-Type"].startswith("text/calendar")
        calendar = Calendar.from_ical(answer.read())
    [event] = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == "Friday jazz · Blue Door"
    assert str(event["UID"]).startswith(f"booking-{booking.pk}@")
    assert event.decoded("DTSTART") == start
    assert str(event["STATUS"]) == "CONFIRMED"
    artist_page.goto("/bookings/calendar/")  # opened again: the address is not shown again
    expect(artist_page.get_by_test_id("feed-url")).to_have_count(0)
    expect(artist_page.get_by_test_id("feed-state")).to_contain_text("On, since")


def _completed_booking() -> Booking:
    venue = VenueProfileFactory(name="Blue Door", timezone="America/Chicago")
    artist = ArtistProfileFactory(stage_name="Nova Reyes", slug="nova-reyes")
    return played(book(GigFactory(venue=venue, title="Saturday soul", date=in_days(10)), artist))


def test_both_sides_review_blind_and_the_reviews_become_public_together(signed_in, accessible):
    booking = _completed_booking()
    venue, artist = booking.gig.venue, booking.artist

    # The venue reviews the artist from its past bookings.
    venue_page = signed_in(venue.user)
    venue_page.goto("/bookings/?when=past")
    row = venue_page.get_by_test_id("booking")
    expect(row.get_by_test_id("review-state")).to_contain_text("Your review is due by")
    row.get_by_role("button", name="Write your review of Saturday soul").click()
    venue_page.get_by_role("button", name="Send my review").click()  # no rating: refused
    expect(venue_page.get_by_test_id("error-summary")).to_contain_text("Rating")
    accessible(venue_page, "review form with errors")
    venue_page.get_by_role("radio", name="4 (very good)").check()
    venue_page.get_by_label(_label("Comment")).fill("Packed the room, on time.")
    venue_page.get_by_role("button", name="Send my review").click()
    mine = venue_page.get_by_test_id("my-review")
    expect(mine).to_contain_text("Packed the room, on time.")
    expect(mine.get_by_test_id("blind-note")).to_contain_text("Hidden until both are in or")

    # The artist sees nothing of it yet.
    artist_page = signed_in(artist.user)
    artist_page.goto(f"/bookings/{booking.pk}/reviews/")
    theirs = artist_page.get_by_test_id("their-review")
    expect(theirs.get_by_test_id("blind-note")).to_contain_text("Hidden until both are in or")
    expect(artist_page.get_by_text("Packed the room")).to_have_count(0)
    expect(artist_page.get_by_text("4 out of 5")).to_have_count(0)
    public = artist_page.request.get(f"/api/v1/artists/{artist.slug}/reviews").json()
    assert public["results"] == []
    accessible(artist_page, "reviews page, blind")

    # The artist reviews the venue: both are published together.
    artist_page.get_by_role("radio", name="5 (excellent)").check()
    artist_page.get_by_label(_label("Comment")).fill("Great sound, paid the same night.")
    artist_page.get_by_role("button", name="Send my review").click()
    expect(theirs).to_contain_text("Packed the room, on time.")
    expect(theirs).to_contain_text("4 out of 5")
    about_artist = artist_page.request.get(f"/api/v1/artists/{artist.slug}/reviews").json()
    about_venue = artist_page.request.get(f"/api/v1/venues/{venue.slug}/reviews").json()
    assert [r["comment"] for r in about_artist["results"]] == ["Packed the room, on time."]
    assert [r["comment"] for r in about_venue["results"]] == ["Great sound, paid the same night."]
    published = set(Review.objects.values_list("published_at", flat=True))
    assert len(published) == 1 and None not in published  # the same moment, both

    # The artist replies, once.
    artist_page.get_by_label(_label("Your public reply")).fill("Thanks for having us!")
    artist_page.get_by_role("button", name="Publish my reply").click()
    expect(artist_page.get_by_test_id("my-reply")).to_contain_text("Thanks for having us!")
    expect(artist_page.get_by_role("button", name="Publish my reply")).to_have_count(0)
    accessible(artist_page, "reviews page, published, replied")

    venue_page.reload()
    expect(venue_page.get_by_test_id("their-review")).to_contain_text(
        "Great sound, paid the same night."
    )
    expect(venue_page.get_by_test_id("reply-to-mine")).to_contain_text("Thanks for having us!")
    venue_page.goto("/bookings/?when=past")
    expect(venue_page.get_by_test_id("review-state")).to_have_text("The reviews are published.")
