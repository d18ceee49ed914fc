"""Accessibility in a real browser: every page of the site as each role (anonymous, fan, artist,
venue, staff) passes axe with no serious or critical violation at 1280 and 390 px and does not
scroll sideways on the phone; forms in their error state too. axe checks a page once: the
signed-in pages that only the main menu tells apart between roles once as the fan, and a page
that another test (a journey) already checks in the same state not again here. Then a
keyboard-only pass (Tab, Shift+Tab, Enter, Space; typing into fields) through the artist
onboarding wizard and the profile editor, with a visible focus indicator on every stop.

The demo's own pictures (artists.demo draws them) are stored through the upload service into a
temporary MEDIA_ROOT, and the browser context answers ``/media/…`` from there.
"""

import datetime as dt
import mimetypes
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts import services as services_of_accounts
from accounts.models import EndedSession, Notification, Role, SessionEndReason
from accounts.notifications import notifications_mark_read as notify_read
from artists import services
from artists.demo import avatar_png, banner_png
from artists.models import ArtistProfile, Track
from tests.accounts.factories import NewUserFactory, UserFactory
from tests.artists.factories import ArtistProfileFactory, png_upload, wav_upload
from tests.e2e.a11y import assert_accessible

pytest.importorskip("playwright.sync_api", reason="e2e: the Python package 'playwright' is missing")
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect

from tests.e2e.conftest import TIMEOUT_MS, sign_in_by_cookie

pytestmark = pytest.mark.e2e


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture
def media_root(settings, tmp_path: Path) -> Path:
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root


@pytest.fixture
def open_page(browser: Browser, live_server, media_root: Path) -> Iterator[Callable[..., Page]]:
    """``open_page(user=None)``: a page in a fresh context (signed in as ``user`` when given, by
    its session cookie) that answers ``/media/…`` from MEDIA_ROOT."""
    opened: list[BrowserContext] = []

    def serve_media(route: Route) -> None:
        relative = unquote(urlsplit(route.request.url).path).removeprefix("/media/")
        file = (media_root / relative).resolve()
        if file.is_relative_to(media_root.resolve()) and file.is_file():
            kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
            route.fulfill(status=200, body=file.read_bytes(), content_type=kind)
        else:
            route.fulfill(status=404, body="not found")

    def make(user: Any = None) -> Page:
        ctx = browser.new_context(
            base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="en-US"
        )
        ctx.set_default_timeout(TIMEOUT_MS)
        ctx.set_default_navigation_timeout(TIMEOUT_MS)
        ctx.route(re.compile(r"^https?://[^/]+/media/"), serve_media)
        opened.append(ctx)
        if user is not None:
            sign_in_by_cookie(ctx, user, live_server.url)
        return ctx.new_page()

    yield make
    for ctx in opened:
        ctx.close()


@pytest.fixture
def artist(media_root: Path) -> ArtistProfile:
    """An onboarded artist as the demo has them: avatar, banner, a track, a press photo."""
    profile = ArtistProfileFactory(
        stage_name="Nova Reyes",
        slug="nova-reyes",
        tagline="Late-night indie folk with a warm, cinematic edge.",
        bio="Nova Reyes plays late-night indie folk with a warm, cinematic edge, from Austin to "
        "anywhere with a good room and a quiet crowd.",
        influences=["Phoebe Bridgers", "Bon Iver"],
        instagram_handle="novareyes",
        base_rate_flat=45000,
        available_weekends=True,
    )
    user = profile.user
    for kind, draw in (("avatar", avatar_png), ("banner", banner_png)):
        picture = draw(name=profile.stage_name, genre="indie")
        upload = SimpleUploadedFile(f"{kind}.png", picture, content_type="image/png")
        services.profile_set_image(user=user, kind=kind, upload=upload)
    services.track_create(
        user=user, audio=wav_upload("first-light.wav"), data={"title": "First Light"}
    )
    services.media_upload(user=user, category="press_photo", upload=png_upload("press.png"))
    profile.refresh_from_db()
    assert profile.avatar and profile.banner and Track.objects.filter(artist=profile).exists()
    return profile


