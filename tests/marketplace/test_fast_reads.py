"""The hand-written statements of the marketplace's hot reads (``marketplace.filters``) against
their ORM references in ``marketplace.selectors``: same rows, same order, fixed query counts."""

import datetime as dt
import json
import random
from itertools import islice

import pytest
from django.db import connection
from django.utils import timezone

from artists.models import ArtistProfile
from marketplace import filters, selectors
from marketplace.models import Application, Booking, Gig, Unavailability
from tests.artists.factories import ArtistProfileFactory
from tests.marketplace.conftest import client_for
from tests.marketplace.factories import GigFactory, VenueProfileFactory, in_days

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL statements"),
]

API = "/api/v1"
GENRES = ["jazz", "rock", "soul", "folk", "techno"]
PLACES = [("Austin", "TX"), ("austin", "TX"), ("Houston", "TX"), ("Leeds", ""), ("Paris", "")]
WORDS = ["velvet", "night", "jazz", "brunch", "wedding", "rooftop"]


def _gigs(rng: random.Random, count: int) -> list[Gig]:
    venues = [
        VenueProfileFactory(city=city, state=state, timezone="America/Chicago")
        for city, state in PLACES
    ]
    made = []
    for n in range(count):
        venue = rng.choice(venues)
        made.append(
            GigFactory(
                venue=venue,
                title=f"{rng.choice(WORDS).title()} {rng.choice(WORDS)} {n}",
                description=f"A {rng.choice(WORDS)} set with {rng.choice(WORDS)}.",
                genre=rng.choice(GENRES),
                date=in_days(rng.randint(1, 40)),
                start_time=dt.time(rng.choice([18, 20, 22]), rng.choice([0, 30])),
                end_time=dt.time(rng.choice([1, 19, 23]), 0),
                payment_amount=rng.randrange(0, 200_000, 5_000),
                payment_type=rng.choice(["flat", "hourly", "negotiable"]),
                status=rng.choice(["open"] * 6 + ["filled", "cancelled"]),
            )
        )
    return made


def _board_filters(rng: random.Random) -> dict:
    found: dict = {}
    for name, values in [
        ("q", [*WORDS, "velvet night", "night brunch", "nothing-matches", "  jazz  "]),
        ("city", [p[0] for p in PLACES] + ["AUSTIN"]),
        ("state", ["TX", "tx"]),
        ("genre", GENRES),
        ("min_pay", [0, 50_000, 150_000]),
        ("payment_type", ["flat", "hourly", "negotiable"]),
        ("urgent", [True, False]),
        ("status", ["open", "filled", "cancelled"]),
        ("date_from", [in_days(d) for d in (0, 5, 20)]),
        ("date_to", [in_days(d) for d in (3, 15, 60)]),
    ]:
        if rng.random() < 0.25:
            found[name] = rng.choice(values)
    return found


def test_the_board_statement_and_the_queryset_agree():
    rng = random.Random(9)
    _gigs(rng, 120)
    now = timezone.now()
    for _ in range(250):
        wanted = _board_filters(rng)
        reference = selectors.gig_search_queryset(filters=wanted)
        rows = filters.board_rows(wanted, now=now)
        assert _cards(rows[0:500]) == _cards(reference[:500]), wanted
        # The API's rows (cards=True) and their cards, kept or written, keys in order; the
        # cursor's position as str() writes the row's datetime.
        named = filters.board_rows(wanted, now=now, cards=True)[0:500]
        assert [r["starts_at"] for r in named] == [str(r["starts_at"]) for r in reference[:500]]
        status = wanted.get("status") or "open"
        text = filters.board_json(named, now=now, status=status)
        assert [list(c.items()) for c in json.loads(text)] == [
            list(selectors.gig_card(row, now=now).items()) for row in reference[:500]
        ], wanted
        # Pages as the cursor pagination asks for them: by position, both ways, with offsets.
        full = list(reference)
        if len(full) > 4:
            position = str(full[3]["starts_at"])
            after = rows.order_by("starts_at", "id").filter(starts_at__gt=position)
            assert _cards(after[1:6]) == _cards(
                reference.order_by("starts_at", "id").filter(starts_at__gt=position)[1:6]
            )
            before = rows.order_by("-starts_at", "-id").filter(starts_at__lt=position)
            assert _cards(before[0:3]) == _cards(
                reference.order_by("-starts_at", "-id").filter(starts_at__lt=position)[0:3]
            )


