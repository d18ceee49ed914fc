"""The analytics benchmark: its API data and requests, checked against the API, and the day of
activity the rollup bench seeds, rolled up (PostgreSQL: the bench writes with COPY)."""

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Sum
from rest_framework.test import APIClient

from analytics import metrics, services
from analytics.models import DailyMetric
from artists.models import ProfileView
from bench import analytics
from bench.endpoints import ENDPOINTS
from messaging.models import ContactMember, Delivery
from tests.artists.factories import ArtistProfileFactory


def test_the_bench_knows_every_artist_figure():
    assert list(metrics.names("artist")) == analytics.ARTIST_FIGURES
    assert "analytics" in {e.name for e in ENDPOINTS}


@pytest.fixture
def bench_artists(db):
    if connection.vendor != "postgresql":
        pytest.skip("the bench seeds with COPY (PostgreSQL)")
    return [ArtistProfileFactory(slug=f"bench-artist-{i:05d}") for i in range(30)]


def test_seed_then_the_requests_pass_their_check(bench_artists):
    said = analytics.seed_analytics(artists=30)
    assert said.startswith("bench analytics: ") and "for 3 artists" in said
    assert analytics.seed_analytics(artists=30).endswith("of 3 artists there")
    rows = DailyMetric.objects.filter(artist_id=bench_artists[10].pk)
    assert analytics.STORED_DAYS // 2 < rows.count() <= analytics.STORED_DAYS
    assert rows.filter(day=services.last_complete_day()).exists()

    clients = {}
    for number in ("0", "10", "20"):
        client = APIClient()
        client.force_authenticate(bench_artists[int(number)].user)
        clients[f"token-{number}"] = client
    ids = {"tokens": {n: f"token-{n}" for n in ("0", "10", "20")}}
    (endpoint,) = [e for e in ENDPOINTS if e.name == "analytics"]
    for call in endpoint.calls(30, "1", 6, identities=ids):
        token = call.headers["Authorization"].removeprefix("Bearer ")
        response = clients[token].get(call.path)
        assert response.status_code == 200, response.content[:300]
        assert call.check(response.content) is None
    assert analytics.check_daily(dt.date(2020, 1, 1), dt.date(2020, 1, 2))(b"{}") is not None


def test_a_seeded_day_of_activity_rolls_up(bench_artists):
    day = services.last_complete_day()
    said = analytics.seed_activity(day=day, artists=30, history=2)
    assert said.startswith("bench activity: 2 day(s) seeded")
    assert analytics.seed_activity(day=day, artists=30, history=2).endswith("all there")
    result = services.rollup_day(day=day)
    views = ProfileView.objects.filter(day=day).count()
    assert views > 0 and result.artists > 0
    stored = DailyMetric.objects.filter(day=day).aggregate(
        views=Sum("profile_views"), sends=Sum("campaign_sends"), fans=Sum("fan_growth")
    )
    assert stored["views"] == views
    start = dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)
    window = {"gte": start, "lt": start + dt.timedelta(days=1)}
    assert (
        stored["sends"]
        == Delivery.objects.filter(sent_at__gte=window["gte"], sent_at__lt=window["lt"]).count()
    )
    joined = ContactMember.objects.filter(
        consent_at__gte=window["gte"], consent_at__lt=window["lt"]
    )
    assert stored["fans"] == joined.count() - 300