@pytest.fixture
def venue_world(artist: ArtistProfile):
    """A public venue ("blue-door") with an open gig, and a past booking of Nova Reyes
    reviewed both ways (published) with a reply on each side; Nova also has a gig coming up
    there. Fills the venue page and the artist's Gigs and Reviews tabs."""
    from django.utils import timezone

    from marketplace import services as market
    from marketplace.models import Booking
    from tests.marketplace.factories import GigFactory, VenueProfileFactory, in_days

    venue = VenueProfileFactory(
        name="Blue Door",
        slug="blue-door",
        about="A 200-seat jazz and indie room on Main Street since 1962.",
        website="https://bluedoor.example/",
        phone="+1 512 555 0100",
    )
    GigFactory(venue=venue, title="Friday jazz night", date=in_days(3))
    played = GigFactory(venue=venue, title="Late folk session", date=in_days(10))
    application = market.application_create(user=artist.user, gig_id=played.pk, data={})
    booking = market.application_accept(user=venue.user, application_id=application.pk)
    market.gig_complete(gig_id=played.pk, now=played.ends_at)
    Booking.objects.filter(pk=booking.pk).update(completed_at=timezone.now())
    about_artist = market.review_create(
        user=venue.user, booking_id=booking.pk, data={"rating": 5, "comment": "Packed the room."}
    )
    about_venue = market.review_create(
        user=artist.user, booking_id=booking.pk, data={"rating": 4, "comment": "Paid on time."}
    )
    market.review_reply(user=artist.user, review_id=about_artist.pk, reply="Thank you!")
    market.review_reply(user=venue.user, review_id=about_venue.pk, reply="Come back soon.")
    coming = GigFactory(venue=venue, title="New year's eve", date=in_days(20))
    application = market.application_create(user=artist.user, gig_id=coming.pk, data={})
    market.application_accept(user=venue.user, application_id=application.pk)
    return venue


# --- every page, as each role ------------------------------------------------------------------

ANONYMOUS_PAGES = [
    "/",
    "/artists/",
    "/artists/?q=nova",
    "/artists/?q=zzzz-nothing",
    "/artists/?weekends=maybe&ordering=price&rate_min=cheap",  # filter errors
    "/artists/nova-reyes/",
    "/artists/nova-reyes/music/",
    "/artists/nova-reyes/media/",
    "/artists/nova-reyes/stats/",
    "/artists/nova-reyes/gigs/",  # the marketplace's tabs, loaded with HTMX
    "/artists/nova-reyes/reviews/",
    "/artists/nova-reyes/tabs/gigs/",  # the same as whole pages (no JavaScript)
    "/artists/nova-reyes/tabs/reviews/",
    "/venues/blue-door/",
    "/gigs/",
    "/gigs/?city=zzzz-nowhere",
    "/gigs/?min_pay=lots",  # filter errors
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/no-such-page/",
]
SIGNED_IN_PAGES = [
    "/dashboard/",
    "/settings/",
    "/accounts/sessions/",
    "/accounts/email/",
    "/accounts/password/change/",
    "/artists/",
    "/artists/nova-reyes/",
    "/notifications/",
    "/notifications/?unread=1",
    "/notifications/preferences/",
    "/messages/",
]
# Of those, the pages whose content depends on the role (or, for the artist's own page, on
# being its owner). The others differ between roles only by the main menu's links, which each
# role's dashboard has: axe checks them once, as the fan (who has the most on them).
ROLE_PAGES = ["/dashboard/", "/notifications/"]  # the venue's list stays empty
ARTIST_PAGES = [
    "/artists/nova-reyes/",  # as its owner
    "/studio/",
    "/studio/profile/",
    "/studio/tracks/",
    "/studio/media/",
    "/applications/",
    "/gigs/for-you/",
    "/gigs/?genre=indie",  # with "Save this search"
    "/availability/",
    "/saved-searches/",
    "/bookings/",  # empty states (the calendar page: test_booking_pages_are_accessible)
    "/bookings/?when=past",
]
STAFF_PAGES = [
    "/admin/",
    "/admin/artists/artistprofile/",
    "/admin/accounts/user/",
    "/admin/accounts/notification/",
]


