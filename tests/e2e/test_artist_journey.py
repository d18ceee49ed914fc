"""An artist's journey in a real browser: the five-step onboarding wizard (left halfway and resumed
in a new browser), the studio (a track, a press photo, a refused fake image), the public page as
an anonymous visitor (Open Graph tags, HTMX tabs, playing a track counts a play) and search.

Uploaded files go to a temporary MEDIA_ROOT. The live server does not serve ``/media/`` (only a
DEBUG server would), so the browser context answers those requests from that folder, the way a
web server or the S3 bucket would in production.
"""

import mimetypes
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from django.db import connection
from django.template.defaultfilters import filesizeformat

from accounts.models import Role
from artists import services
from artists.demo import tone_wav
from artists.models import ArtistProfile, MediaFile, MediaQuota, Track
from artists.selectors import completeness_of
from tests.accounts.factories import PASSWORD, NewUserFactory
from tests.artists.factories import PNG_1PX, ArtistProfileFactory

pytest.importorskip("playwright.sync_api", reason="e2e: the Python package 'playwright' is missing")
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect

from tests.e2e.conftest import TIMEOUT_MS, sign_in_by_cookie

pytestmark = pytest.mark.e2e

STAGE_NAME = "Juniper Wolfe"


def _label(text: str) -> re.Pattern[str]:
    """A field's label, with or without Django's ":" suffix."""
    return re.compile(rf"^{re.escape(text)}:?$")


def _sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.get_by_label(_label("Email")).fill(email)
    page.get_by_label(_label("Password")).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def _field(page: Page, name: str):
    """The wrapper of one form field (label, input, error, help) in includes/form.html."""
    return page.locator("div.field").filter(has=page.locator(f"[name='{name}']"))


def _steps(page: Page):
    return page.get_by_role("navigation", name="Onboarding progress").get_by_role("listitem")


@pytest.fixture
def media_root(settings, tmp_path: Path) -> Path:
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root


@pytest.fixture
def new_context(browser: Browser, live_server, media_root: Path) -> Iterator[Callable[[], Page]]:
    """``new_context()`` opens a page in a fresh browser context (no cookies), which answers
    ``/media/…`` from MEDIA_ROOT; every context is closed at the end of the test."""
    opened: list[BrowserContext] = []

    def serve_media(route: Route) -> None:
        relative = unquote(urlsplit(route.request.url).path).removeprefix("/media/")
        file = (media_root / relative).resolve()
        if file.is_relative_to(media_root.resolve()) and file.is_file():
            kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
            route.fulfill(status=200, body=file.read_bytes(), content_type=kind)
        else:
            route.fulfill(status=404, body="not found")

    def make() -> Page:
        ctx = browser.new_context(
            base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="en-US"
        )
        ctx.set_default_timeout(TIMEOUT_MS)
        ctx.set_default_navigation_timeout(TIMEOUT_MS)
        ctx.route(re.compile(r"^https?://[^/]+/media/"), serve_media)
        opened.append(ctx)
        return ctx.new_page()

    yield make
    for ctx in opened:
        ctx.close()


# --- 1. onboarding, left halfway and resumed ------------------------------------------------


