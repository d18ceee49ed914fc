"""Analytics pages: the artist's and the venue's dashboards (headline figures against the period
before, charts' data, the table, the period choice), the CSV export, the choice of public
figures, and the figures a public artist shows on their Stats tab. Nobody sees anyone else's."""

import csv
import io
import json
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from analytics import metrics
from analytics.models import PublicStats
from tests.accounts.factories import NewUserFactory, UserFactory
from tests.analytics.conftest import artist_day, days_ago, venue_day
from tests.artists.factories import ArtistProfileFactory

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def charts_of(html: str) -> dict[str, dict]:
    pattern = r'<script id="chart-data-([\w-]+)" type="application/json">(.*?)</script>'
    found = re.findall(pattern, html, re.S)
    return {slug: json.loads(text) for slug, text in found}


@pytest.fixture
def busy_artist(artist):
    for n in range(30):
        artist_day(artist, n, profile_views=10, unique_viewers=10)
    artist_day(artist, 40, profile_views=5, unique_viewers=5, earnings=80_000, gigs_completed=2)
    return artist


def test_the_artist_dashboard_shows_the_period_against_the_one_before(busy_artist):
    response = signed_in(busy_artist.user).get("/analytics/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nova Reyes" in html
    assert 'href="?days=30" aria-current="page"' in html
    views = re.search(r'data-testid="figure-profile_views">(.*?)</article>', html, re.S)[1]
    assert ">300<" in views and "Up 5900% from 5." in views
    earnings = re.search(r'data-testid="figure-earnings">(.*?)</article>', html, re.S)[1]
    assert ">$0<" in earnings and "Down 100% from $800." in earnings
    charts = charts_of(html)
    assert list(charts) == [c.slug for c in metrics.CHARTS["artist"]]
    assert len(charts["views"]["x"]) == 30
    assert charts["views"]["series"][0]["values"] == [10] * 30
    assert charts["earnings"]["unit"] == "cents"
    rows = re.findall(r'<tr><th scope="row">', html)
    assert len(rows) == 30
    assert 'data-testid="public-stats-save"' in html


@pytest.mark.parametrize("days", [7, 90, 365])
def test_the_offered_periods(busy_artist, days):
    html = signed_in(busy_artist.user).get("/analytics/", {"days": days}).content.decode()
    assert f'href="?days={days}" aria-current="page"' in html
    assert len(charts_of(html)["views"]["x"]) == days
    assert f'/analytics/export.csv?days={days}"' in html


def test_a_period_not_offered_is_a_400_with_the_default_dashboard(busy_artist):
    response = signed_in(busy_artist.user).get("/analytics/", {"days": "12"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choose a period of 7, 30, 90, 365 days." in html
    assert len(charts_of(html)["views"]["x"]) == 30


def test_the_dashboard_reads_a_fixed_number_of_queries(busy_artist):
    client = signed_in(busy_artist.user)
    client.get("/analytics/")  # the device session's first-request writes
    counts = []
    for days in (7, 365):
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/analytics/", {"days": days}).status_code == 200
        counts.append(len(captured))
    # session, user, profile, the days (one query), distinct viewers of both periods, the last
    # rollup, the public choice, and the menu's two badges
    assert counts[0] == counts[1] <= 10, counts


def test_the_venue_dashboard(venue):
    venue_day(venue, 0, applications_answered=2, median_answer_seconds=7200, bookings=1)
    venue_day(venue, 1, applications_answered=1, median_answer_seconds=36_000)
    html = signed_in(venue.user).get("/analytics/", {"days": 7}).content.decode()
    assert "The Blue Door" in html
    answer = re.search(r'data-testid="figure-median_answer_seconds">(.*?)</article>', html, re.S)
    assert ">2 h<" in answer[1]  # the median of 2 h, 2 h and 10 h
    assert list(charts_of(html)) == [c.slug for c in metrics.CHARTS["venue"]]
    assert charts_of(html)["answer"]["series"][0]["values"][-2:] == [10.0, 2.0]  # hours
    assert "public-stats-save" not in html  # venues have no public Stats tab


def test_others_are_sent_away():
    fan = signed_in(UserFactory(role=Role.FAN))
    response = fan.get("/analytics/")
    assert (response.status_code, response.url) == (302, "/dashboard/")
    assert fan.get("/analytics/export.csv").status_code == 302
    anonymous = Client().get("/analytics/")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous.url
    newcomer = NewUserFactory(role=Role.ARTIST)  # chose the role, no profile yet
    response = signed_in(newcomer).get("/analytics/")
    assert response.status_code == 302 and response.url.startswith("/onboarding/")


def test_an_artist_sees_only_their_own_figures(busy_artist):
    other = ArtistProfileFactory(stage_name="Someone Else")
    artist_day(other, 0, profile_views=4242, unique_viewers=4242, earnings=777_700)
    html = signed_in(other.user).get("/analytics/").content.decode()
    assert "Nova Reyes" not in html and "4,242" in html
    mine = signed_in(busy_artist.user)
    assert "4,242" not in mine.get("/analytics/").content.decode()
    assert "777700" not in mine.get("/analytics/export.csv").content.decode()


# --- CSV --------------------------------------------------------------------------------------


def test_the_csv_export_has_a_row_per_day_and_a_column_per_figure(busy_artist):
    artist_day(busy_artist, 45, reviews=2, avg_rating=Decimal("4.50"))
    response = signed_in(busy_artist.user).get("/analytics/export.csv", {"days": 90})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    filename = f"umbrella-artist-{busy_artist.slug}-{days_ago(89)}-{days_ago(0)}.csv"
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 90
    assert list(rows[0]) == ["day", *metrics.names("artist")]
    by_day = {row["day"]: row for row in rows}
    assert by_day[str(days_ago(40))]["earnings"] == "80000"
    assert by_day[str(days_ago(45))]["avg_rating"] == "4.50"
    assert by_day[str(days_ago(46))]["avg_rating"] == ""  # no reviews: no rating
    assert by_day[str(days_ago(0))]["profile_views"] == "10"


def test_the_csv_export_refuses_a_period_not_offered(busy_artist):
    response = signed_in(busy_artist.user).get("/analytics/export.csv", {"days": "1000"})
    assert response.status_code == 400


# --- the artist's public figures ------------------------------------------------------------


def test_the_artist_chooses_public_figures_on_the_dashboard(artist):
    client = signed_in(artist.user)
    response = client.post(
        "/analytics/public-stats/", {"metrics": ["profile_views", "avg_rating"]}, follow=True
    )
    assert "Your public page now shows these figures." in response.content.decode()
    assert PublicStats.objects.get(artist=artist).metrics == ["profile_views", "avg_rating"]
    html = client.get("/analytics/").content.decode()
    assert re.search(r'value="avg_rating"[^>]*checked', html)
    client.post("/analytics/public-stats/", {})
    assert PublicStats.objects.get(artist=artist).metrics == []


def test_a_private_figure_is_refused_on_the_page_and_nothing_changes(artist):
    PublicStats.objects.create(artist=artist, metrics=["fan_growth"])
    response = signed_in(artist.user).post(
        "/analytics/public-stats/", {"metrics": ["earnings"]}, follow=True
    )
    assert "not one of the available choices" in response.content.decode()
    assert PublicStats.objects.get(artist=artist).metrics == ["fan_growth"]


def test_a_venue_cannot_choose_public_figures(venue):
    response = signed_in(venue.user).post("/analytics/public-stats/", {"metrics": []}, follow=True)
    assert "Only artist accounts have an artist profile." in response.content.decode()
    assert not PublicStats.objects.exists()


def test_the_stats_tab_loads_the_chosen_figures(busy_artist):
    PublicStats.objects.create(artist=busy_artist, metrics=["profile_views", "avg_rating"])
    tab = Client().get(f"/artists/{busy_artist.slug}/stats/").content.decode()
    assert f'hx-get="/artists/{busy_artist.slug}/stats/public/"' in tab
    fragment = Client().get(f"/artists/{busy_artist.slug}/stats/public/", HTTP_HX_REQUEST="true")
    html = fragment.content.decode()
    assert "<html" not in html and fragment["Vary"].count("HX-Request")
    assert re.findall(r'data-testid="public-figure-(\w+)"', html) == ["profile_views", "avg_rating"]
    assert ">300<" in html
    assert '<svg class="sparkline"' in html and "<polyline" in html
    assert "Earnings" not in html


def test_nothing_is_public_until_the_artist_chooses(busy_artist):
    fragment = Client().get(f"/artists/{busy_artist.slug}/stats/public/", HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200 and fragment.content.decode().strip() == ""
    page = Client().get(f"/artists/{busy_artist.slug}/stats/public/").content.decode()
    assert "Nova Reyes shares no figures here." in page


def test_the_public_figures_page_without_javascript(busy_artist):
    PublicStats.objects.create(artist=busy_artist, metrics=["gigs_completed"])
    page = Client().get(f"/artists/{busy_artist.slug}/stats/public/").content.decode()
    assert "<html" in page and 'data-testid="public-figure-gigs_completed"' in page


def test_a_hidden_artist_has_no_public_figures_page():
    hidden = ArtistProfileFactory(user__is_active=False)
    PublicStats.objects.create(artist=hidden, metrics=["profile_views"])
    assert Client().get(f"/artists/{hidden.slug}/stats/public/").status_code == 404