def _check_all(page: Page, paths: list[str], who: str) -> None:
    failures: list[str] = []
    for path in paths:
        response = page.goto(path)
        assert response is not None
        expected = 404 if path == "/no-such-page/" else 200
        assert response.status == expected, f"{who} {path}: HTTP {response.status}"
        # The page asked for, not a redirect (to the sign-in page, say).
        shown = urlsplit(page.url)
        assert shown.path + (f"?{shown.query}" if shown.query else "") == path, f"{who} {path}"
        # Content loaded with HTMX (the artist page's marketplace tabs) is checked too.
        page.wait_for_function("() => !document.querySelector('[aria-busy=\"true\"]')")
        try:
            assert_accessible(page, f"{path} as {who}")
        except AssertionError as error:
            failures.append(str(error))
    assert not failures, "\n".join(failures)


def test_anonymous_pages_are_accessible(open_page, artist, venue_world):
    _check_all(open_page(), ANONYMOUS_PAGES, "anonymous")


def test_fan_pages_are_accessible(open_page, artist):
    fan = UserFactory(role=Role.FAN)
    # The device list's "recently ended" table, with a long browser name.
    EndedSession.objects.create(
        user=fan,
        ip="203.0.113.7",
        user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
        reason=SessionEndReason.PASSWORD_CHANGED,
    )
    # The bell's badge and the list with read and unread items (the venue's list stays empty).
    for _ in range(3):
        services_of_accounts.user_welcome(user=fan)
    first = Notification.objects.filter(user=fan).first()
    assert first is not None
    notify_read(user=fan, ids=[first.pk])
    _check_all(open_page(fan), SIGNED_IN_PAGES, "fan")


def test_venue_pages_are_accessible(open_page, artist):
    from marketplace.models import Application
    from tests.marketplace.factories import GigFactory, VenueProfileFactory

    venue = VenueProfileFactory()
    gig = GigFactory(venue=venue)
    Application.objects.create(
        gig=gig,
        gig_starts_at=gig.starts_at,
        artist=artist,
        pitch="We play all night.",
        proposed_rate=9000,
    )
    venue_pages = [
        "/venue/",
        "/venue/profile/",
        f"/venues/{venue.slug}/",
        f"/venue/gigs/{gig.pk}/applicants/",
        f"/gigs/{gig.pk}/",
        "/bookings/",  # the venue's empty state (the calendar: test_booking_pages_are_accessible)
    ]
    _check_all(open_page(venue.user), ROLE_PAGES + venue_pages, "venue")


def test_venue_wizard_and_profile_editor_are_accessible(open_page, venue_world):
    """The venue's wizard steps (a venue half-way through) and the profile editor, also in
    their error states."""
    from marketplace import services as market

    user = UserFactory(role=Role.VENUE, onboarding_complete=False)
    market.venue_onboarding_save_step(
        user=user,
        number=1,
        data={"name": "Green Room", "city": "Austin", "country": "US", "timezone": "UTC"},
    )
    page = open_page(user)
    _check_all(page, ["/onboarding/venue/1/", "/onboarding/venue/2/"], "onboarding venue")
    page.get_by_role("button", name="Finish").click()  # step 2's required fields are empty
    expect(page.get_by_test_id("error-summary")).to_be_visible()
    assert_accessible(page, "venue wizard with errors")

    owner = open_page(venue_world.user)
    owner.goto("/venue/profile/")
    owner.get_by_label(re.compile(r"^Venue name:?$")).fill("")
    owner.get_by_label(re.compile(r"^Capacity:?$")).fill("-5")
    owner.get_by_role("button", name="Save profile").click()
    summary = owner.get_by_test_id("error-summary")
    expect(summary.get_by_role("link")).to_have_count(2)
    assert_accessible(owner, "venue profile editor with errors")