@pytest.mark.parametrize("horizon", [1, 4, 30, 1000])
def test_a_search_of_several_words_walks_first_and_agrees_whether_the_walk_finds_the_page(
    monkeypatch, horizon
):
    """Several words are looked for in a bounded walk of the open gigs first (umbrella.keyset
    .Walk); when the walk finds fewer than the page needs, the plain statement answers. Short
    walks make both happen here: the pages must be the queryset's either way."""
    monkeypatch.setattr(filters, "BOARD_WALK_ROWS", horizon)
    rng = random.Random(horizon)
    _gigs(rng, 80)
    now = timezone.now()
    for q in ["velvet night", "night brunch", "jazz wedding rooftop", "velvet-night", "a b"]:
        for extra in [{}, {"date_from": in_days(5)}, {"date_to": in_days(20)}]:
            wanted = {"q": q, **extra}
            rows = filters.board_rows(wanted, now=now)
            assert rows.walk is not None
            reference = selectors.gig_search_queryset(filters=wanted)
            for start, stop in [(0, 1), (0, 3), (2, 8), (5, 6), (0, 500)]:
                assert _cards(rows[start:stop]) == _cards(reference[start:stop]), (wanted, start)
            full = list(reference)
            for position in [str(g["starts_at"]) for g in full[1:4]]:
                after = rows.order_by("starts_at", "id").filter(starts_at__gt=position)
                ordered = reference.order_by("starts_at", "id")
                assert _cards(after[0:4]) == _cards(ordered.filter(starts_at__gt=position)[0:4])
                before = rows.order_by("-starts_at", "-id").filter(starts_at__lt=position)
                ordered = reference.order_by("-starts_at", "-id")
                assert _cards(before[0:2]) == _cards(ordered.filter(starts_at__lt=position)[0:2])
    # One word, another status, or a narrowing filter: no walk (PostgreSQL estimates those).
    assert filters.board_rows({"q": "velvet"}, now=now).walk is None
    assert filters.board_rows({"q": "velvet night", "status": "filled"}, now=now).walk is None
    assert filters.board_rows({"q": "velvet night", "city": "Paris"}, now=now).walk is None


def test_the_board_is_planned_once_per_shape_but_a_search_every_time():
    """Board pages without words are prepared statements that PostgreSQL plans once (a generic
    plan: the page's LIMIT is text, not a parameter it would guess at); searches are planned
    for their words each time (never prepared)."""
    _gigs(random.Random(4), 30)
    with connection.cursor() as cursor:  # statistics, as a table in use has: without them the
        # planner guesses the rows from the file's size, a guess that moved with 0014's cards
        cursor.execute("ANALYZE marketplace_gig")
    for n in range(8):
        rows = filters.board_rows({"city": ["Austin", "Paris"][n % 2]}, now=timezone.now())
        assert len(rows[0:21]) > 0
        filters.board_rows({"q": "velvet"}, now=timezone.now())[0:21]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans, statement FROM pg_prepared_statements"
            " WHERE NOT from_sql AND statement LIKE %s",
            ["%FROM marketplace_gig g%"],
        )
        found = cursor.fetchall()
    assert [statement for *_, statement in found if "search_vector" in statement] == []
    ((generic, custom, statement),) = [row for row in found if "UPPER(g.location_city)" in row[2]]
    assert (generic, custom) == (3, 5)  # 5 custom plans, then the generic one, kept
    # (On a big table a LIMIT parameter made the generic plan look dearer: planned every time.)
    assert "LIMIT 21 OFFSET 0" in statement


