"""Discovery: ``GET /api/v1/artists/`` (every filter, ordering, pagination), the public profile
``GET /api/v1/artists/<slug>`` and its tracks, the ``/artists/`` search page, and query counts
that do not grow with the rows returned (SPEC §5, §13, §14).

Each filter test checks the exact set of slugs: the right artists and only them.
"""

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient

from artists import services
from artists.api.serializers import ArtistPublicSerializer
from artists.models import ArtistProfile, ProfileView, Track
from tests.artists.factories import ArtistProfileFactory, png_upload
from tests.umbrella.test_error_shape import assert_error

pytestmark = pytest.mark.django_db

LIST_URL = "/api/v1/artists/"


def _slugs(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["slug"] for row in response.json()["results"]]


def search(client: APIClient, **params: Any) -> list[str]:
    """Slugs of the first page (up to 100) for these query parameters, in order."""
    return _slugs(client.get(LIST_URL, {"page_size": 100, **params}))


def found(client: APIClient, **params: Any) -> set[str]:
    return set(search(client, **params))


def make_artist(slug: str, **fields: Any) -> ArtistProfile:
    return ArtistProfileFactory(slug=slug, **fields)


@pytest.fixture
def catalog() -> dict[str, ArtistProfile]:
    """Four public artists that differ in every filtered field, and two that must never show."""
    artists = {
        "nova": make_artist(
            "nova-quartet",
            stage_name="Nova Quartet",
            tagline="Standards after midnight",
            bio="Four players who grew up on bebop records.",
            primary_genre="jazz",
            secondary_genres=["soul"],
            influences=["Miles Davis"],
            location_city="Austin",
            location_state="TX",
            location_country="US",
            base_rate_flat=50_000,
            available_weekdays=True,
            available_weekends=False,
            performance_types=["band"],
            verified=True,
            avg_rating=Decimal("4.80"),
            total_reviews=10,
            total_gigs=30,
        ),
        "ember": make_artist(
            "ember-lane",
            stage_name="Ember Lane",
            tagline="Harmonies from the riverbank",
            bio="Songwriter with a battered guitar.",
            primary_genre="folk",
            secondary_genres=["jazz", "acoustic"],
            influences=["Joni Mitchell"],
            location_city="Portland",
            location_state="OR",
            location_country="US",
            base_rate_flat=20_000,
            available_weekdays=False,
            available_weekends=True,
            performance_types=["solo", "acoustic"],
            verified=False,
            avg_rating=Decimal("4.20"),
            total_reviews=3,
            total_gigs=5,
        ),
        "pulse": make_artist(
            "dj-pulse",
            stage_name="DJ Pulse",
            tagline="Four to the floor",
            bio="Warehouse sets built on vinyl.",
            primary_genre="house",
            secondary_genres=["techno"],
            influences=["Frankie Knuckles"],
            location_city="London",
            location_state="",
            location_country="GB",
            base_rate_flat=150_000,
            available_weekdays=True,
            available_weekends=True,
            performance_types=["dj"],
            verified=True,
            avg_rating=Decimal("3.90"),
            total_reviews=7,
            total_gigs=80,
        ),
        "marrow": make_artist(
            "marrow",
            stage_name="Marrow",
            tagline="Loud and fast",
            bio="Three chords and the truth.",
            primary_genre="rock",
            secondary_genres=[],
            influences=["Patti Smith"],
            location_city="austin",
            location_state="tx",
            location_country="US",
            base_rate_flat=None,
            available_weekdays=False,
            available_weekends=False,
            performance_types=["band"],
            verified=False,
            avg_rating=Decimal("0.00"),
            total_reviews=0,
            total_gigs=0,
        ),
    }
    # Would match most filters above, but must never be listed.
    make_artist(
        "nova-hidden",
        stage_name="Nova Unfinished",
        primary_genre="jazz",
        location_city="Austin",
        user__onboarding_complete=False,
    )
    make_artist(
        "nova-disabled",
        stage_name="Nova Disabled",
        primary_genre="jazz",
        location_city="Austin",
        user__is_active=False,
    )
    return artists