def test_messaging_pages_are_accessible(open_page, artist):
    """The inbox with read and unread rows, a conversation (both sides' messages, a receipt),
    the compose page of a "Message" button, the report forms, a blocked conversation, and the
    send form in its error state."""
    from messaging import services as messaging

    fan = UserFactory(role=Role.FAN, display_name="Sam Fan")
    venue = UserFactory(role=Role.VENUE, display_name="The Blue Lantern")
    talk, _ = messaging.conversation_open(user=fan, other_id=artist.user_id)
    messaging.message_send(user=fan, conversation_id=talk.pk, content="Loved the set!\nEncore?")
    reply = messaging.message_send(
        user=artist.user, conversation_id=talk.pk, content="Thank you! " + "la " * 120
    )
    other, _ = messaging.conversation_open(user=venue, other_id=artist.user_id)
    messaging.message_send(user=venue, conversation_id=other.pk, content="Free on Friday?")
    blocked, _ = messaging.conversation_open(user=fan, other_id=venue.pk)
    messaging.user_block(user=venue, other_id=fan.pk)
    pages = [
        "/messages/",
        f"/messages/{talk.pk}/",
        f"/messages/{talk.pk}/report/",
        f"/messages/{talk.pk}/report/?message={reply.pk}",
        f"/messages/{blocked.pk}/",
        f"/messages/to/{UserFactory(role=Role.ARTIST, display_name='Juniper').pk}/",
    ]
    page = open_page(fan)
    _check_all(page, pages, "fan")
    page.goto(f"/messages/{talk.pk}/")
    # The form's path without the script: a copy of the form has no listener, so it posts.
    page.evaluate(
        "() => { const f = document.getElementById('composer'); f.replaceWith(f.cloneNode(true)); }"
    )
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_test_id("error-summary")).to_be_visible()
    assert_accessible(page, "conversation with a send error")


def test_fan_list_pages_are_accessible(open_page, artist, django_capture_on_commit_callbacks):
    """The artist's fan lists (empty form, a list with members in each state, the QR code), the
    import preview with refused rows, the report after import, and the fans' own pages: sign
    up (and its error state), check your inbox, confirm, unsubscribe (asked and done)."""
    from django.core import mail

    from messaging.fans import consent, imports
    from messaging.fans import services as fans

    user = artist.user
    made = fans.contact_list_create(user=user, name="Austin fans", description="Show news.")
    fans.member_add(
        user=user, list_id=made.pk, email="maya@example.com", name="Maya", city="Austin"
    )
    gone = fans.member_add(user=user, list_id=made.pk, phone="+15125550102")
    fans.sms_inbound(from_number=gone.phone, body="STOP")
    with django_capture_on_commit_callbacks(execute=True):
        fans.signup_request(token=made.signup_token, email="leo@example.com")
    confirm = next(line for line in mail.outbox[-1].body.splitlines() if "/fans/confirm/" in line)
    text = b"email,phone,name\na@example.com,,A\nbad,,B\n,12,C\nmaya@example.com,,Dup\n"
    preview = imports.import_preview(user=user, list_id=made.pk, data=text, filename="fans.csv")
    report = imports.import_preview(user=user, list_id=made.pk, data=text, filename="again.csv")
    imports.import_confirm(user=user, job_id=report.pk, consent_confirmed=True)
    member = fans.member_add(user=user, list_id=made.pk, email="sam@example.com")
    unsubscribe = "/fans/unsubscribe/" + consent.unsubscribe_token(member) + "/"
    page = open_page(user)
    _check_all(
        page,
        [
            "/studio/fans/",
            f"/studio/fans/{made.pk}/",
            f"/studio/fans/{made.pk}/?status=opted_out",
            f"/studio/fans/{made.pk}/import/",
            f"/studio/fans/imports/{preview.pk}/",
            f"/studio/fans/imports/{report.pk}/",
        ],
        "artist",
    )
    page.goto(f"/studio/fans/{made.pk}/")
    page.get_by_role("button", name="Add", exact=True).click()  # no consent, no address
    expect(page.get_by_test_id("error-summary")).to_be_visible()
    assert_accessible(page, "add a fan with errors")
    visitor = open_page()
    join = f"/fans/{made.signup_token}/join"
    _check_all(
        visitor, [join, "/" + confirm.split("://", 1)[1].split("/", 1)[1], unsubscribe], "anonymous"
    )
    visitor.goto(join)
    visitor.get_by_label("Email").fill("not an address")
    visitor.get_by_role("button", name="Join the list").click()
    expect(visitor.get_by_test_id("error-summary")).to_be_visible()
    assert_accessible(visitor, "sign-up page with errors")
    visitor.get_by_label("Email").fill("new@example.com")
    visitor.get_by_role("button", name="Join the list").click()
    expect(visitor.get_by_test_id("join-sent")).to_be_visible()
    assert_accessible(visitor, "sign-up sent")
    visitor.goto(unsubscribe)
    visitor.get_by_role("button", name="Unsubscribe").click()
    expect(visitor.get_by_test_id("unsubscribed")).to_be_visible()
    assert_accessible(visitor, "unsubscribed")