def test_board_cards_are_kept_per_gig_version(monkeypatch, client, django_assert_max_num_queries):
    """The board keeps its cards per gig version: a page of kept cards is one statement, an
    edited gig is read again (and only it), a full store drops its oldest half, and a position
    with microseconds is written as str() writes it."""
    from marketplace.services.gigs import gig_update

    monkeypatch.setattr(filters, "_CARDS", {})
    venue = VenueProfileFactory(city="Leeds", state="")
    gigs = [GigFactory(venue=venue, genre="jazz", date=in_days(2 + d)) for d in range(3)]
    with django_assert_max_num_queries(2):  # the page, then its cards
        first = client.get(f"{API}/gigs/").json()["results"]
    assert sorted(filters._CARDS) == sorted(g.pk for g in gigs)
    with django_assert_max_num_queries(1):  # every card kept
        assert client.get(f"{API}/gigs/").json()["results"] == first
    assert [c["id"] for c in first] == [g.pk for g in gigs]
    assert [c["urgent"] for c in first] == [True, True, True]
    kept = dict(filters._CARDS)
    gig_update(user=venue.user, gig_id=gigs[2].pk, data={"title": "Jazz, a new title"})
    with django_assert_max_num_queries(2):  # that card read again
        again = client.get(f"{API}/gigs/").json()["results"]
    assert again[2]["title"] == "Jazz, a new title" and again[:2] == first[:2]
    assert filters._CARDS[gigs[2].pk][0] > kept[gigs[2].pk][0]  # a newer version
    assert all(filters._CARDS[g.pk] is kept[g.pk] for g in gigs[:2])

    monkeypatch.setattr(filters, "CARDS_MAX", 4)
    filters._CARDS.clear()
    filters._CARDS.update({-1: (0, "{", '""'), -2: (0, "{", '""')})
    assert client.get(f"{API}/gigs/").json()["results"] == again  # 2 kept + 3 new > 4
    assert sorted(filters._CARDS) == sorted(g.pk for g in gigs)  # the oldest (half) dropped
    monkeypatch.setattr(filters, "CARDS_MAX", 8)
    filters._CARDS.clear()
    filters._CARDS.update({-n: (0, "{", '""') for n in range(1, 7)})
    assert client.get(f"{API}/gigs/").json()["results"] == again  # 6 kept + 3 new > 8
    assert list(filters._CARDS)[:2] == [-5, -6]  # the 4 oldest went, the newest 2 stayed
    assert sorted(filters._CARDS)[2:] == sorted(g.pk for g in gigs)

    odd = gigs[0].starts_at + dt.timedelta(microseconds=1234)
    Gig.objects.filter(pk=gigs[0].pk).update(starts_at=odd)
    [row] = filters.board_rows({}, now=timezone.now(), cards=True)[0:1]
    assert row["starts_at"] == str(odd.astimezone(dt.UTC)) and row["starts_at"].endswith("+00:00")


def test_the_board_pages_through_every_gig_once(client, django_assert_max_num_queries):
    made = _gigs(random.Random(3), 45)
    expected = sorted((g for g in made if g.status == "open"), key=lambda g: (g.starts_at, g.pk))
    seen, url = [], f"{API}/gigs/?page_size=7"
    while url:
        with django_assert_max_num_queries(2):  # the page, the cards not kept; no count
            body = client.get(url).json()
        seen += [g["id"] for g in body["results"]]
        url = body["next"]
    assert seen == [g.pk for g in expected]
    bad = client.get(f"{API}/gigs/?cursor=cD1ub3QtYS1kYXRl")  # p=not-a-date: as the ORM's
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "validation_error"


