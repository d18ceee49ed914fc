"""The analytics dashboards in a real Chromium: uPlot draws every chart under the site's
Content-Security-Policy (no violation, no script error) and the canvases hold a drawing; the
artist's and the venue's dashboards and the public Stats tab pass axe at 1280 and 390 px; the
table opens from the keyboard; the period links and the public figures work end to end."""

from decimal import Decimal

import pytest

from analytics import metrics
from analytics.models import PublicStats
from tests.analytics.conftest import artist_day, venue_day
from tests.artists.factories import ArtistProfileFactory
from tests.marketplace.factories import VenueProfileFactory

pytest.importorskip("playwright.sync_api", reason="e2e: the Python package 'playwright' is missing")
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import TIMEOUT_MS, sign_in_by_cookie

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# How many pixels of a chart's canvas are painted (not transparent).
PAINTED = """(figure) => {
  const canvas = figure.querySelector("canvas");
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
  return painted;
}"""


def open_as(browser: Browser, live_server, user=None) -> tuple[Page, list[str]]:
    """A page (signed in as ``user`` when given) and the list its console errors go to."""
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="en-US"
    )
    context.set_default_timeout(TIMEOUT_MS)
    if user is not None:
        sign_in_by_cookie(context, user, live_server.url)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page, errors


def test_the_artist_dashboard_draws_its_charts(browser, live_server, accessible, screenshot):
    artist = ArtistProfileFactory(stage_name="Nova Reyes")
    gig = {"gigs_completed": 1, "earnings": 45_000, "reviews": 1, "avg_rating": Decimal("4.5")}
    for n in range(0, 60):
        views = 20 + n % 7 * 5
        extra = gig if n % 9 == 0 else {}
        artist_day(
            artist, n, profile_views=views, unique_viewers=views, messages_received=n % 4, **extra
        )
    page, errors = open_as(browser, live_server, artist.user)

    page.goto("/analytics/")

    charts = page.locator("figure[data-chart]")
    expect(charts).to_have_count(len(metrics.CHARTS["artist"]))
    expect(page.locator("figure[data-chart][data-drawn='true']")).to_have_count(charts.count())
    for figure in charts.element_handles():
        assert figure.evaluate(PAINTED) > 500, figure.get_attribute("data-testid")
    expect(page.get_by_test_id("figure-profile_views")).to_contain_text("Profile views")
    assert errors == []
    screenshot(page, "analytics-artist")
    accessible(page, "analytics dashboard (artist)")

    # The table opens from the keyboard; it has a row per day.
    summary = page.get_by_test_id("table-view").locator("summary")
    summary.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#table-caption")).to_be_visible()
    expect(page.locator("[data-testid=table-view] tbody tr")).to_have_count(30)
    accessible(page, "analytics dashboard, table open")

    # Another period: the charts are drawn again, over 365 days.
    page.get_by_test_id("period-365").click()
    expect(page.get_by_test_id("period-365")).to_have_attribute("aria-current", "page")
    expect(page.locator("figure[data-chart][data-drawn='true']")).to_have_count(charts.count())
    assert errors == []


def test_the_venue_dashboard_draws_and_is_accessible(browser, live_server, accessible):
    venue = VenueProfileFactory(name="The Blue Door")
    for n in range(0, 30, 2):
        wait = 3600 * (n % 5 + 1)
        venue_day(
            venue, n, applications_received=3, applications_answered=2, median_answer_seconds=wait
        )
    page, errors = open_as(browser, live_server, venue.user)
    page.goto("/analytics/?days=30")
    expect(page.locator("figure[data-chart][data-drawn='true']")).to_have_count(
        len(metrics.CHARTS["venue"])
    )
    assert errors == []
    accessible(page, "analytics dashboard (venue)")


def test_the_artist_makes_figures_public_and_visitors_see_them(browser, live_server, accessible):
    artist = ArtistProfileFactory(stage_name="Nova Reyes")
    for n in range(0, 40):
        artist_day(artist, n, profile_views=12, unique_viewers=12)
    page, errors = open_as(browser, live_server, artist.user)
    page.goto("/analytics/")
    page.get_by_label("Profile views").check()
    page.get_by_test_id("public-stats-save").click()
    expect(page.get_by_text("Your public page now shows these figures.")).to_be_visible()
    assert PublicStats.objects.get(artist=artist).metrics == ["profile_views"]

    visitor, visitor_errors = open_as(browser, live_server)
    visitor.goto(f"/artists/{artist.slug}/stats/")
    shown = visitor.get_by_test_id("public-figure-profile_views")
    expect(shown).to_contain_text("360")
    expect(visitor.get_by_test_id("public-stats").locator("svg.sparkline")).to_have_count(1)
    assert visitor_errors == [] and errors == []
    accessible(visitor, "the public Stats tab with figures")