ALL = {"nova-quartet", "ember-lane", "dj-pulse", "marrow"}


# --- visibility -------------------------------------------------------------------------------


def test_lists_only_onboarded_active_artists(api_client, catalog):
    assert found(api_client) == ALL
    assert found(api_client, q="nova") == {"nova-quartet"}
    assert found(api_client, genre="jazz", city="austin") == {"nova-quartet"}


def test_a_card_has_the_documented_fields(api_client, catalog):
    body = api_client.get(LIST_URL, {"q": "nova"}).json()

    assert set(body) == {"next", "previous", "results"}  # no count
    (card,) = body["results"]
    assert card == {
        "id": catalog["nova"].pk,
        "slug": "nova-quartet",
        "stage_name": "Nova Quartet",
        "tagline": "Standards after midnight",
        "primary_genre": "jazz",
        "location_city": "Austin",
        "location_state": "TX",
        "location_country": "US",
        "avatar_url": None,
        "verified": True,
        "avg_rating": 4.8,
        "total_reviews": 10,
        "total_gigs": 30,
        "base_rate_flat": 50_000,
        "base_rate_hourly": None,
        "rates_negotiable": False,
        "available_weekdays": True,
        "available_weekends": False,
        "performance_types": ["band"],
        "created_at": card["created_at"],
    }
    assert card["created_at"].endswith("Z")


# --- q: text search ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("Nova", {"nova-quartet"}),  # stage name
        ("marrow", {"marrow"}),  # stage name, lower case
        ("harmonies", {"ember-lane"}),  # tagline
        ("midnight", {"nova-quartet"}),  # tagline
        ("vinyl", {"dj-pulse"}),  # bio
        ("bebop", {"nova-quartet"}),  # bio
        ("house", {"dj-pulse"}),  # primary genre
        ("techno", {"dj-pulse"}),  # secondary genre
        ("jazz", {"nova-quartet", "ember-lane"}),  # primary or secondary genre
        ("Patti", {"marrow"}),  # influence
        ("Mitchell", {"ember-lane"}),  # influence
        ("zyxwvut", set()),  # nothing
    ],
)
def test_q_searches_name_tagline_bio_genres_and_influences(api_client, catalog, q, expected):
    assert found(api_client, q=q) == expected


def test_q_blank_or_whitespace_lists_everyone(api_client, catalog):
    assert found(api_client, q="") == ALL
    assert found(api_client, q="   ") == ALL


def test_q_combines_with_the_other_filters(api_client, catalog):
    assert found(api_client, q="jazz", weekends="true") == {"ember-lane"}
    assert found(api_client, q="jazz", verified="true") == {"nova-quartet"}
    assert found(api_client, q="jazz", country="GB") == set()


def test_a_stage_name_match_ranks_above_a_bio_only_match(api_client):
    make_artist("harbor-lights", stage_name="Harbor Lights", bio="We play under the moonlight.")
    make_artist("moonlight-drive", stage_name="Moonlight Drive", bio="A trio from the coast.")
    make_artist("quiet-coast", stage_name="Quiet Coast", tagline="Moonlight ballads")

    ranked = search(api_client, q="moonlight")

    assert ranked[0] == "moonlight-drive"
    assert set(ranked) == {"moonlight-drive", "harbor-lights", "quiet-coast"}
    # Relevance is the default ordering when searching, and can be asked for by name.
    assert search(api_client, q="moonlight", ordering="relevance") == ranked


@pytest.mark.postgres
def test_ranking_on_postgres_puts_name_then_tagline_then_bio(api_client):
    make_artist("bio-only", stage_name="Harbor Lights", bio="We play under the moonlight.")
    make_artist("name-match", stage_name="Moonlight Drive", bio="A trio from the coast.")
    make_artist("tagline-match", stage_name="Quiet Coast", tagline="Moonlight ballads")

    assert search(api_client, q="moonlight") == ["name-match", "tagline-match", "bio-only"]