def test_artist_onboards_leaves_after_step_2_and_resumes_at_step_3(
    new_context, screenshot, accessible
):
    user = NewUserFactory(email="juniper@example.com")

    # Sign in: no role yet, so the onboarding page; choosing Artist opens the wizard.
    page = new_context()
    _sign_in(page, user.email)
    expect(page).to_have_url(re.compile(r"/onboarding/$"))
    page.get_by_role("radio", name="Artist").check()
    page.get_by_label(_label("Display name")).fill("Juniper")
    page.get_by_role("button", name="Continue").click()

    # Step 1: who you are.
    expect(page).to_have_url(re.compile(r"/onboarding/artist/1/$"))
    expect(page.get_by_role("heading", name="Who you are")).to_be_visible()
    expect(page.get_by_test_id("step-indicator")).to_contain_text("Step 1 of 5")
    page.get_by_label(_label("Stage name")).fill(f"  {STAGE_NAME} ")
    page.get_by_label(_label("City")).fill("Portland")
    page.get_by_label(_label("State or region")).fill("OR")
    page.get_by_label(_label("Country")).fill("us")
    page.get_by_role("button", name="Save and continue").click()

    # Step 2: bio and story.
    expect(page).to_have_url(re.compile(r"/onboarding/artist/2/$"))
    expect(page.get_by_role("heading", name="Bio & story")).to_be_visible()
    page.get_by_label(_label("Tagline")).fill("Moody synth-pop for rainy evenings.")
    page.get_by_label(_label("Bio")).fill(
        "Juniper Wolfe writes moody synth-pop with big choruses and a live drummer; "
        "the shows are loud, warm and built for small rooms."
    )
    page.get_by_role("button", name="Save and continue").click()
    expect(page).to_have_url(re.compile(r"/onboarding/artist/3/$"))
    profile = ArtistProfile.objects.get(user=user)
    assert profile.onboarding_step == 2

    # Leave: the browser goes away (cookies and all).
    page.context.close()

    # A new browser: signing in again resumes at step 3, and so does the dashboard.
    page = new_context()
    _sign_in(page, user.email)
    expect(page).to_have_url(re.compile(r"/onboarding/artist/3/$"))
    expect(page.get_by_role("heading", name="Your sound")).to_be_visible()
    page.goto("/dashboard/")
    expect(page).to_have_url(re.compile(r"/onboarding/artist/3/$"))
    page.goto("/onboarding/")
    expect(page).to_have_url(re.compile(r"/onboarding/artist/3/$"))
    # Skipping ahead is not possible either.
    page.goto("/onboarding/artist/5/")
    expect(page).to_have_url(re.compile(r"/onboarding/artist/3/$"))

    # The progress indicator: steps 1 and 2 done (and links back), 3 current, 4 and 5 ahead.
    items = _steps(page)
    expect(items).to_have_count(5)
    for done in (0, 1):
        expect(items.nth(done)).to_have_class(re.compile(r"\bdone\b"))
        expect(items.nth(done).get_by_role("link")).to_be_visible()
    expect(items.nth(2)).to_have_attribute("aria-current", "step")
    for ahead in (3, 4):
        expect(items.nth(ahead)).not_to_have_class(re.compile(r"\bdone\b"))
        expect(items.nth(ahead).get_by_role("link")).to_have_count(0)
    # What was saved is still there when going back.
    items.nth(0).get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/onboarding/artist/1/$"))
    expect(page.get_by_label(_label("Stage name"))).to_have_value(STAGE_NAME)
    expect(page.get_by_label(_label("Country"))).to_have_value("US")
    page.goto("/onboarding/artist/3/")

    # Step 3 without the required genre and performance type: errors next to the fields.
    page.get_by_label(_label("Influences")).fill("Robyn, Chvrches")
    page.get_by_role("button", name="Save and continue").click()
    expect(page).to_have_url(re.compile(r"/onboarding/artist/3/$"))
    genre = _field(page, "primary_genre")
    expect(genre.locator(".field-error")).to_have_text("This field is required.")
    expect(page.get_by_label(_label("Primary genre"))).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label(_label("Primary genre"))).to_have_accessible_description(
        "This field is required."
    )
    expect(_field(page, "performance_types").locator(".field-error")).to_have_text(
        "This field is required."
    )
    expect(page.get_by_label(_label("Influences"))).to_have_value("Robyn, Chvrches")
    profile.refresh_from_db()
    assert profile.onboarding_step == 2
    assert profile.influences == []
    screenshot(page, "artist-wizard-step3-errors")
    accessible(page, "wizard step 3 with errors")

    # Step 3, done right.
    page.get_by_label(_label("Primary genre")).fill("  Synth   Pop ")
    page.get_by_label(_label("Other genres")).fill("Electronic, Indie")
    page.get_by_role("checkbox", name="Band").check()
    page.get_by_role("checkbox", name="Acoustic set").check()
    page.get_by_role("button", name="Save and continue").click()

    # Step 4: rates are typed in dollars and stored in cents.
    expect(page).to_have_url(re.compile(r"/onboarding/artist/4/$"))
    expect(page.get_by_role("heading", name="Rates & availability")).to_be_visible()
    page.get_by_label(_label("Flat rate per show ($)")).fill("450.50")
    page.get_by_label(_label("Hourly rate ($)")).fill("120")
    page.get_by_label("Available on weekends").check()
    page.get_by_label(_label("How far you travel (miles)")).fill("80")
    page.get_by_role("button", name="Save and continue").click()
    expect(page).to_have_url(re.compile(r"/onboarding/artist/5/$"))
    profile.refresh_from_db()
    assert (profile.base_rate_flat, profile.base_rate_hourly) == (45050, 12000)
    # Back on step 4 the rates read in dollars again.
    page.goto("/onboarding/artist/4/")
    expect(page.get_by_label(_label("Flat rate per show ($)"))).to_have_value(
        re.compile(r"^450\.50?$")
    )
    expect(page.get_by_label(_label("Hourly rate ($)"))).to_have_value(re.compile(r"^120(\.00?)?$"))
    page.goto("/onboarding/artist/5/")

    # Step 5: finish, land in the studio.
    expect(page.get_by_role("heading", name="Quick questions")).to_be_visible()
    page.get_by_label(_label("Years performing")).fill("6")
    page.get_by_label(_label("Your biggest gig so far")).fill(
        "Opening for Chvrches at the Crystal Ballroom"
    )
    page.get_by_role("button", name="Finish").click()

    expect(page).to_have_url(re.compile(r"/studio/$"))
    expect(page.get_by_role("status")).to_contain_text(
        "Your artist profile is live. Welcome to Umbrella!"
    )
    expect(page.get_by_role("heading", name=STAGE_NAME, level=1)).to_be_visible()
    expect(page.get_by_test_id("completeness")).to_have_text(re.compile(r"^\d{1,3}% complete$"))
    screenshot(page, "artist-studio-new")
    accessible(page, "new artist's studio")

    user.refresh_from_db()
    profile.refresh_from_db()
    assert (user.role, user.onboarding_complete) == (Role.ARTIST, True)
    assert profile.onboarding_step == 5
    # Normalised on the way in.
    assert profile.stage_name == STAGE_NAME
    assert profile.slug == "juniper-wolfe"
    assert profile.location_country == "US"
    assert profile.primary_genre == "synth pop"
    assert profile.secondary_genres == ["electronic", "indie"]
    assert profile.influences == ["Robyn", "Chvrches"]
    assert sorted(profile.performance_types) == ["acoustic", "band"]
    assert (profile.available_weekdays, profile.available_weekends) == (False, True)
    assert profile.travel_radius_miles == 80
    assert profile.years_performing == 6
    completeness = page.get_by_test_id("completeness").inner_text()
    assert completeness == f"{completeness_of(artist=profile)['score']}% complete"