def test_applicant_statement_agrees_and_checks_the_venue(
    venue, other_venue, django_assert_max_num_queries
):
    rng = random.Random(5)
    gig = GigFactory(venue=venue)
    for _ in range(9):
        Application.objects.create(
            gig=gig,
            gig_starts_at=gig.starts_at,
            artist=ArtistProfileFactory(avatar=rng.choice(["", "artists/avatars/a.jpg"])),
            pitch="Hello",
            proposed_rate=rng.choice([None, 40_000]),
            status=rng.choice(["pending", "withdrawn", "rejected"]),
        )
    reference = list(selectors.applicants_queryset(user=venue.user, gig_id=gig.pk))
    rows = filters.applicant_rows(user_id=venue.user.pk, gig_id=gig.pk)
    assert rows[0:50] == reference
    assert list(rows) == reference
    client = client_for(venue.user)
    with django_assert_max_num_queries(1):  # one statement: the gig's venue and the page
        body = client.get(f"{API}/gigs/{gig.pk}/applications?page_size=4").json()
    assert [a["id"] for a in body["results"]] == [r["id"] for r in reference[:4]]
    assert client.get(body["next"]).json()["results"][0]["id"] == reference[4]["id"]
    # Another venue's gig is 404, an own gig without applicants an empty page, no venue 403.
    other = client_for(other_venue.user).get(f"{API}/gigs/{gig.pk}/applications")
    assert other.status_code == 404
    empty = GigFactory(venue=venue)
    assert client.get(f"{API}/gigs/{empty.pk}/applications").json()["results"] == []
    artist = ArtistProfileFactory()
    refused = client_for(artist.user).get(f"{API}/gigs/{gig.pk}/applications")
    assert refused.status_code == 403


def _artist(rng: random.Random):
    city, state = rng.choice([*PLACES, ("", ""), ("Dallas", "TX")])
    primary = rng.choice([*GENRES, ""])
    return ArtistProfileFactory(
        primary_genre=primary,
        secondary_genres=rng.sample(GENRES, rng.randint(0, 2)),
        location_city=city,
        location_state=state,
        base_rate_flat=rng.choice([None, 20_000, 90_000]),
        base_rate_hourly=rng.choice([None, 5_000]),
        rates_negotiable=rng.random() < 0.5,
        available_weekends=rng.random() < 0.7,
        available_weekdays=rng.random() < 0.5,
    )


def test_the_match_statement_and_the_queryset_agree():
    rng = random.Random(11)
    gigs = [g for g in _gigs(rng, 150) if g.status == "open"]
    now = timezone.now()
    for _ in range(40):
        artist = _artist(rng)
        for gig in rng.sample(gigs, 4):
            Application.objects.create(gig=gig, gig_starts_at=gig.starts_at, artist=artist)
        if rng.random() < 0.5:
            start = in_days(rng.randint(1, 30))
            Unavailability.objects.create(
                artist=artist, start_date=start, end_date=start + dt.timedelta(days=3)
            )
        if rng.random() < 0.5:
            gig = rng.choice(gigs)
            other_gig = GigFactory()
            other = Application.objects.create(
                gig=other_gig,
                gig_starts_at=other_gig.starts_at,
                artist=artist,
            )
            Booking.objects.create(
                gig=other.gig,
                artist=artist,
                application=other,
                starts_at=gig.starts_at - dt.timedelta(hours=1),
                ends_at=gig.starts_at + dt.timedelta(hours=1),
                fee=1,
            )
        for offset, limit in ((0, 50), (0, 7), (7, 7), (rng.randint(1, 30), 20)):
            reference = selectors.gigs_for_you_queryset(
                artist=artist, now=now, offset=offset, limit=limit + 1
            )
            found, more, text = filters.match_json(
                user_id=artist.user_id, now=now, offset=offset, limit=limit
            )
            assert found
            assert more == (len(reference) > limit)
            reference = reference[:limit]
            cards = json.loads(text)
            expected = [selectors.match_card(dict(row), now=now) for row in reference]
            # the same gigs, scores and reasons in the same order, every key in the same order
            assert [_brief(c) for c in cards] == [_brief(c) for c in expected], _who(artist)
            assert [list(c.items()) for c in cards] == [list(c.items()) for c in expected]
            assert [list(c) for c in cards] == [list(filters.MATCH_CARD)] * len(cards)