@pytest.mark.postgres
def test_typo_matches_are_a_fallback_when_the_words_match_nothing_on_postgres(api_client):
    make_artist("jade-wolves", stage_name="Jade Wolves", bio="Loud guitars.")  # ~ "jazz": 0.4
    make_artist("bio-jazz", stage_name="Quiet Coast", bio="Late sets of jazz standards.")
    make_artist("name-jazz", stage_name="Jazz Pilots", bio="A trio.")

    # The words match: text matches only, a name that merely looks like the word stays out.
    assert search(api_client, q="jazz") == ["name-jazz", "bio-jazz"]
    # They match nothing ("jaz" is no word here): the closest stage names, closest first.
    assert search(api_client, q="jaz pilots") == ["name-jazz"]
    assert search(api_client, q="jade wolfs") == ["jade-wolves"]


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("Ember Lain", {"ember-lane"}),
        ("Pulze", {"dj-pulse"}),
        ("Nova Quartte", {"nova-quartet"}),
        ("marow", {"marrow"}),
    ],
)
def test_a_typo_in_the_stage_name_still_finds_the_artist_on_postgres(
    api_client, catalog, q, expected
):
    assert found(api_client, q=q) == expected


@pytest.mark.postgres
def test_full_text_search_on_postgres_stems_words_and_takes_several(api_client, catalog):
    assert found(api_client, q="harmony") == {"ember-lane"}  # stemmed: harmonies
    assert found(api_client, q="bebop standards") == {"nova-quartet"}  # words in any field
    assert found(api_client, q='"guitar battered"') == set()  # a quoted phrase, wrong order
    assert found(api_client, q="jazz -folk") == {"nova-quartet"}  # websearch negation


def test_q_with_odd_characters_is_not_an_error(api_client, catalog):
    for q in ["'", '"', "&|!", "(nova", "nova:*", "<->", "\\", "%", "_", "ümlaut ñ", "x" * 500]:
        response = api_client.get(LIST_URL, {"q": q})
        assert response.status_code == 200, (q, response.content)


# --- field filters --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"genre": "jazz"}, {"nova-quartet", "ember-lane"}),  # primary or secondary
        ({"genre": "JAZZ"}, {"nova-quartet", "ember-lane"}),
        ({"genre": "techno"}, {"dj-pulse"}),
        ({"genre": "acoustic"}, {"ember-lane"}),
        ({"genre": "polka"}, set()),
        ({"genre": "jaz"}, set()),  # a whole genre, not a substring
        ({"city": "austin"}, {"nova-quartet", "marrow"}),  # case-insensitive
        ({"city": "AUSTIN"}, {"nova-quartet", "marrow"}),
        ({"city": "Port"}, set()),  # the whole city
        ({"state": "tx"}, {"nova-quartet", "marrow"}),
        ({"state": "OR"}, {"ember-lane"}),
        ({"country": "gb"}, {"dj-pulse"}),
        ({"country": "US"}, {"nova-quartet", "ember-lane", "marrow"}),
        ({"city": "Austin", "state": "TX", "country": "us"}, {"nova-quartet", "marrow"}),
        ({"rate_min": 50_000}, {"nova-quartet", "dj-pulse"}),  # inclusive
        ({"rate_max": 50_000}, {"nova-quartet", "ember-lane"}),  # inclusive; no rate: out
        ({"rate_min": 20_001, "rate_max": 149_999}, {"nova-quartet"}),
        ({"rate_min": 0}, {"nova-quartet", "ember-lane", "dj-pulse"}),
        ({"weekdays": "true"}, {"nova-quartet", "dj-pulse"}),
        ({"weekdays": "false"}, {"ember-lane", "marrow"}),
        ({"weekends": "true"}, {"ember-lane", "dj-pulse"}),
        ({"weekdays": "true", "weekends": "true"}, {"dj-pulse"}),
        ({"performance_type": "band"}, {"nova-quartet", "marrow"}),
        ({"performance_type": "acoustic"}, {"ember-lane"}),
        ({"performance_type": "solo"}, {"ember-lane"}),
        ({"performance_type": "duo"}, set()),
        ({"verified": "true"}, {"nova-quartet", "dj-pulse"}),
        ({"verified": "false"}, {"ember-lane", "marrow"}),
        ({"min_rating": 4}, {"nova-quartet", "ember-lane"}),
        ({"min_rating": "4.2"}, {"nova-quartet", "ember-lane"}),  # inclusive
        ({"min_rating": "4.25"}, {"nova-quartet"}),
        ({"min_rating": 5}, set()),
        ({"min_rating": 0}, ALL),
        ({"genre": "jazz", "city": "Portland", "weekends": "true"}, {"ember-lane"}),
    ],
)
def test_each_filter_returns_the_right_artists_and_only_them(api_client, catalog, params, expected):
    assert found(api_client, **params) == expected