def test_artist_pages_are_accessible(open_page, artist):
    import datetime as dt

    from django.utils import timezone

    from marketplace import services as market
    from tests.marketplace.factories import GigFactory

    # Something on each gig-finding page: a match, a date range, a saved search.
    GigFactory(genre="indie", title="Indie night at the Blue Door")
    today = timezone.localdate()
    market.unavailability_add(
        user=artist.user,
        start_date=today + dt.timedelta(days=20),
        end_date=today + dt.timedelta(days=22),
        note="Touring",
    )
    market.saved_search_create(
        user=artist.user, name="Indie in Austin", filters={"genre": "indie", "city": "Austin"}
    )
    _check_all(open_page(artist.user), ROLE_PAGES + ARTIST_PAGES, "artist")


def test_booking_pages_are_accessible(open_page, artist):
    """The bookings pages with rows in every state, as both sides: upcoming, cancelled, past
    awaiting a review, blind (one review in), published (with the reply form); the cancel step
    and its error, the review form's error, the calendar page showing its address, and a bad
    filter (400)."""
    from marketplace import services as market
    from tests.marketplace.bookings import book, played
    from tests.marketplace.factories import GigFactory, VenueProfileFactory, in_days

    venue = VenueProfileFactory(name="The Long Room with a Rather Long Name", timezone="Asia/Tokyo")
    upcoming = book(GigFactory(venue=venue, date=in_days(5), end_time=dt.time(1, 0)), artist)
    cancelled = book(GigFactory(venue=venue, date=in_days(6)), artist)
    market.booking_cancel(user=venue.user, booking_id=cancelled.pk, reason="The roof leaks.")
    due, blind, published = (
        played(book(GigFactory(venue=venue, date=in_days(20 + n)), artist), days_ago=2 + n)
        for n in range(3)
    )
    market.review_create(user=venue.user, booking_id=blind.pk, data={"rating": 3})
    for user in (venue.user, artist.user):
        market.review_create(
            user=user, booking_id=published.pk, data={"rating": 5, "comment": "Lovely night."}
        )
    paths = [
        "/bookings/",
        "/bookings/?when=past",
        f"/bookings/{upcoming.pk}/cancel/",
        f"/bookings/{cancelled.pk}/cancel/",
        *(f"/bookings/{b.pk}/reviews/" for b in (upcoming, due, blind, published)),
        "/bookings/calendar/",
    ]
    for who in (artist.user, venue.user):
        page = open_page(who)
        _check_all(page, paths, who.role)
        page.goto(f"/bookings/{upcoming.pk}/cancel/")
        page.get_by_role("button", name="Cancel the booking").click()
        expect(page.get_by_test_id("error-summary")).to_be_visible()
        assert_accessible(page, f"cancel step with errors as {who.role}")
        page.goto(f"/bookings/{due.pk}/reviews/")
        page.get_by_role("button", name="Send my review").click()
        expect(page.get_by_test_id("error-summary")).to_be_visible()
        assert_accessible(page, f"review form with errors as {who.role}")
        page.goto("/bookings/calendar/")
        page.get_by_role("button", name="Make my calendar address").click()
        expect(page.get_by_test_id("feed-url")).to_be_visible()
        if who == venue.user:  # the artist's, the same page: tests/e2e/test_booking_journey.py
            assert_accessible(page, f"calendar address shown as {who.role}")
        response = page.goto("/bookings/?when=someday")
        assert response is not None and response.status == 400
        assert_accessible(page, f"bookings with a bad filter as {who.role}")


def test_the_marketplace_tabs_load_into_the_artist_page(open_page, venue_world):
    """A click on the Reviews tab (HTMX) keeps the artist page, pushes the tab's address and
    loads the marketplace's fragment into the panel; the venue link there leads to the venue."""
    page = open_page()
    page.goto("/artists/nova-reyes/")
    page.get_by_role("tab", name="Reviews").click()
    expect(page).to_have_url(re.compile(r"/artists/nova-reyes/reviews/$"))
    panel = page.get_by_role("tabpanel")
    expect(panel.get_by_test_id("reviews-tab")).to_contain_text("Packed the room.")
    expect(panel).to_contain_text("Reply from Nova Reyes: Thank you!")
    expect(page.get_by_role("tab", name="Reviews")).to_have_attribute("aria-selected", "true")
    page.get_by_role("tab", name="Gigs").click()
    expect(panel.get_by_test_id("upcoming-gig")).to_contain_text("New year's eve")
    panel.get_by_role("link", name="Blue Door").first.click()
    expect(page).to_have_url(re.compile(r"/venues/blue-door/$"))
    expect(page.get_by_test_id("review")).to_contain_text("Come back soon.")


