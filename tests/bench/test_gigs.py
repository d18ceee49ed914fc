"""The gig benchmark's own logic: its copies of app constants and its body checks."""

import json

from artists.models import GENRES
from bench import gigs, seed
from bench.endpoints import ENDPOINTS


def test_the_copied_genres_are_the_apps():
    assert list(GENRES) == gigs.GENRES


def test_match_facts_replay_the_artist_seed():
    for i in range(200):
        fields = seed.artist_fields(i)
        genres = {fields["primary_genre"], *fields["secondary_genres"]}
        assert gigs.artist_match_facts(i) == (genres, fields["location_city"].upper())


def test_gig_story_is_reproducible_and_consistent():
    venue = gigs.venue_fields(7)
    assert venue == gigs.venue_fields(7)
    story = gigs.gig_story(1234, venue, 500)
    assert story == gigs.gig_story(1234, venue, 500)
    assert story["genre"] in venue["genres_booked"]
    artists = [a for a, _ in story["applicants"]]
    assert len(artists) == len(set(artists))
    if story["status"] in ("filled", "completed"):
        assert story["applicants"][0][1] == "accepted"


def _card(**changes):
    card = {
        "id": 1,
        "starts_at": "2030-01-01T20:00:00Z",
        "status": "open",
        "location_city": "Austin",
        "location_state": "TX",
        "genre": "jazz",
        "payment_amount": 50_000,
        "payment_type": "flat",
        "date": "2030-01-01",
        "urgent": False,
    }
    return {**card, **changes}


def _body(rows):
    return json.dumps({"next": None, "previous": None, "results": rows}).encode()


def test_the_search_check_refuses_rows_the_filters_exclude():
    check = gigs.check_gig_search({"city": "austin", "genre": "jazz", "min_pay": "20000"}, None)
    assert check(_body([_card(), _card(id=2, starts_at="2030-01-02T20:00:00Z")])) is None
    assert check(_body([_card(location_city="Paris")])) == "another city"
    assert check(_body([_card(genre="rock")])) == "another genre"
    assert check(_body([_card(payment_amount=100)])) == "pays less"
    assert check(_body([_card(status="filled")])) == "a gig not open"
    late, early = _card(starts_at="2030-01-03T20:00:00Z"), _card(id=2)
    assert check(_body([late, early])) == "not soonest first"
    assert check(b"[]") == "no results list"


def test_the_gigs_for_you_check():
    check = gigs.check_gigs_for_you({"jazz"}, "AUSTIN")
    good = [_card(score=6, reasons=["Jazz"]), _card(score=2, genre="rock", reasons=["your city"])]

    def page(results, previous=None):
        return json.dumps({"next": None, "previous": previous, "results": results}).encode()

    assert check(page(good)) is None
    assert check(page(good[::-1])) == "not best first"
    far = _card(score=4, genre="rock", location_city="Paris", reasons=["x"])
    assert check(page([far])) == "neither the artist's genre nor city"
    assert check(page([])) == "no gig at all"
    assert check(page(good * 11)) == "more than 20"
    assert check(json.dumps(good).encode()) == "no results list"
    assert check(page(good, previous="http://x/?page=1")) == "no next/previous"
    second = gigs.check_gigs_for_you({"jazz"}, "AUSTIN", page=2)
    assert second(page(good, previous="http://x/?page=1")) is None
    assert second(page(good)) == "no next/previous"


def test_signed_in_makers_use_the_identities():
    ids = {"tokens": {"0": "t0", "10": "t10"}, "gigs": {"0": [5, 6], "10": [7]}}
    by_name = {e.name: e for e in ENDPOINTS}
    for call in by_name["foryou"].calls(20_000, "s", 20, identities=ids):
        assert call.headers["Authorization"] in ("Bearer t0", "Bearer t10")
    for call in by_name["applicants"].calls(20_000, "s", 20, identities=ids):
        venue = "0" if call.headers["Authorization"] == "Bearer t0" else "10"
        gig = int(call.path.split("/")[4])
        assert gig in ids["gigs"][venue]
    paths = {c.path for c in by_name["gigs"].calls(20_000, "s", 200)}
    assert len(paths) > 150  # varied