def test_empty_filter_values_are_ignored(api_client, catalog):
    params = dict.fromkeys(
        ["q", "genre", "city", "state", "country", "rate_min", "rate_max", "weekdays"], ""
    )
    params.update(weekends="", performance_type="", verified="", min_rating="", ordering="")
    assert found(api_client, **params) == ALL


# --- ordering -------------------------------------------------------------------------------


def test_orderings(api_client, catalog):
    now = timezone.now()
    for days, key in enumerate(["marrow", "pulse", "ember", "nova"]):  # nova is the oldest
        ArtistProfile.objects.filter(pk=catalog[key].pk).update(
            created_at=now - timedelta(days=days)
        )

    newest = ["marrow", "dj-pulse", "ember-lane", "nova-quartet"]
    assert search(api_client, ordering="newest") == newest
    assert search(api_client) == newest  # relevance without a search: newest first
    assert search(api_client, ordering="relevance") == newest
    assert search(api_client, ordering="rating") == [
        "nova-quartet",
        "ember-lane",
        "dj-pulse",
        "marrow",
    ]
    assert search(api_client, ordering="gigs") == [
        "dj-pulse",
        "nova-quartet",
        "ember-lane",
        "marrow",
    ]
    # An ordering other than relevance also applies to search results.
    assert search(api_client, q="jazz", ordering="gigs") == ["nova-quartet", "ember-lane"]
    assert search(api_client, q="jazz", ordering="newest") == ["ember-lane", "nova-quartet"]


def test_rating_ties_are_broken_by_review_count(api_client):
    make_artist("few", avg_rating=Decimal("4.50"), total_reviews=2)
    make_artist("many", avg_rating=Decimal("4.50"), total_reviews=40)
    make_artist("best", avg_rating=Decimal("4.90"), total_reviews=1)

    assert search(api_client, ordering="rating") == ["best", "many", "few"]


# --- pagination -----------------------------------------------------------------------------


def test_pages_walk_every_artist_once_with_next_links_and_no_count(api_client):
    ArtistProfileFactory.create_batch(25, primary_genre="soul")
    make_artist("other-genre", primary_genre="metal")

    seen: list[str] = []
    url: str | None = f"{LIST_URL}?genre=soul&page_size=10"
    pages = 0
    while url:
        body = api_client.get(url).json()
        assert "count" not in body
        pages += 1
        seen.extend(row["slug"] for row in body["results"])
        url = body["next"]
        if url:
            query = parse_qs(urlsplit(url).query)
            assert query["genre"] == ["soul"]  # the filters carry over
            assert query["page_size"] == ["10"]
            assert query["page"] == [str(pages + 1)]

    assert pages == 3
    assert len(seen) == 25 == len(set(seen))
    assert "other-genre" not in seen


