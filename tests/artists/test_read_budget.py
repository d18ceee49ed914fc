"""The per-request budget of the anonymous discovery reads (docs/conventions.md, "Fast reads"):
cache round trips and statements per list page, rate limits counted in the same round trip,
and GIN indexes that searches never find a pending list in."""

import pytest
from django.db import connection
from rest_framework import throttling

from tests.artists.factories import ArtistProfileFactory
from tests.redis_trips import commands

LIST = "/api/v1/artists/"


@pytest.fixture
def cached(settings):
    settings.ARTISTS_LIST_CACHE_SECONDS = 30


def _read_rate(monkeypatch, rate: str) -> int:
    rates = {**throttling.SimpleRateThrottle.THROTTLE_RATES, "anon_read": rate}
    monkeypatch.setattr(throttling.SimpleRateThrottle, "THROTTLE_RATES", rates)
    return int(rate.split("/")[0])


@pytest.mark.django_db
def test_a_list_page_is_one_cache_round_trip_when_cached_and_two_when_not(
    on_redis, cached, api_client, round_trips, django_assert_num_queries
):
    ArtistProfileFactory(stage_name="Velvet Harbor")
    api_client.get(LIST, {"q": "warm up the connection"})

    round_trips.clear()
    with django_assert_num_queries(1):
        assert api_client.get(LIST, {"q": "velvet"}).status_code == 200
    # The rate window and the cached page in one script; the page written after the miss.
    assert commands(round_trips) == [b"EVALSHA", b"SET"]

    round_trips.clear()
    with django_assert_num_queries(0):
        assert api_client.get(LIST, {"q": "velvet"}).json()["results"][0]["stage_name"] == (
            "Velvet Harbor"
        )
    assert commands(round_trips) == [b"EVALSHA"]


@pytest.mark.django_db
def test_without_the_page_cache_a_list_page_is_one_round_trip_and_one_statement(
    on_redis, settings, api_client, round_trips, django_assert_num_queries
):
    settings.ARTISTS_LIST_CACHE_SECONDS = 0
    ArtistProfileFactory(stage_name="Velvet Harbor")
    api_client.get(LIST)
    round_trips.clear()
    with django_assert_num_queries(1):
        assert api_client.get(LIST, {"genre": "indie"}).status_code == 200
    assert commands(round_trips) == [b"EVALSHA"]


@pytest.mark.django_db
@pytest.mark.parametrize("cache_seconds", [30, 0])
def test_the_anonymous_read_limit_holds_when_counted_with_the_page_read(
    settings, api_client, monkeypatch, cache_seconds
):
    settings.ARTISTS_LIST_CACHE_SECONDS = cache_seconds
    limit = _read_rate(monkeypatch, "4/min")
    ArtistProfileFactory(stage_name="Velvet Harbor")

    statuses = [api_client.get(LIST, {"q": "velvet"}).status_code for _ in range(limit)]

    assert statuses == [200] * limit
    refused = api_client.get(LIST, {"q": "velvet"})
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0


@pytest.mark.django_db
def test_bad_filters_and_pages_count_against_the_limit_and_still_answer_400(
    cached, api_client, monkeypatch
):
    limit = _read_rate(monkeypatch, "3/min")
    bad = [{"rate_min": "-1"}, {"page": "0"}, {"performance_type": "kazoo"}]

    statuses = [api_client.get(LIST, params).status_code for params in bad[:limit]]

    assert statuses == [400] * limit
    assert api_client.get(LIST).status_code == 429  # the bad ones counted


@pytest.mark.postgres
@pytest.mark.django_db
def test_every_gin_index_of_the_profile_table_has_no_pending_list():
    """A GIN pending list is read in full by every search until a vacuum merges it; counter
    updates of thousands of rows filled it (migration 0009). A new GIN index needs the same
    ``WITH (fastupdate = off)``."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.relname, coalesce(i.reloptions, '{}')
            FROM pg_index x
            JOIN pg_class i ON i.oid = x.indexrelid
            JOIN pg_class t ON t.oid = x.indrelid
            JOIN pg_am am ON am.oid = i.relam
            WHERE t.relname = 'artists_artistprofile' AND am.amname = 'gin'
            """
        )
        indexes = dict(cursor.fetchall())
    assert len(indexes) >= 4
    without = {name for name, options in indexes.items() if "fastupdate=off" not in options}
    assert without == set()


# --- the public profile: one statement and one cache round trip -------------------------------


@pytest.mark.django_db
def test_a_profile_read_is_one_statement_and_one_cache_round_trip(
    on_redis, api_client, round_trips, django_assert_num_queries
):
    from artists import services

    artist = ArtistProfileFactory()
    api_client.get(f"/api/v1/artists/{artist.slug}", REMOTE_ADDR="198.51.100.7")  # connects
    round_trips.clear()

    with django_assert_num_queries(1):
        response = api_client.get(f"/api/v1/artists/{artist.slug}", REMOTE_ADDR="198.51.100.8")

    assert response.status_code == 200
    # The anonymous read window and the view record (marker, budget, pending list): one script.
    assert commands(round_trips) == [b"EVALSHA"]
    assert services.profile_views_pending() == 2


@pytest.mark.django_db
def test_the_profile_rate_limit_holds_and_a_refused_read_records_no_view(
    on_redis, api_client, monkeypatch
):
    from artists import services

    limit = _read_rate(monkeypatch, "3/min")
    artists = [ArtistProfileFactory() for _ in range(limit + 1)]
    ip = "198.51.100.9"

    statuses = [
        api_client.get(f"/api/v1/artists/{a.slug}", REMOTE_ADDR=ip).status_code
        for a in artists[:limit]
    ]
    refused = api_client.get(f"/api/v1/artists/{artists[-1].slug}", REMOTE_ADDR=ip)

    assert statuses == [200] * limit
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert services.profile_views_pending() == limit  # the refused read counted no view
    # An unknown slug counts against the limit too (and is still refused).
    assert api_client.get("/api/v1/artists/no-such-artist", REMOTE_ADDR=ip).status_code == 429


@pytest.mark.django_db
def test_an_unknown_profile_counts_against_the_rate_limit(api_client, monkeypatch):
    limit = _read_rate(monkeypatch, "2/min")
    ip = "198.51.100.10"
    statuses = [
        api_client.get("/api/v1/artists/no-such-artist", REMOTE_ADDR=ip).status_code
        for _ in range(limit + 1)
    ]
    assert statuses == [404] * limit + [429]


@pytest.mark.django_db
def test_the_owner_reading_their_profile_is_rate_limited_without_counting_a_view(
    api_client, monkeypatch
):
    from artists import services

    limit = _read_rate(monkeypatch, "2/min")
    artist = ArtistProfileFactory()
    api_client.force_authenticate(artist.user)
    rates = {**throttling.SimpleRateThrottle.THROTTLE_RATES, "user": "2/min"}
    monkeypatch.setattr(throttling.SimpleRateThrottle, "THROTTLE_RATES", rates)

    statuses = [
        api_client.get(f"/api/v1/artists/{artist.slug}").status_code for _ in range(limit + 1)
    ]

    assert statuses == [200] * limit + [429]
    assert services.profile_views_pending() == 0