def test_staff_pages_are_accessible(open_page, artist):
    staff = UserFactory(is_staff=True, is_superuser=True, role="")
    _check_all(open_page(staff), ["/dashboard/", *STAFF_PAGES], "staff")


def test_forms_with_errors_are_accessible(open_page, artist):
    """The error state of the long forms: a summary at the top (role=alert) that links to each
    field in error; axe-clean at both widths."""
    page = open_page(artist.user)
    page.goto("/studio/profile/")
    page.get_by_label(re.compile(r"^Stage name:?$")).fill("")
    page.get_by_label(re.compile(r"^Years performing:?$")).fill("500")  # max 100
    page.get_by_role("button", name="Save profile").click()
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_have_attribute("role", "alert")
    links = summary.get_by_role("link")
    expect(links).to_have_count(2)
    expect(links.first).to_have_attribute("href", "#id_stage_name")
    expect(links.last).to_have_attribute("href", "#id_years_performing")
    assert_accessible(page, "profile editor with errors")

    page.goto("/studio/tracks/")
    page.get_by_role("button", name="Upload track").click()
    expect(page.get_by_test_id("error-summary")).to_be_visible()
    assert_accessible(page, "track upload with errors")

    page.goto("/availability/")
    page.get_by_label(re.compile(r"^From:?$")).fill("2001-01-01")  # in the past
    page.get_by_role("button", name="Mark unavailable").click()
    expect(page.get_by_test_id("error-summary")).to_be_visible()
    assert_accessible(page, "unavailable dates with errors")

    # Save a search from the gig board, then again under the same name: the error is shown
    # next to the name on the saved-searches page.
    for _ in range(2):
        page.goto("/gigs/?genre=indie")
        page.get_by_text("Save this search").click()
        page.get_by_label("Name this search").fill("Indie nights")
        page.get_by_role("button", name="Save search").click()
        expect(page).to_have_url(re.compile(r"/saved-searches/$"))
    expect(page.get_by_test_id("error-summary")).to_be_visible()
    expect(page.get_by_test_id("saved-search")).to_have_count(1)
    assert_accessible(page, "saved searches with errors")

    new = NewUserFactory()
    fresh = open_page(new)
    fresh.goto("/dashboard/")  # where signing in leads
    expect(fresh).to_have_url(re.compile(r"/onboarding/$"))
    assert_accessible(fresh, "onboarding (role choice)")
    fresh.get_by_role("button", name="Continue").click()
    expect(fresh.get_by_test_id("error-summary")).to_be_visible()
    assert_accessible(fresh, "onboarding with errors")


def test_the_checks_catch_a_violation_and_sideways_scroll(open_page, artist):
    """The checks can fail: an image without alt text and a too-wide element are reported."""
    page = open_page()
    page.goto("/")
    page.evaluate(
        """() => {
        const img = document.createElement('img'); img.src = '/static/favicon.svg';
        document.querySelector('main').append(img);
        const wide = document.createElement('div'); wide.style.width = '900px';
        wide.textContent = 'wide'; document.querySelector('main').append(wide);
    }"""
    )
    with pytest.raises(AssertionError) as failure:
        assert_accessible(page, "broken on purpose")
    assert "image-alt" in str(failure.value)
    assert "horizontal scroll" in str(failure.value)


# --- keyboard only -------------------------------------------------------------------------------

FOCUS_VISIBLE_JS = """
() => {
  const el = document.activeElement;
  if (!el || el === document.body) return false;
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  const shadow = style.boxShadow && style.boxShadow !== 'none';
  return outline || shadow;
}
"""


def _focused(page: Page) -> str:
    """The focused element as ``tag[name=…]`` / its text, for messages and matching."""
    return page.evaluate(
        "() => { const e = document.activeElement; return e.tagName.toLowerCase() + "
        "(e.name ? '[name=' + e.name + ']' : '') + (e.id ? '#' + e.id : '') + ' ' + "
        "(e === document.body ? '' : (e.innerText || e.value || '').trim().slice(0, 40)); }"
    )