def test_the_match_statement_without_genres_city_or_profile():
    rng = random.Random(5)
    _gigs(rng, 20)
    now = timezone.now()
    nothing = ArtistProfileFactory(primary_genre="", secondary_genres=[], location_city="")
    assert filters.match_json(user_id=nothing.user_id, now=now, limit=50) == (True, False, "[]")
    assert selectors.gigs_for_you_queryset(artist=nothing, now=now) == []
    # the secondary genres repeat the primary one: each genre is walked (and counted) once
    twice = ArtistProfileFactory(primary_genre="jazz", secondary_genres=["jazz", "soul"])
    found, more, text = filters.match_json(user_id=twice.user_id, now=now, limit=50)
    reference = selectors.gigs_for_you_queryset(artist=twice, now=now, limit=50)
    assert found
    assert not more
    assert reference
    expected = [_brief(selectors.match_card(dict(row), now=now)) for row in reference]
    assert [_brief(c) for c in json.loads(text)] == expected
    user = ArtistProfileFactory().user
    ArtistProfile.objects.filter(user=user).delete()
    assert filters.match_json(user_id=user.pk, now=now, limit=50) == (False, False, "[]")


def _days_from(start: int, *, weekend: bool, count: int) -> list[dt.date]:
    """The first ``count`` dates from ``start`` days on that fall on a weekend (or not)."""
    days = (in_days(start + n) for n in range(400))
    return list(islice((d for d in days if (d.weekday() >= 5) == weekend), count))


def test_match_candidates_are_bounded_per_class():
    """A class of gigs that score alike (genre, place, weekend or not, payment type) is read
    soonest first up to ``candidates`` gigs: beyond that a gig of the class is not ranked,
    but the next class's gigs are, however far they are."""
    artist = ArtistProfileFactory(
        primary_genre="jazz", secondary_genres=[], location_city="", base_rate_flat=40_000
    )
    venue = VenueProfileFactory(city="Leeds", state="")
    weekdays = [
        GigFactory(venue=venue, genre="jazz", date=day, payment_amount=50_000)
        for day in _days_from(2, weekend=False, count=4)
    ]
    [weekend] = [
        GigFactory(venue=venue, genre="jazz", date=day, payment_amount=50_000)
        for day in _days_from(60, weekend=True, count=1)
    ]

    def ranked(candidates: int) -> list[int]:
        _, _, text = filters.match_json(
            user_id=artist.user_id, now=timezone.now(), limit=50, candidates=candidates
        )
        return [c["id"] for c in json.loads(text)]

    # the same score (jazz, pays the rate, a day they play): soonest first
    assert ranked(100) == [g.pk for g in [*weekdays, weekend]]
    assert ranked(3) == [g.pk for g in [*weekdays[:3], weekend]]  # the 4th weekday is past


def test_a_better_match_far_away_comes_first():
    """Classes are read best score first: a weekend gig two months away, for an artist who
    plays weekends only, comes before thirty weekday gigs this month, with a horizon far
    shorter than those thirty (the walks by genre it replaced missed it)."""
    artist = ArtistProfileFactory(
        primary_genre="jazz",
        secondary_genres=[],
        location_city="",
        available_weekends=True,
        available_weekdays=False,
    )
    venue = VenueProfileFactory(city="Leeds", state="")
    soon = [
        GigFactory(venue=venue, genre="jazz", date=day)
        for day in _days_from(2, weekend=False, count=30)
    ]
    [far] = [
        GigFactory(venue=venue, genre="jazz", date=day)
        for day in _days_from(60, weekend=True, count=1)
    ]
    now = timezone.now()
    _, more, text = filters.match_json(user_id=artist.user_id, now=now, limit=5, candidates=10)
    cards = json.loads(text)
    assert [c["id"] for c in cards] == [far.pk, *(g.pk for g in soon[:4])]
    assert cards[0]["score"] == cards[1]["score"] + 1 and more
    reference = selectors.gigs_for_you_queryset(artist=artist, now=now, limit=5)
    assert [row["id"] for row in reference] == [c["id"] for c in cards]