def test_previous_link_and_page_past_the_end(api_client):
    ArtistProfileFactory.create_batch(5)

    second = api_client.get(LIST_URL, {"page_size": 2, "page": 2}).json()
    last = api_client.get(LIST_URL, {"page_size": 2, "page": 3}).json()
    past = api_client.get(LIST_URL, {"page_size": 2, "page": 9}).json()

    assert parse_qs(urlsplit(second["previous"]).query)["page"] == ["1"]
    assert second["next"] is not None
    assert len(last["results"]) == 1
    assert last["next"] is None
    assert past["results"] == []
    assert past["next"] is None


def test_default_page_size_is_20_and_at_most_100(api_client):
    ArtistProfileFactory.create_batch(101)

    default = api_client.get(LIST_URL).json()
    capped = api_client.get(LIST_URL, {"page_size": 500}).json()

    assert len(default["results"]) == 20
    assert len(capped["results"]) == 100
    assert capped["next"] is not None


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"rate_min": "cheap"}, "rate_min"),
        ({"rate_max": "12abc"}, "rate_max"),
        ({"rate_min": "1.5"}, "rate_min"),  # cents are whole numbers
        ({"rate_min": "-100"}, "rate_min"),
        ({"min_rating": "high"}, "min_rating"),
        ({"min_rating": "NaN"}, "min_rating"),
        ({"min_rating": "Infinity"}, "min_rating"),
        ({"min_rating": "6"}, "min_rating"),
        ({"performance_type": "kazoo"}, "performance_type"),
        ({"ordering": "price"}, "ordering"),
        ({"verified": "maybe"}, "verified"),
        ({"weekdays": "sometimes"}, "weekdays"),
        ({"weekends": "2"}, "weekends"),
        ({"q": "nova\x00"}, "q"),
        ({"city": "Austin\x00"}, "city"),
        ({"page": "0"}, "page"),
        ({"page": "two"}, "page"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "-5"}, "page_size"),
    ],
)
def test_invalid_filter_values_are_a_400_in_the_error_shape(api_client, catalog, params, field):
    error = assert_error(api_client.get(LIST_URL, params), 400, "validation_error")

    assert set(error["details"]) == {field}


@pytest.mark.parametrize("value", ["1", "0", "True", "FALSE", "yes", "no", "on", "off"])
def test_boolean_filters_accept_the_usual_spellings(api_client, catalog, value):
    expected = {"nova-quartet", "dj-pulse"}
    if value.lower() in ("0", "false", "no", "off"):
        expected = ALL - expected
    assert found(api_client, verified=value) == expected


def test_huge_numbers_are_not_a_server_error(api_client, catalog):
    # Beyond an integer column: refused (Django would otherwise drop the condition, and list
    # artists without a rate under rate_max).
    for name in ("rate_min", "rate_max"):
        error = assert_error(api_client.get(LIST_URL, {name: 10**30}), 400, "validation_error")
        assert set(error["details"]) == {name}
    assert found(api_client, rate_max=2_147_483_647) == {"nova-quartet", "ember-lane", "dj-pulse"}
    assert api_client.get(LIST_URL, {"page": 10**30}).status_code == 200
    assert api_client.get(LIST_URL, {"page_size": 10**30}).status_code == 200


# --- public profile and tracks --------------------------------------------------------------


def test_public_profile(api_client, catalog):
    response = api_client.get("/api/v1/artists/nova-quartet")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["slug"] == "nova-quartet"
    assert body["stage_name"] == "Nova Quartet"
    assert body["primary_genre"] == "jazz"
    assert body["secondary_genres"] == ["soul"]
    assert body["influences"] == ["Miles Davis"]
    assert body["avg_rating"] == 4.8
    assert body["avatar_url"] is None
    assert body["banner_url"] is None
    # Private fields stay private.
    for private in ("legal_name", "total_earnings", "onboarding_step", "user", "id", "quota"):
        assert private not in body