def _tab_to(page: Page, selector: str, *, limit: int = 60, backwards: bool = False) -> int:
    """Press Tab (or Shift+Tab) until the element matching ``selector`` has the focus; every
    stop on the way must show a focus indicator. Returns the number of presses."""
    page.wait_for_load_state()  # forms.js moves the focus once the page has loaded
    key = "Shift+Tab" if backwards else "Tab"
    path: list[str] = [_focused(page)]
    for presses in range(1, limit + 1):
        page.keyboard.press(key)
        path.append(_focused(page))
        assert page.evaluate(FOCUS_VISIBLE_JS), f"no visible focus after {' → '.join(path)}"
        if page.evaluate(f"() => document.activeElement.matches({selector!r})"):
            return presses
    raise AssertionError(f"{selector} never got the focus ({limit}x {key}): {' → '.join(path)}")


def _type_into(page: Page, name: str, text: str) -> None:
    """Tab to the field named ``name`` (the very next stop) and type."""
    assert _tab_to(page, f"[name={name}]", limit=1) == 1, f"{name} is not the next stop"
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def test_onboarding_wizard_by_keyboard_only(open_page):
    user = NewUserFactory()
    page = open_page(user)
    page.goto("/dashboard/")  # where signing in leads
    expect(page).to_have_url(re.compile(r"/onboarding/$"))

    # The skip link comes first and takes the focus to the content.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/onboarding/#main$"))

    # Role: Tab enters the radio group on its first choice, Artist; Space picks it.
    _tab_to(page, "input[type=radio]")
    assert page.evaluate("() => document.activeElement.value") == "artist"
    page.keyboard.press("Space")
    _tab_to(page, "[name=display_name]")
    page.keyboard.type("Juniper")
    _tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")

    # Step 1.
    expect(page).to_have_url(re.compile(r"/onboarding/artist/1/(#\w+)?$"))
    _tab_to(page, "[name=stage_name]")
    page.keyboard.type("Juniper Wolfe")
    _type_into(page, "legal_name", "")
    _type_into(page, "pronouns", "she/her")
    _type_into(page, "location_city", "Portland")
    _type_into(page, "location_state", "OR")
    _type_into(page, "location_country", "US")
    # Shift+Tab walks back through the same fields.
    _tab_to(page, "[name=location_state]", limit=1, backwards=True)
    _tab_to(page, "[name=location_country]", limit=1)
    _tab_to(page, "button[type=submit]", limit=3)
    page.keyboard.press("Enter")

    # Step 2: a short bio is refused with the rule the studio uses; the summary links to it.
    expect(page).to_have_url(re.compile(r"/onboarding/artist/2/(#\w+)?$"))
    _tab_to(page, "[name=tagline]")
    page.keyboard.type("Moody synth-pop for rainy evenings.")
    _type_into(page, "bio", "Synth-pop.")
    _tab_to(page, "button[type=submit]", limit=4)
    page.keyboard.press("Enter")
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_contain_text("at least 80 characters")
    _tab_to(page, ".error-summary a")
    page.keyboard.press("Enter")
    expect(page.locator("[name=bio]")).to_be_focused()
    page.keyboard.press("Control+A")
    page.keyboard.type(
        "Juniper Wolfe writes moody synth-pop with big choruses and a live drummer; "
        "the shows are loud, warm and built for small rooms."
    )
    _tab_to(page, "button[type=submit]", limit=4)
    page.keyboard.press("Enter")

    # Step 3: genre typed, performance types ticked with Space.
    expect(page).to_have_url(re.compile(r"/onboarding/artist/3/(#\w+)?$"))
    _tab_to(page, "[name=primary_genre]")
    page.keyboard.type("electronic")
    _tab_to(page, "input[name=performance_types][value=band]")
    page.keyboard.press("Space")
    expect(page.get_by_role("checkbox", name="Band")).to_be_checked()
    _tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")

    # Step 4: nothing required; a checkbox by Space, then on.
    expect(page).to_have_url(re.compile(r"/onboarding/artist/4/(#\w+)?$"))
    _tab_to(page, "[name=available_weekends]")
    page.keyboard.press("Space")
    _tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")

    # Step 5, and Finish with Space on the button.
    expect(page).to_have_url(re.compile(r"/onboarding/artist/5/(#\w+)?$"))
    _tab_to(page, "[name=years_performing]")
    page.keyboard.type("6")
    _tab_to(page, "button[type=submit]")
    page.keyboard.press("Space")

    expect(page).to_have_url(re.compile(r"/studio/(#\w+)?$"))
    profile = ArtistProfile.objects.get(user=user)
    assert (profile.stage_name, profile.primary_genre, profile.performance_types) == (
        "Juniper Wolfe",
        "electronic",
        ["band"],
    )
    assert profile.available_weekends is True
    assert profile.onboarding_step == 5
    # What the wizard accepted, the studio counts as written.
    expect(page.get_by_role("listitem").filter(has_text=re.compile(r"^Bio$"))).to_have_count(0)


