"""The hand-written list statement (``artists.filters.list_sql``) gives exactly what the
reference queryset (``ArtistFilter.qs``) gives: the same rows, in the same order, on every page,
for every filter, search and ordering (docs/conventions.md, "Fast reads")."""

import random
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.http import QueryDict

from artists import selectors, services
from artists.api.serializers import ArtistCardSerializer
from artists.filters import ORDERINGS, WALK_COLUMNS, ArtistFilter, list_sql
from artists.models import GENRES, ArtistProfile, PerformanceType
from tests.artists.factories import ArtistProfileFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

WORDS = ["Velvet", "Amber", "Neon", "Foxes", "Tides", "Ravens", "Harbor", "Jazz", "Stone"]
CITIES = [("Austin", "TX", "US"), ("austin", "TX", "US"), ("London", "", "GB"), ("Lyon", "", "FR")]
QUERIES = ["", "velvet", "jazz", "velvet foxes", "velvt", "austin", "nothing-like-it", "-neon"]


@pytest.fixture
def catalog():
    rng = random.Random(7)
    for n in range(60):
        city, state, country = rng.choice(CITIES)
        ArtistProfileFactory(
            stage_name=f"{rng.choice(WORDS)} {rng.choice(WORDS)} {n}",
            tagline=rng.choice(["Late-night jazz.", "Loud guitars.", ""]),
            bio=rng.choice(["We play jazz clubs in Austin.", "A velvet voice.", "Folk songs."]),
            primary_genre=rng.choice([*GENRES[:6], "jazz"]),
            secondary_genres=rng.sample(["jazz", "soul", "rock", "folk"], rng.randrange(3)),
            location_city=city,
            location_state=state,
            location_country=country,
            base_rate_flat=rng.choice([None, 10_000, 50_000, 200_000]),
            available_weekdays=rng.random() < 0.5,
            available_weekends=rng.random() < 0.5,
            performance_types=rng.sample(PerformanceType.values, rng.randrange(1, 3)),
            verified=rng.random() < 0.3,
            # Ties on purpose: the orderings break them by id in both readings.
            avg_rating=rng.choice([Decimal("0"), Decimal("4.50"), Decimal("3.00")]),
            total_reviews=rng.choice([0, 3]),
            total_gigs=rng.choice([0, 5]),
            user__is_active=rng.random() > 0.1,  # some are not listed
        )
    assert ArtistProfile.objects.filter(listed=False).exists()


def _params(rng: random.Random) -> dict[str, str]:
    params = {"q": rng.choice(QUERIES)}
    for name, values in [
        ("genre", ["jazz", "Soul", "rock"]),
        ("city", ["AUSTIN", "london"]),
        ("state", ["tx"]),
        ("country", ["us", "GB"]),
        ("rate_min", ["10000"]),
        ("rate_max", ["50000"]),
        ("weekdays", ["true", "false"]),
        ("weekends", ["yes"]),
        ("verified", ["true", "0"]),
        ("performance_type", ["solo", "band"]),
        ("min_rating", ["3", "4.5"]),
        ("ordering", list(ORDERINGS)),
    ]:
        if rng.random() < 0.25:
            params[name] = rng.choice(values)
    return params


def test_the_statement_and_the_queryset_agree(catalog):
    rng = random.Random(11)
    compared = 0
    for _ in range(300):
        params = _params(rng)
        filterset, rows = selectors.artist_search(params=QueryDict(mutable=True) | params)
        assert isinstance(rows, selectors.ListedRows)
        assert filterset.is_valid(), filterset.errors
        reference = ArtistFilter(params, queryset=ArtistProfile.objects.filter(listed=True))
        expected = list(reference.qs.values(*selectors.CARD_FIELDS))
        start = rng.choice([0, 0, 3, 10])
        size = rng.choice([5, 21])
        # As the API renders them (the statement writes timestamps as text already).
        got = [selectors.card(row) for row in rows[start : start + size]]
        want = [selectors.card(dict(row)) for row in expected[start : start + size]]
        assert got == want, params
        compared += bool(expected)
    assert compared > 150  # most combinations found something to compare