def test_public_profile_is_exactly_the_documented_serializer_output(api_client):
    """The view builds its answer without the (slow) ModelSerializer: both must agree."""
    make_artist(
        "full",
        stage_name="Full House",
        pronouns="they/them",
        legal_name="Private Name",
        location_state="TX",
        story="A long story.",
        secondary_genres=["soul", "funk"],
        influences=["Prince"],
        performance_types=["band", "duo"],
        equipment="PA and lights",
        base_rate_flat=120_000,
        base_rate_hourly=30_000,
        rates_negotiable=True,
        travel_radius_miles=250,
        available_weekdays=True,
        available_weekends=True,
        advance_booking_weeks=6,
        biggest_gig="A festival main stage",
        dream_collaboration="Nile Rodgers",
        website_url="https://full.example",
        instagram_handle="fullhouse",
        tiktok_handle="full.house",
        youtube_url="https://youtube.com/@fullhouse",
        spotify_url="https://open.spotify.com/artist/1",
        apple_music_url="https://music.apple.com/artist/1",
        soundcloud_url="https://soundcloud.com/fullhouse",
        verified=True,
        avg_rating=Decimal("4.37"),
        total_reviews=12,
        total_gigs=44,
        profile_views=9,
        avatar=png_upload("avatar.png"),
        banner=png_upload("banner.png"),
    )
    before = ArtistProfile.objects.get(slug="full")
    expected = json.loads(JSONRenderer().render(ArtistPublicSerializer(before).data))

    body = api_client.get("/api/v1/artists/full").json()

    assert body == expected
    assert body["avatar_url"].endswith(".png")
    assert body["banner_url"].endswith(".png")
    assert body["avg_rating"] == 4.37
    assert body["created_at"].endswith("Z")


def test_public_profile_counts_one_view_per_viewer_per_day(api_client, catalog):
    nova = catalog["nova"]

    for _ in range(3):
        assert api_client.get("/api/v1/artists/nova-quartet").status_code == 200
    services.profile_views_flush()  # with Redis, views reach the database at the next flush

    nova.refresh_from_db()
    assert nova.profile_views == 1
    assert ProfileView.objects.filter(artist=nova).count() == 1


@pytest.mark.parametrize("slug", ["no-such-artist", "nova-hidden", "nova-disabled"])
def test_unknown_or_hidden_artist_is_a_404(api_client, catalog, slug):
    assert_error(api_client.get(f"/api/v1/artists/{slug}"), 404, "not_found")
    assert_error(api_client.get(f"/api/v1/artists/{slug}/tracks"), 404, "not_found")


def _tracks(artist: ArtistProfile, n: int) -> list[Track]:
    return Track.objects.bulk_create(
        Track(
            artist=artist,
            title=f"Song {i}",
            audio=f"artists/tracks/song-{i}.wav",
            display_order=n - i,  # created last, shown first
            duration_seconds=180 + i,
        )
        for i in range(n)
    )


def test_tracks_list_in_display_order(api_client, catalog):
    _tracks(catalog["nova"], 3)
    _tracks(catalog["ember"], 2)  # someone else's

    response = api_client.get("/api/v1/artists/nova-quartet/tracks")

    assert response.status_code == 200, response.content
    rows = response.json()
    assert [row["title"] for row in rows] == ["Song 2", "Song 1", "Song 0"]
    assert set(rows[0]) == {
        "id",
        "title",
        "duration_seconds",
        "audio_url",
        "cover_art_url",
        "genre",
        "release_year",
        "spotify_url",
        "apple_music_url",
        "display_order",
        "plays",
        "created_at",
    }
    assert rows[0]["audio_url"].endswith("song-2.wav")
    assert rows[0]["cover_art_url"] is None