def test_a_gigs_card_follows_every_write(django_assert_max_num_queries):
    """Each gig's row carries its card (migration 0014's trigger): gigs for you is one
    statement, and a card follows every write, through a service or a bulk update that
    bypasses them, as the ORM reference writes it."""
    from marketplace.services.gigs import gig_update

    artist = ArtistProfileFactory(primary_genre="jazz", secondary_genres=[], location_city="")
    venue = VenueProfileFactory(city="Leeds", state="")
    gigs = [GigFactory(venue=venue, genre="jazz", date=in_days(2 + d)) for d in range(3)]

    def page() -> list[dict]:
        now = timezone.now()
        with django_assert_max_num_queries(1):  # the ranking writes the page
            found, more, text = filters.match_json(user_id=artist.user_id, now=now, limit=50)
        assert (found, more) == (True, False)
        reference = selectors.gigs_for_you_queryset(artist=artist, now=now, limit=50)
        cards = json.loads(text)
        assert cards == [selectors.match_card(dict(row), now=now) for row in reference]
        assert [list(c) for c in cards] == [list(filters.MATCH_CARD)] * len(cards)
        return cards

    first = page()
    assert [c["id"] for c in first] == [g.pk for g in gigs]
    gig_update(user=venue.user, gig_id=gigs[1].pk, data={"title": "Late jazz, new title"})
    again = page()
    assert again[1]["title"] == "Late jazz, new title"
    assert [c for i, c in enumerate(again) if i != 1] == [first[0], first[2]]
    Gig.objects.filter(pk=gigs[2].pk).update(
        description='A "quoted" 100 % line\nand a second', payment_amount=321
    )
    last = page()[2]
    assert (last["description"], last["payment_amount"]) == (
        'A "quoted" 100 % line\nand a second',
        321,
    )
    with connection.cursor() as cursor:  # what the board's statement reads too
        cursor.execute("SELECT count(*) FROM marketplace_gig WHERE card IS NULL")
        assert cursor.fetchone() == (0,)


def _brief(card: dict) -> tuple:
    return (card["id"], card["score"], card["urgent"], *card["reasons"])


def _who(artist) -> str:
    fields = ("primary_genre", "secondary_genres", "location_city", "location_state")
    fields += ("base_rate_flat", "base_rate_hourly", "rates_negotiable")
    fields += ("available_weekends", "available_weekdays")
    return ", ".join(f"{f}={getattr(artist, f)!r}" for f in fields)


def _cards(rows) -> list[list[tuple]]:
    """As the API shows them (the statement writes dates and times as text already), keys in
    order."""
    now = timezone.now()
    return [list(selectors.gig_card(row, now=now).items()) for row in rows]


def test_gigs_for_you_without_a_profile_is_404_as_before():
    from accounts.models import Role
    from tests.accounts.factories import UserFactory

    user = UserFactory(role=Role.ARTIST)
    response = client_for(user).get(f"{API}/me/gigs-for-you")
    assert response.status_code == 404
    assert response.json()["error"]["message"] == (
        "You have no artist profile yet: start onboarding."
    )


def test_gig_filters_are_the_serializers():
    from rest_framework.exceptions import ValidationError

    from marketplace.api.serializers import GigFilterSerializer, gig_filters

    rng = random.Random(4)
    values = {
        "q": ["jazz", "  late-night  ", "", " ", "x" * 200, "x" * 201, "a\x00b", "a\tb", "Zoë"],
        "city": ["Austin", " austin ", "", "x" * 101, "São Paulo"],
        "state": ["TX", "", " tx"],
        "genre": ["jazz", "Jazz", "r&b", "nope"],
        "payment_type": ["flat", "FLAT", "hourly", "x"],
        "status": ["open", "filled", "gone"],
        "urgent": ["true", "false", "True", "1", "0", "maybe", ""],
        "date_from": ["2027-01-05", "2027-1-5", "2027-W01-1", "20270105", "2027-02-30", "x"],
        "date_to": ["2027-01-04", "2027-03-01", "", "\uff12\uff10\uff12\uff17-01-01"],
        "min_pay": ["0", "20000", "007", "5.0", "-1", "", "\uff11\uff12", "9" * 20],
        "cursor": ["abc"],
        "page_size": ["5"],
    }
    for _ in range(2000):
        params = {k: rng.choice(v) for k, v in values.items() if rng.random() < 0.3}
        reference = GigFilterSerializer(data=params)
        if reference.is_valid():
            assert gig_filters(params) == dict(reference.validated_data), params
        else:
            with pytest.raises(ValidationError) as raised:
                gig_filters(params)
            assert raised.value.detail == reference.errors, params