def test_a_browse_walks_only_columns_its_ordering_indexes_carry():
    """Without words the page's ids come from an index-only walk of a listed ordering index
    (list_sql): every column the walk filters on must be INCLUDEd there, or the walk reads the
    table for every row it skips (5 452 buffers instead of ~80 at 100 000 artists)."""
    data = {
        "genre": "jazz",
        "city": "Austin",
        "state": "TX",
        "country": "US",
        "rate_min": 1,
        "rate_max": 2,
        "weekdays": True,
        "weekends": False,
        "verified": True,
        "performance_type": "solo",
        "min_rating": Decimal("4"),
    }
    assert set(data) == set(ArtistFilter.base_filters) - {"q", "ordering"}, "a new filter?"
    columns = {field.column for field in ArtistProfile._meta.concrete_fields}
    for ordering in ORDERINGS:
        sql, _ = list_sql({**data, "ordering": ordering}, columns=("id",), offset=0, limit=21)
        walk = sql.split("ARRAY(", 1)[1]
        where, order = walk.split(" WHERE ", 1)[1].split(" ORDER BY ", 1)
        used = {word for word in re.findall(r"[a-z_]+", where) if word in columns}
        assert used - {"listed"} <= set(WALK_COLUMNS), ordering
        index = {
            "rating": "artist_listed_rating",
            "gigs": "artist_listed_gigs",
        }.get(ordering, "artist_listed_new")
        (spec,) = [i for i in ArtistProfile._meta.indexes if i.name == index]
        keys = {name.lstrip("-") for name in spec.fields}
        assert set(WALK_COLUMNS) <= set(spec.include) | keys, index
        by_name = {i.name: i for i in ArtistProfile._meta.indexes}
        country = by_name[index.replace("artist_listed_", "artist_listed_country_")]
        assert set(WALK_COLUMNS) <= set(country.include) | keys | {"location_country"}
        assert {word for word in re.findall(r"[a-z_]+", order) if word in columns} <= keys


@pytest.mark.parametrize("name", ["new", "rating", "gigs"])
def test_the_city_first_ordering_indexes_carry_the_walk_columns_too(name):
    """Made in SQL (migrations 0009, 0013): read the definition back from PostgreSQL."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = %s", [f"artist_listed_city_{name}"]
        )
        (definition,) = cursor.fetchone()
    included = definition.split(" INCLUDE (", 1)[1].split(")", 1)[0]
    assert set(WALK_COLUMNS) - {"avg_rating"} <= {c.strip() for c in included.split(",")}


def test_a_search_is_one_statement(catalog, django_assert_num_queries):
    filterset, rows = selectors.artist_search(params=QueryDict("q=velvet&genre=jazz"))
    assert filterset.is_valid()
    with django_assert_num_queries(1):
        rows[0:21]


# --- the page cache ---------------------------------------------------------------------------

LIST = "/api/v1/artists/"


def _names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["stage_name"] for row in response.json()["results"]]


@pytest.fixture
def cached(settings):
    settings.ARTISTS_LIST_CACHE_SECONDS = 30


def test_a_repeated_page_is_served_without_a_query(cached, api_client, django_assert_num_queries):
    ArtistProfileFactory(stage_name="Velvet Harbor")
    with django_assert_num_queries(1):
        first = _names(api_client.get(LIST, {"q": "velvet", "genre": "Indie"}))
    with django_assert_num_queries(0):
        # The same filters, written differently: the key is the normalised statement.
        again = _names(api_client.get(LIST, {"q": " velvet ", "genre": "indie"}))
    assert first == again == ["Velvet Harbor"]


def test_a_change_through_the_services_shows_at_once(
    cached, api_client, django_capture_on_commit_callbacks
):
    artist = ArtistProfileFactory(stage_name="Velvet Harbor")
    assert _names(api_client.get(LIST, {"q": "velvet"})) == ["Velvet Harbor"]

    with django_capture_on_commit_callbacks(execute=True):
        services.profile_update(user=artist.user, data={"stage_name": "Velvet Coast"})

    assert _names(api_client.get(LIST, {"q": "velvet"})) == ["Velvet Coast"]


def test_without_the_cache_every_page_is_read(settings, api_client, django_assert_num_queries):
    settings.ARTISTS_LIST_CACHE_SECONDS = 0
    ArtistProfileFactory(stage_name="Velvet Harbor")
    for _ in range(2):
        with django_assert_num_queries(1):
            assert _names(api_client.get(LIST, {"q": "velvet"})) == ["Velvet Harbor"]


def test_a_card_has_exactly_the_fields_the_schema_documents(api_client):
    ArtistProfileFactory(stage_name="Velvet Harbor")

    (card,) = api_client.get(LIST, {"q": "velvet"}).json()["results"]

    assert set(card) == set(ArtistCardSerializer().fields)