def test_tracks_list_of_an_artist_without_tracks_is_empty(api_client, catalog):
    response = api_client.get("/api/v1/artists/marrow/tracks")

    assert response.status_code == 200
    assert response.json() == []


# --- query counts do not grow with the rows -------------------------------------------------

# Anonymous requests: no session or token lookup. The bounds are the same for 5 and 60 rows.
LIST_QUERIES = 1  # one page query (plus one row to know about a next page), no COUNT(*)
DETAIL_QUERIES = 5  # the artist; the view: savepoint, insert, release; the counter update
# SQLite (the embedded default, no Redis): the same statements inside an IMMEDIATE transaction
# of its own, 8 whatever the rows (measured at 5 and 60); what is pinned is that it is constant.
if connection.vendor == "sqlite":
    DETAIL_QUERIES = 8
TRACKS_QUERIES = 2  # the artist, the tracks


@pytest.mark.parametrize("n", [5, 60])
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": "artist"},
        {"q": "artist", "genre": "indie", "city": "austin", "ordering": "rating"},
        {"weekends": "true", "performance_type": "solo", "min_rating": "0", "rate_min": "0"},
    ],
)
def test_list_and_search_queries_do_not_grow_with_the_rows(
    api_client, django_assert_max_num_queries, n, params
):
    ArtistProfileFactory.create_batch(
        n, available_weekends=True, base_rate_flat=10_000, secondary_genres=["jazz"]
    )

    with django_assert_max_num_queries(LIST_QUERIES):
        response = api_client.get(LIST_URL, {"page_size": 100, **params})

    assert response.status_code == 200
    assert len(response.json()["results"]) == n


@pytest.mark.parametrize("n", [5, 60])
def test_profile_queries_do_not_grow_with_views_or_tracks(
    api_client, django_assert_max_num_queries, n
):
    star = make_artist("star", secondary_genres=["soul"] * 3, influences=["x"] * 5)
    _tracks(star, n)
    ProfileView.objects.bulk_create(
        ProfileView(artist=star, viewer_key=f"u:{i}", day=timezone.now().date()) for i in range(n)
    )

    with django_assert_max_num_queries(DETAIL_QUERIES):
        assert api_client.get("/api/v1/artists/star").status_code == 200
    with django_assert_max_num_queries(TRACKS_QUERIES):
        response = api_client.get("/api/v1/artists/star/tracks")

    assert len(response.json()) == n


# --- the search page ------------------------------------------------------------------------


def test_search_page_shows_results(client, catalog):
    response = client.get("/artists/", {"q": "jazz"})

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('data-testid="artist-card"') == 2
    assert "Nova Quartet" in html
    assert "Ember Lane" in html
    assert "DJ Pulse" not in html
    assert "Nova Unfinished" not in html
    assert 'href="/artists/nova-quartet/"' in html
    assert "No artists match" not in html


def test_search_page_without_filters_lists_public_artists(client, catalog):
    response = client.get("/artists/")

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('data-testid="artist-card"') == 4
    assert "Nova Disabled" not in html


def test_search_page_empty_state(client, catalog):
    response = client.get("/artists/", {"q": "zyxwvut"})

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="artist-card"' not in html
    assert "No artists match that search." in html


def test_search_page_shows_filter_errors_instead_of_a_server_error(client, catalog):
    response = client.get(
        "/artists/", {"rate_min": "cheap", "ordering": "price", "weekends": "maybe"}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in html
    assert "Use true or false." in html
    assert 'data-testid="artist-card"' not in html


def test_search_page_pages(client):
    ArtistProfileFactory.create_batch(30, primary_genre="soul")

    first = client.get("/artists/", {"genre": "soul"}).content.decode()
    second = client.get("/artists/", {"genre": "soul", "page": 2}).content.decode()

    assert first.count('data-testid="artist-card"') == 24
    assert "?genre=soul&page=2" in first
    assert second.count('data-testid="artist-card"') == 6
    assert "?genre=soul&page=1" in second