# --- 2 and 3. studio uploads, then the public page --------------------------------------------


def test_artist_uploads_track_and_photo_then_a_visitor_plays_the_track(
    new_context, live_server, tmp_path: Path, screenshot
):
    artist = ArtistProfileFactory(
        stage_name=STAGE_NAME,
        slug="juniper-wolfe",
        tagline="Moody synth-pop for rainy evenings.",
        primary_genre="pop",
        location_city="Portland",
    )
    quota = MediaQuota.objects.get(artist=artist)
    assert quota.used_bytes == 0

    page = new_context()
    sign_in_by_cookie(page.context, artist.user, live_server.url)
    page.goto("/dashboard/")  # where signing in leads
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Studio").click()
    expect(page).to_have_url(re.compile(r"/studio/$"))
    page.get_by_role("link", name="Tracks").click()

    # A track: a 3-second WAV.
    expect(page).to_have_url(re.compile(r"/studio/tracks/$"))
    expect(page.get_by_text("No tracks yet.")).to_be_visible()

    # Not audio (a text file named .mp3): refused next to the audio field, the title stays.
    fake_song = tmp_path / "song.mp3"
    fake_song.write_text("la la la\n" * 20)
    page.get_by_label(_label("Title")).fill("First Light")
    page.get_by_label(_label("Audio file")).set_input_files(fake_song)
    page.get_by_role("button", name="Upload track").click()
    expect(_field(page, "audio").locator(".field-error")).to_have_text(
        "This kind of file is not accepted here."
    )
    expect(page.get_by_label(_label("Audio file"))).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label(_label("Title"))).to_have_value("First Light")
    assert not Track.objects.filter(artist=artist).exists()

    wav = tmp_path / "first-light.wav"
    wav.write_bytes(tone_wav(seconds=3))
    page.get_by_label(_label("Title")).fill("First Light")
    page.get_by_label(_label("Audio file")).set_input_files(wav)
    page.get_by_label(_label("Genre")).fill("pop")
    page.get_by_role("button", name="Upload track").click()

    expect(page).to_have_url(re.compile(r"/studio/tracks/$"))
    expect(page.get_by_role("status")).to_contain_text("“First Light” added.")
    rows = page.get_by_test_id("track-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("First Light")
    expect(rows.first.get_by_role("cell").nth(2)).to_have_text("3 s")
    track = Track.objects.get(artist=artist)
    assert (track.title, track.duration_seconds, track.plays) == ("First Light", 3, 0)
    assert track.audio_size_bytes == wav.stat().st_size
    screenshot(page, "artist-studio-tracks")

    # A press photo in the locker: the quota bar moves.
    page.goto("/studio/media/")
    quota_text = page.get_by_test_id("quota")
    used_before = MediaQuota.objects.get(artist=artist).used_bytes
    assert used_before == wav.stat().st_size
    expect(quota_text).to_contain_text(f"{filesizeformat(used_before)} of 50.0\xa0GB used")
    photo = tmp_path / "press.png"
    photo.write_bytes(PNG_1PX)
    page.get_by_label(_label("Category")).select_option(label="Press photo")
    page.get_by_label(_label("File")).set_input_files(photo)
    page.get_by_role("button", name="Upload").click()

    expect(page.get_by_role("status")).to_contain_text("“press.png” uploaded.")
    expect(page.get_by_test_id("media-row")).to_have_count(1)
    expect(page.get_by_test_id("media-row").first).to_contain_text("press.png")
    used_after = MediaQuota.objects.get(artist=artist).used_bytes
    assert used_after == used_before + len(PNG_1PX)
    expect(quota_text).to_contain_text(f"{filesizeformat(used_after)} of 50.0\xa0GB used")
    expect(quota_text.locator("progress")).to_have_attribute("value", str(used_after))

    # A text file named .png: refused, the error next to the file field, nothing stored.
    fake = tmp_path / "not-a-photo.png"
    fake.write_text("Just some words, not an image.\n" * 4)
    page.get_by_label(_label("Category")).select_option(label="Press photo")
    page.get_by_label(_label("File")).set_input_files(fake)
    page.get_by_role("button", name="Upload").click()
    expect(page).to_have_url(re.compile(r"/studio/media/$"))
    file_field = _field(page, "file")
    expect(file_field.locator(".field-error")).to_have_text(
        "This kind of file is not accepted here."
    )
    expect(page.get_by_label(_label("File"))).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_test_id("media-row")).to_have_count(1)
    assert MediaFile.objects.filter(artist=artist).count() == 1
    assert MediaQuota.objects.get(artist=artist).used_bytes == used_after
    screenshot(page, "artist-studio-media")

    page.goto("/studio/")
    expect(page.get_by_test_id("quota")).to_contain_text(filesizeformat(used_after))
    screenshot(page, "artist-studio")
    page.context.close()

    # --- the public page, as an anonymous visitor -------------------------------------------
    visitor = new_context()
    visitor.goto(f"/artists/{artist.slug}/")
    expect(visitor).to_have_title(f"{STAGE_NAME} · Umbrella")
    canonical = f"{live_server.url}/artists/{artist.slug}/"
    head = visitor.locator("head")
    expect(head.locator("meta[property='og:type']")).to_have_attribute("content", "profile")
    expect(head.locator("meta[property='og:title']")).to_have_attribute(
        "content", f"{STAGE_NAME} on Umbrella"
    )
    expect(head.locator("meta[property='og:description']")).to_have_attribute(
        "content", "Moody synth-pop for rainy evenings."
    )
    expect(head.locator("meta[property='og:url']")).to_have_attribute("content", canonical)
    expect(head.locator("link[rel='canonical']")).to_have_attribute("href", canonical)
    expect(head.locator("meta[property='og:image']")).to_have_count(0)  # no avatar yet
    expect(visitor.get_by_role("heading", name=STAGE_NAME, level=1)).to_be_visible()
    panel = visitor.get_by_role("tabpanel")
    expect(panel).to_contain_text("A touring act with a loyal following")
    expect(panel.get_by_role("heading", name="Links")).to_have_count(0)  # none to show
    expect(visitor.get_by_role("tab", name="About")).to_have_attribute("aria-selected", "true")
    screenshot(visitor, "artist-public-about")
    services.profile_views_flush()  # with Redis, views reach the counter at the next flush
    artist.refresh_from_db()
    assert artist.profile_views == 1

    # Tabs load with HTMX (no full page load) and push their URL.
    visitor.evaluate("window.__sameDocument = true")
    for name, url, text in (
        ("Media", f"/artists/{artist.slug}/media/", "press.png"),
        ("Stats", f"/artists/{artist.slug}/stats/", "profile view"),
        ("About", f"/artists/{artist.slug}/about/", "A touring act"),
        ("Music", f"/artists/{artist.slug}/music/", "First Light"),
    ):
        with visitor.expect_response(lambda r, url=url: r.url.endswith(url)) as answer:
            visitor.get_by_role("tab", name=name).click()
        assert answer.value.request.headers.get("hx-request") == "true"
        assert "hx-request" in answer.value.headers.get("vary", "").lower()  # page vs fragment
        expect(visitor).to_have_url(f"{live_server.url}{url}")
        expect(panel).to_contain_text(text)
        expect(visitor.get_by_role("tab", name=name)).to_have_attribute("aria-selected", "true")
        expect(visitor.get_by_role("tab", selected=True)).to_have_count(1)
    assert visitor.evaluate("window.__sameDocument") is True
    # The photo in the Media tab was served (an image that decoded).
    visitor.get_by_role("tab", name="Media").click()
    image = panel.get_by_role("img", name="press.png")
    expect(image).to_be_visible()
    assert image.evaluate("img => img.complete && img.naturalWidth") == 1
    visitor.get_by_role("tab", name="Music").click()
    expect(panel.get_by_test_id("public-track")).to_have_count(1)
    services.profile_views_flush()
    artist.refresh_from_db()
    assert artist.profile_views == 1  # tab loads are not page views

    # Play: the player posts one play to the API once the audio starts.
    audio = panel.get_by_test_id("public-track").locator("audio")
    expect(audio).to_have_accessible_name("First Light")
    with visitor.expect_request(
        lambda r: r.method == "POST" and r.url.endswith(f"/tracks/{track.pk}/play")
    ) as play:
        box = audio.bounding_box()
        assert box is not None
        audio.click(position={"x": 20, "y": box["height"] / 2})  # the play button
    assert play.value.response().status in (200, 204)
    visitor.wait_for_function(
        "a => !a.paused && a.currentTime > 0", arg=audio.element_handle(), timeout=TIMEOUT_MS
    )
    track.refresh_from_db()
    assert track.plays == 1
    screenshot(visitor, "artist-public-music")

    # Pausing and playing again in the same page view does not count twice.
    audio.evaluate("a => a.pause()")
    audio.evaluate("a => a.play()")
    visitor.wait_for_function("a => !a.paused", arg=audio.element_handle())
    visitor.wait_for_timeout(300)
    track.refresh_from_db()
    assert track.plays == 1

    # Back, with htmx's history snapshot gone (evicted, or never stored): htmx asks the server
    # for the page again (with HX-Request) and must get a whole page, not the tab fragment.
    visitor.evaluate("sessionStorage.removeItem('htmx-history-cache')")
    visitor.go_back()
    expect(visitor).to_have_url(f"{live_server.url}/artists/{artist.slug}/media/")
    expect(visitor.get_by_role("tab", name="Media")).to_have_attribute("aria-selected", "true")
    expect(visitor.get_by_role("tabpanel")).to_contain_text("press.png")
    expect(visitor.get_by_role("navigation", name="Main")).to_be_visible()
    expect(visitor.get_by_role("heading", name=STAGE_NAME, level=1)).to_be_visible()
    visitor.go_forward()
    expect(visitor).to_have_url(f"{live_server.url}/artists/{artist.slug}/music/")
    expect(visitor.get_by_role("tab", name="Music")).to_have_attribute("aria-selected", "true")

    # A full load of a tab's URL renders the whole page with that tab selected.
    visitor.goto(f"/artists/{artist.slug}/stats/")
    expect(visitor.get_by_role("heading", name=STAGE_NAME, level=1)).to_be_visible()
    expect(visitor.get_by_role("tab", name="Stats")).to_have_attribute("aria-selected", "true")
    plays = visitor.get_by_role("tabpanel").locator("article").filter(has_text="track play")
    expect(plays.get_by_role("heading")).to_have_text("1")
    # Back to the Music tab's URL (pushed by HTMX): a whole page again, not a bare fragment.
    visitor.go_back()
    expect(visitor).to_have_url(f"{live_server.url}/artists/{artist.slug}/music/")
    expect(visitor.get_by_role("heading", name=STAGE_NAME, level=1)).to_be_visible()
    expect(visitor.get_by_role("navigation", name="Main")).to_be_visible()