def test_profile_editor_by_keyboard_only(open_page, artist):
    page = open_page(artist.user)
    page.goto("/studio/profile/")

    # Every stop from the top of the page to the Save button shows where the focus is.
    _tab_to(page, "[name=tagline]", limit=80)
    page.keyboard.press("Control+A")
    page.keyboard.type("Warm indie folk for late nights.")
    _tab_to(page, "[name=website_url]", limit=80)
    page.keyboard.type("not a link")
    _tab_to(page, "button[type=submit]:not([form])", limit=40)
    assert "Save profile" in _focused(page)
    page.keyboard.press("Enter")

    # The error summary, then its link, take the keyboard to the field.
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_be_visible()
    _tab_to(page, ".error-summary a", limit=80)
    page.keyboard.press("Enter")
    expect(page.locator("[name=website_url]")).to_be_focused()
    page.keyboard.press("Control+A")
    page.keyboard.type("https://novareyes.example.com")
    _tab_to(page, "button[type=submit]:not([form])", limit=40)
    page.keyboard.press("Space")

    expect(page.get_by_role("status")).to_contain_text("Profile saved.")
    artist.refresh_from_db()
    assert artist.tagline == "Warm indie folk for late nights."
    assert artist.website_url.rstrip("/") == "https://novareyes.example.com"


def test_campaign_pages_are_accessible(open_page, artist):
    """The campaign list, a new campaign (and its error state), an email and an SMS draft with
    their previews, the send confirmation, and a sent campaign's report."""
    from messaging.campaigns import services as campaigns
    from messaging.fans import services as fans

    contact_list = fans.contact_list_create(user=artist.user, name="Austin fans")
    for email, phone, name in (
        ("maya@fans.example", "+15125550101", "Maya Ortiz"),
        ("leo@fans.example", None, "Leo Park"),
    ):
        fans.member_add(
            user=artist.user, list_id=contact_list.pk, email=email, phone=phone, name=name
        )
    email = campaigns.campaign_create(
        user=artist.user,
        channel="email",
        contact_list_id=contact_list.pk,
        name="News",
        subject="News from {artist}",
        body="Hi {first_name}!",
    )
    sms = campaigns.campaign_create(
        user=artist.user, channel="sms", name="Tonight", body="Doors at 8 🎸 {first_name}"
    )
    sent = campaigns.campaign_create(
        user=artist.user,
        channel="email",
        name="Sent one",
        subject="Out now",
        body="Hi {first_name}",
    )
    campaigns.campaign_schedule(user=artist.user, campaign_id=sent.pk)
    campaigns.campaign_start(campaign_id=sent.pk)
    while campaigns.send_batch(campaign_id=sent.pk).claimed:
        pass
    pages = [
        "/studio/campaigns/",
        "/studio/campaigns/new/",
        f"/studio/campaigns/{email.pk}/",
        f"/studio/campaigns/{email.pk}/edit/",
        f"/studio/campaigns/{sms.pk}/",
        f"/studio/campaigns/{sms.pk}/send/",
        f"/studio/campaigns/{sent.pk}/",
    ]
    page = open_page(artist.user)
    _check_all(page, pages, "artist")
    page.goto("/studio/campaigns/new/")
    page.get_by_label(re.compile(r"^Message:?$")).fill("Hi {frist_name}")
    page.get_by_role("button", name="Save draft and preview").click()
    expect(page.get_by_test_id("error-summary")).to_be_visible()
    assert_accessible(page, "new campaign with errors")