# --- 4. search -------------------------------------------------------------------------------


def test_visitor_finds_the_artist_by_genre_city_and_on_postgresql_a_typo(
    new_context, screenshot, accessible
):
    artist = ArtistProfileFactory(
        stage_name=STAGE_NAME,
        slug="juniper-wolfe",
        tagline="Moody synth-pop for rainy evenings.",
        primary_genre="electronic",
        location_city="Portland",
        location_country="US",
    )
    ArtistProfileFactory(
        stage_name="Marcus Vale",
        primary_genre="blues",
        location_city="Chicago",
        avg_rating="4.70",
        total_reviews=3,
    )
    # Not onboarded yet: never listed.
    ArtistProfileFactory(
        stage_name="Juniper Halfway", primary_genre="electronic", user__onboarding_complete=False
    )

    page = new_context()
    page.goto("/artists/")
    expect(page.get_by_role("heading", name="Find artists")).to_be_visible()
    cards = page.get_by_test_id("artist-card")
    expect(cards).to_have_count(2)
    rated = cards.filter(has_text="Marcus Vale")
    expect(rated.get_by_role("img", name="Rated 4.7 out of 5")).to_have_text("★ 4.7")

    # The search box: a genre word (a plain match on SQLite, full-text on PostgreSQL).
    expect(page.get_by_role("search")).to_have_count(1)
    page.get_by_role("searchbox", name="Search artists").fill("electronic")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"/artists/\?q=electronic&"))
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text(STAGE_NAME)
    expect(cards.first).to_contain_text("Electronic · Portland, US")
    expect(cards.first).not_to_contain_text("★")  # no reviews yet: no rating to show
    screenshot(page, "artist-search")
    accessible(page, "search results")

    # The city filter.
    page.goto("/artists/?city=portland")
    expect(cards).to_have_count(1)
    expect(cards.first.get_by_role("link", name=STAGE_NAME)).to_be_visible()

    # No match: a clear empty state.
    page.goto("/artists/?q=polka")
    expect(cards).to_have_count(0)
    expect(page.get_by_text("No artists match that search.")).to_be_visible()

    # The card leads to the public page.
    page.goto("/artists/?q=Juniper")
    expect(cards).to_have_count(1)
    cards.first.get_by_role("link", name=STAGE_NAME).click()
    expect(page).to_have_url(re.compile(rf"/artists/{artist.slug}/$"))

    if connection.vendor == "postgresql":
        # Typo tolerance (trigram similarity on the stage name) is PostgreSQL-only.
        page.goto("/artists/?q=Junpier+Wolf")
        expect(cards).to_have_count(1)
        expect(cards.first).to_contain_text(STAGE_NAME)
