"""The marketplace's bench data and requests: gig search, gigs for you, the applicant list.

Data (``seed_gigs``, run by ``python -m bench.seed``): ``BENCH_VENUES`` venues (2 000) in the
seed's 40 cities and ``BENCH_GIGS`` gigs (100 000), gig ``n`` at venue ``n % venues``, each
generated from its number (``random.Random("bench-gig-<n>")``): dates from 120 days back to 240
days ahead of the day they were seeded, statuses by date (past: completed, expired open,
cancelled; ahead: open, filled, cancelled), genres from the venue's, pay by payment type;
applications by the bench artists (0-40 per gig, most under 10) in the states a gig's story
gives them, an accepted application and a booking for every filled or completed gig, and
unavailable dates for every eighth artist. Written with ``COPY`` (about a minute the first
time); later runs only move the dates by the days since the seed ("re-anchoring", one
``UPDATE`` per table), so the board always starts today with the same shape.

Identities (``identities``): the signed-in requests need many different users. Signing each in
through the API would hash a password per user (PBKDF2, ~0.3 s), so a subprocess mints access
tokens the way the login does (``UmbrellaTokenStrategy``'s claims, allauth's JWT, the run's
``SECRET_KEY``) for every tenth bench artist and every bench venue, and lists each venue's gigs
that have applicants. The API checks a token by signature, the cache and the user: nothing it
reads differs from a token got by signing in (the device session row it names is not read).

Like ``bench/seed.py``, importing this module does not load Django: the load generator imports
the request makers.
"""

import base64
import datetime as dt
import itertools
import json
import os
import random
import sys
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from bench import seed

VENUES = 2_000
GIGS = 100_000
VENUE_EMAIL = "bench-venue-{:04d}@bench.umbrella.local"
VENUE_SLUG = "bench-venue-{:04d}"
DAYS_BACK, DAYS_AHEAD = 120, 240
ARTIST_IDENTITY_EVERY = 10  # gigs for you: artists 0, 10, 20, … sign in

GENRES = [
    "acoustic",
    "alternative",
    "ambient",
    "blues",
    "classical",
    "country",
    "dance",
    "drum and bass",
    "electronic",
    "folk",
    "funk",
    "gospel",
    "hip hop",
    "house",
    "indie",
    "jazz",
    "latin",
    "metal",
    "pop",
    "punk",
    "r&b",
    "reggae",
    "rock",
    "singer-songwriter",
    "soul",
    "techno",
    "world",
]  # fmt: skip  (artists.models.GENRES, in its order: tests/bench checks they agree)
TIMEZONES = {
    "Austin": "America/Chicago", "Nashville": "America/Chicago",
    "Los Angeles": "America/Los_Angeles", "New York": "America/New_York",
    "Chicago": "America/Chicago", "New Orleans": "America/Chicago",
    "Atlanta": "America/New_York", "Seattle": "America/Los_Angeles",
    "Portland": "America/Los_Angeles", "Denver": "America/Denver", "Detroit": "America/Detroit",
    "Memphis": "America/Chicago", "Miami": "America/New_York",
    "Philadelphia": "America/New_York", "Boston": "America/New_York",
    "San Francisco": "America/Los_Angeles", "Minneapolis": "America/Chicago",
    "Houston": "America/Chicago", "Phoenix": "America/Phoenix",
    "Kansas City": "America/Chicago", "Asheville": "America/New_York",
    "Toronto": "America/Toronto", "Montreal": "America/Toronto",
    "Vancouver": "America/Vancouver", "London": "Europe/London", "Manchester": "Europe/London",
    "Glasgow": "Europe/London", "Bristol": "Europe/London", "Dublin": "Europe/Dublin",
    "Berlin": "Europe/Berlin", "Hamburg": "Europe/Berlin", "Paris": "Europe/Paris",
    "Amsterdam": "Europe/Amsterdam", "Barcelona": "Europe/Madrid", "Lisbon": "Europe/Lisbon",
    "Stockholm": "Europe/Stockholm", "Melbourne": "Australia/Melbourne",
    "Sydney": "Australia/Sydney", "Auckland": "Pacific/Auckland",
    "Mexico City": "America/Mexico_City",
}  # fmt: skip
VENUE_KINDS = ["Room", "Hall", "Lounge", "Tavern", "Club", "Social", "Taproom", "Ballroom"]
VENUE_KINDS += ["Theatre", "Bar"]
GIG_TITLES = [
    "{Genre} Night",
    "{Adjective} {Noun} Sessions",
    "Late {genre} set",
    "{Day} {genre} residency",
    "{Genre} on the patio",
    "Opening act: {genre}",
    "{Adjective} {genre} showcase",
    "Private event: {genre} {performer}",
]
GIG_SENTENCES = [
    "We are looking for a {mood} {genre} {performer} for {occasion}.",
    "Our room holds {capacity} and the crowd loves {genre}.",
    "Backline: {instrument} and a house PA; bring your own {instrument2}.",
    "Two sets of 45 minutes with a short break.",
    "Load-in from five, sound check at six.",
    "Originals welcome, a few covers appreciated.",
    "Food and two drinks for the band.",
    "Think {influence}, with a {mood} edge.",
]
OCCASIONS = [
    "a Friday crowd", "a wedding reception", "our anniversary party", "a corporate mixer",
    "a rooftop evening", "a record release", "a brunch set", "a festival side stage",
]  # fmt: skip
PERFORMERS = ["band", "duo", "DJ", "singer", "trio", "solo act"]
STATES = sorted({state for _, state, _ in seed.CITIES if state})
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _city(rng: random.Random) -> tuple[str, str, str]:
    # The artists' own skew (bench/seed.py): big scenes come up most.
    return seed.CITIES[min(int(rng.expovariate(1 / 9)), len(seed.CITIES) - 1)]


def venue_fields(v: int) -> dict[str, Any]:
    """Bench venue ``v``; the same ``v`` always gives the same venue."""
    rng = random.Random(f"bench-venue-{v}")
    city, state, country = _city(rng)
    name = f"The {rng.choice(seed.ADJECTIVES)} {rng.choice(VENUE_KINDS)}"
    return {
        "slug": VENUE_SLUG.format(v),
        "onboarding_step": 2,
        "name": name,
        "address": f"{rng.randint(1, 999)} {rng.choice(seed.LAST_NAMES)} Street",
        "city": city,
        "state": state,
        "country": country,
        "timezone": TIMEZONES[city],
        "capacity": rng.choice([40, 80, 120, 200, 350, 600, 1200]),
        "genres_booked": rng.sample(GENRES, rng.randint(2, 5)),
        "about": f"{name}: live music in {city} most nights of the week.",
        "verified": rng.random() < 0.3,
    }


def gig_story(n: int, venue: dict[str, Any], artists: int) -> dict[str, Any]:
    """Bench gig ``n`` of ``venue`` (``venue_fields``), as days from the seed day and local
    times, plus its applications: the same ``n`` always gives the same gig."""
    rng = random.Random(f"bench-gig-{n}")
    genre = rng.choice(venue["genres_booked"])
    offset = rng.randint(-DAYS_BACK, DAYS_AHEAD)
    words = {
        "genre": genre,
        "Genre": genre.title(),
        "Adjective": rng.choice(seed.ADJECTIVES),
        "Noun": rng.choice(seed.NOUNS),
        "Day": rng.choice(DAYS),
        "performer": rng.choice(PERFORMERS),
        "mood": rng.choice(seed.MOODS),
        "occasion": rng.choice(OCCASIONS),
        "capacity": venue["capacity"],
        "instrument": rng.choice(seed.INSTRUMENTS),
        "instrument2": rng.choice(seed.INSTRUMENTS),
        "influence": rng.choice(seed.INFLUENCES),
    }
    title = rng.choice(GIG_TITLES).format(**words)
    description = " ".join(
        s.format(**words) for s in [GIG_SENTENCES[0], *rng.sample(GIG_SENTENCES[1:], 3)]
    )
    start = rng.choice([12, 17, 18, 19, 19, 20, 20, 20, 21, 21, 22, 23]) * 60 + rng.choice(
        [0, 0, 30]
    )
    length = rng.choice([60, 90, 120, 120, 180, 240])
    kind = rng.random()
    if kind < 0.6:
        payment_type, amount = "flat", rng.randrange(10_000, 400_000, 2_500)
    elif kind < 0.8:
        payment_type, amount = "hourly", rng.randrange(3_000, 25_000, 500)
    else:
        payment_type, amount = "negotiable", rng.randrange(0, 200_000, 5_000)
    fate = rng.random()
    if offset < 0:
        status = "completed" if fate < 0.5 else "open" if fate < 0.8 else "cancelled"
    else:
        status = "open" if fate < 0.8 else "filled" if fate < 0.92 else "cancelled"
    count = min(int(rng.expovariate(1 / 5)), 40) if rng.random() < 0.8 else 0
    if status in ("filled", "completed"):
        count = max(count, 1)
    applicants = rng.sample(range(artists), min(count, artists))
    states = []
    for i in range(len(applicants)):
        if status in ("filled", "completed") and i == 0:
            states.append("accepted")
        elif status == "open" and offset >= 0:
            draw = rng.random()
            states.append("pending" if draw < 0.75 else "withdrawn" if draw < 0.85 else "rejected")
        else:
            states.append("rejected" if rng.random() < 0.8 else "withdrawn")
    return {
        "genre": genre,
        "title": title[:200],
        "description": description,
        "offset": offset,
        "start_minutes": start,
        "length_minutes": length,
        "payment_type": payment_type,
        "payment_amount": amount,
        "status": status,
        "lead_days": rng.randint(1, 60),
        "applicants": list(zip(applicants, states, strict=True)),
        "pitch_seed": rng.randrange(1 << 30),
    }


def artist_match_facts(i: int) -> tuple[set[str], str]:
    """Bench artist ``i``'s genres and city (upper case), replaying the first draws of
    ``bench.seed.artist_fields`` without Django: what a gigs-for-you answer must match."""
    rng = random.Random(f"bench-artist-{i}")
    seed.stage_name(rng)
    city, _state, _country = seed.CITIES[min(int(rng.expovariate(1 / 9)), len(seed.CITIES) - 1)]
    genre = rng.choice(GENRES)
    others = rng.sample([g for g in GENRES if g != genre], rng.randint(0, 3))
    return {genre, *others}, city.upper()


# --- seeding (Django) -------------------------------------------------------------------------


def seed_gigs(*, artists: int, venues: int = VENUES, gigs: int = GIGS) -> str:
    """Create the bench venues, gigs and applications if missing, else move their dates to
    today. Returns what it did."""
    from django.db import connection

    from marketplace.models import Gig

    venue_ids = _seed_venues(venues)
    existing = Gig.objects.filter(venue_id__in=venue_ids.values()).count()
    if existing == gigs:
        moved = _reanchor(venue_ids)
        return f"bench gigs: {gigs} there, dates moved by {moved} day(s)"
    if existing:
        Gig.objects.filter(venue_id__in=venue_ids.values()).delete()
    _insert_gigs(venue_ids, venues=venues, gigs=gigs, artists=artists)
    with connection.cursor() as cursor:
        cursor.execute(
            "VACUUM ANALYZE marketplace_venueprofile, marketplace_gig, marketplace_application, "
            "marketplace_booking, marketplace_unavailability"
        )
    return f"bench gigs: created {gigs} gigs at {venues} venues"


def _seed_venues(count: int) -> dict[int, int]:
    """The bench venues (users and profiles) ``0 … count-1``; returns number -> profile id."""
    from django.db import transaction

    from accounts.models import Role, User
    from marketplace.models import VenueProfile

    def number(slug: str) -> int:
        return int(slug.rsplit("-", 1)[1])

    ids = {
        number(slug): pk
        for slug, pk in VenueProfile.objects.filter(slug__startswith="bench-venue-").values_list(
            "slug", "id"
        )
    }
    missing = [v for v in range(count) if v not in ids]
    if not missing:
        return ids
    with transaction.atomic():
        emails = [VENUE_EMAIL.format(v) for v in missing]
        users = {u.email: u for u in User.objects.filter(email__in=emails)}
        new_users = []
        for v, email in zip(missing, emails, strict=True):
            if email not in users:
                user = User(
                    email=email,
                    display_name=venue_fields(v)["name"],
                    role=Role.VENUE,
                    onboarding_complete=True,
                )
                user.set_unusable_password()  # signed in by minted tokens, never a password
                new_users.append(user)
        for user in User.objects.bulk_create(new_users):
            users[user.email] = user
        made = VenueProfile.objects.bulk_create(
            VenueProfile(user=users[email], **venue_fields(v))
            for v, email in zip(missing, emails, strict=True)
        )
    ids.update({number(p.slug): p.pk for p in made})
    return ids


def _insert_gigs(venue_ids: dict[int, int], *, venues: int, gigs: int, artists: int) -> None:
    from zoneinfo import ZoneInfo

    from django.db import connection, transaction
    from django.utils import timezone

    from artists.models import ArtistProfile

    artist_ids = dict(
        ArtistProfile.objects.filter(slug__startswith="bench-artist-").values_list("slug", "id")
    )
    artist_pk = [artist_ids[seed.ARTIST_SLUG.format(i)] for i in range(artists)]
    now = timezone.now()
    today = timezone.localdate()
    venue_rows = [venue_fields(v) for v in range(venues)]
    zones = {name: ZoneInfo(name) for name in set(TIMEZONES.values())}
    gig_rows, stories = [], []
    for n in range(gigs):
        v = n % venues
        venue = venue_rows[v]
        story = gig_story(n, venue, artists)
        date = today + dt.timedelta(days=story["offset"])
        start = dt.time(story["start_minutes"] // 60, story["start_minutes"] % 60)
        end_minutes = (story["start_minutes"] + story["length_minutes"]) % (24 * 60)
        end = dt.time(end_minutes // 60, end_minutes % 60)
        zone = zones[venue["timezone"]]
        starts_at = dt.datetime.combine(date, start, tzinfo=zone).astimezone(dt.UTC)
        ends_at = starts_at + dt.timedelta(minutes=story["length_minutes"])
        created = min(starts_at, now) - dt.timedelta(days=story["lead_days"])
        story.update(starts_at=starts_at, ends_at=ends_at, created=created)
        stories.append(story)
        gig_rows.append(
            (
                venue_ids[v], story["title"], story["description"], venue["name"],
                venue["address"], venue["city"], venue["state"], venue["country"], date, start,
                end, venue["timezone"], starts_at, ends_at, story["genre"],
                story["payment_amount"], story["payment_type"], story["status"], created,
                created,
            )
        )  # fmt: skip
    gig_columns = (
        "venue_id, title, description, venue_name, location_address, location_city, "
        "location_state, location_country, date, start_time, end_time, timezone, starts_at, "
        "ends_at, genre, payment_amount, payment_type, status, created_at, updated_at"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor, for COPY
        with raw.copy(f"COPY marketplace_gig ({gig_columns}) FROM STDIN") as copy:
            for row in gig_rows:
                copy.write_row(row)
        # COPY keeps the order: the new ids ascend with n.
        cursor.execute(
            "SELECT id FROM marketplace_gig WHERE venue_id = ANY(%s) ORDER BY id",
            [list(venue_ids.values())],
        )
        gig_pk = [row[0] for row in cursor.fetchall()]
        booked: dict[int, list[tuple[dt.datetime, dt.datetime]]] = {}
        with raw.copy(
            "COPY marketplace_application (gig_id, artist_id, pitch, proposed_rate, status, "
            "created_at, updated_at, gig_starts_at) FROM STDIN"
        ) as copy:
            for n, story in enumerate(stories):
                rng = random.Random(story["pitch_seed"])
                for rank, (artist, state) in enumerate(story["applicants"]):
                    if state == "accepted":  # one active booking at a time per artist
                        others = {a for a, _ in story["applicants"][1:]}
                        while artist in others or any(
                            s < story["ends_at"] and story["starts_at"] < e
                            for s, e in booked.get(artist, [])
                        ):
                            artist = (artist + 7919) % artists  # rare: the next free one
                        booked.setdefault(artist, []).append((story["starts_at"], story["ends_at"]))
                        story["accepted"] = artist
                    at = story["created"] + dt.timedelta(hours=2 + rank * rng.randint(1, 20))
                    copy.write_row(
                        (
                            gig_pk[n],
                            artist_pk[artist],
                            f"Hi! We play {story['genre']} and would love this gig. "
                            f"{rng.choice(seed.BIO_SENTENCES[4:8])}"[:2000].replace("{", "("),
                            rng.choice([None, story["payment_amount"]]),
                            state,
                            at,
                            at,
                            story["starts_at"],
                        )
                    )
        cursor.execute(
            "INSERT INTO marketplace_booking (gig_id, artist_id, application_id, status, "
            "starts_at, ends_at, fee, cancelled_by, cancel_reason, completed_at, created_at, "
            "updated_at) "
            "SELECT a.gig_id, a.artist_id, a.id, "
            "CASE g.status WHEN 'filled' THEN 'active' ELSE 'completed' END, g.starts_at, "
            "g.ends_at, COALESCE(a.proposed_rate, g.payment_amount), '', '', "
            "CASE g.status WHEN 'completed' THEN g.ends_at END, a.created_at, a.created_at "
            "FROM marketplace_application a JOIN marketplace_gig g ON g.id = a.gig_id "
            "WHERE a.status = 'accepted' AND g.venue_id = ANY(%s)",
            [list(venue_ids.values())],
        )
        # Unavailable dates for every eighth artist: a week somewhere in the next 200 days.
        unavailable = []
        for i in range(0, artists, 8):
            rng = random.Random(f"bench-unavailable-{i}")
            first = today + dt.timedelta(days=rng.randint(0, 200))
            unavailable.append(
                (artist_pk[i], first, first + dt.timedelta(days=rng.randint(0, 6)), "Touring")
            )
        cursor.execute(
            "DELETE FROM marketplace_unavailability WHERE artist_id = ANY(%s)",
            [[artist_pk[i] for i in range(0, artists, 8)]],
        )
        with raw.copy(
            "COPY marketplace_unavailability (artist_id, start_date, end_date, note, "
            "created_at, updated_at) FROM STDIN"
        ) as copy:
            for row in unavailable:
                copy.write_row((*row, now, now))
        _anchor_set(cursor, today)


ANCHOR_KEY = "bench_gigs_anchor"


def _anchor_set(cursor: Any, day: dt.date) -> None:
    cursor.execute(
        "CREATE TABLE IF NOT EXISTS bench_marker (name text PRIMARY KEY, value text NOT NULL)"
    )
    cursor.execute(
        "INSERT INTO bench_marker VALUES (%s, %s) ON CONFLICT (name) DO UPDATE SET value = "
        "EXCLUDED.value",
        [ANCHOR_KEY, day.isoformat()],
    )


def _reanchor(venue_ids: dict[int, int]) -> int:
    """Move every date of the bench gigs (and their applications, bookings and unavailable
    dates) by the days since they were seeded or last moved; returns the days."""
    from django.db import connection, transaction
    from django.utils import timezone

    today = timezone.localdate()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_marker (name text PRIMARY KEY, value text NOT NULL)"
        )
        cursor.execute("SELECT value FROM bench_marker WHERE name = %s", [ANCHOR_KEY])
        found = cursor.fetchone()
        days = (today - dt.date.fromisoformat(found[0])).days if found else 0
        if days <= 0:
            return 0
        shift = f"interval '{int(days)} days'"
        venues = [list(venue_ids.values())]
        cursor.execute(
            f"UPDATE marketplace_gig SET date = date + {int(days)}, "  # noqa: S608
            f"starts_at = starts_at + {shift}, ends_at = ends_at + {shift}, "
            f"created_at = created_at + {shift}, updated_at = updated_at + {shift} "
            "WHERE venue_id = ANY(%s)",
            venues,
        )
        cursor.execute(
            f"UPDATE marketplace_application a SET created_at = a.created_at + {shift}, "  # noqa: S608
            f"updated_at = a.updated_at + {shift}, gig_starts_at = a.gig_starts_at + {shift} "
            "FROM marketplace_gig g "
            "WHERE g.id = a.gig_id AND g.venue_id = ANY(%s)",
            venues,
        )
        # An artist's active bookings may not overlap, checked row by row (the exclusion
        # constraint is not deferrable): moved a few days in one step, a booking can land on
        # one of the same artist's not moved yet. So first far away (where nothing is), then
        # back to the new dates.
        far = "interval '1000 years'"
        cursor.execute(
            f"UPDATE marketplace_booking b SET starts_at = b.starts_at + {shift} + {far}, "  # noqa: S608
            f"ends_at = b.ends_at + {shift} + {far}, created_at = b.created_at + {shift}, "
            f"updated_at = b.updated_at + {shift}, completed_at = b.completed_at + {shift} "
            "FROM marketplace_gig g WHERE g.id = b.gig_id AND g.venue_id = ANY(%s)",
            venues,
        )
        cursor.execute(
            f"UPDATE marketplace_booking b SET starts_at = b.starts_at - {far}, "  # noqa: S608
            f"ends_at = b.ends_at - {far} "
            "FROM marketplace_gig g WHERE g.id = b.gig_id AND g.venue_id = ANY(%s)",
            venues,
        )
        cursor.execute(
            f"UPDATE marketplace_unavailability u SET start_date = start_date + {int(days)}, "  # noqa: S608
            f"end_date = end_date + {int(days)} FROM artists_artistprofile p "
            "WHERE p.id = u.artist_id AND p.slug LIKE 'bench-artist-%%'"
        )
        _anchor_set(cursor, today)
    with connection.cursor() as cursor:
        cursor.execute(
            "VACUUM ANALYZE marketplace_gig, marketplace_application, marketplace_booking, "
            "marketplace_unavailability"
        )
    return days


# --- identities (Django) ----------------------------------------------------------------------


def mint_identities(kind: str, *, artists: int) -> dict[str, Any]:
    """Access tokens for the users the ``kind`` endpoint signs in as: ``{"tokens": {number:
    token}}``, and for venues ``"gigs": {number: [gig ids with applicants]}``."""
    import secrets

    from allauth.headless.tokens.strategies.jwt import internal as jwt_internal

    from accounts.models import User
    from accounts.selectors import user_cache_put
    from accounts.tokens import UmbrellaTokenStrategy

    strategy = UmbrellaTokenStrategy()
    if kind == "artist":
        numbers = list(range(0, artists, ARTIST_IDENTITY_EVERY))
        emails = {seed.ARTIST_EMAIL.format(i): i for i in numbers}
    elif kind == "venue":
        emails = {VENUE_EMAIL.format(v): v for v in range(VENUES)}
    else:
        raise ValueError(kind)
    tokens: dict[str, str] = {}
    for user in User.objects.filter(email__in=list(emails)):
        session_key = secrets.token_hex(16)  # a device session, as a sign-in would start
        claims = strategy.get_claims(user)
        token = jwt_internal.create_access_token(user, _Session(session_key), claims)  # type: ignore[arg-type]
        user_cache_put(user)  # as the login does: the first call needs no query
        tokens[str(emails[user.email])] = token
    out: dict[str, Any] = {"tokens": tokens}
    if kind == "venue":
        from django.db import connection

        gigs: dict[str, list[int]] = {}
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT v.slug, g.id FROM marketplace_gig g "
                "JOIN marketplace_venueprofile v ON v.id = g.venue_id "
                "WHERE v.slug LIKE 'bench-venue-%%' AND EXISTS (SELECT 1 FROM "
                "marketplace_application a WHERE a.gig_id = g.id) ORDER BY g.id"
            )
            for slug, gig_id in cursor.fetchall():
                gigs.setdefault(str(int(slug.rsplit("-", 1)[1])), []).append(gig_id)
        out["gigs"] = gigs
        from bench import messages  # the venues' conversations (bench/messages.py)

        out["conversations"] = messages.venue_conversations(VENUES)
    return out


class _Session:
    """What allauth's token maker reads of a session: its key."""

    def __init__(self, session_key: str) -> None:
        self.session_key = session_key


def identities(env: dict[str, str], kind: str, *, artists: int) -> dict[str, Any]:
    """``mint_identities`` in a subprocess with the server's environment (its SECRET_KEY signs
    the tokens), so the load generator never loads Django."""
    from bench.environment import run_module

    out = run_module(
        env, "bench.gigs", "identities", kind, str(artists), what=f"minting {kind} tokens"
    )
    data: dict[str, Any] = json.loads(out)
    return data


# --- requests ---------------------------------------------------------------------------------


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


def _search_words(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.35:
        return rng.choice(GENRES)  # common: ~1 gig in 15
    if kind < 0.55:
        return rng.choice(seed.ADJECTIVES + seed.NOUNS)  # titles and venue names
    if kind < 0.70:
        return rng.choice(seed.MOODS + seed.INSTRUMENTS)  # descriptions
    if kind < 0.80:
        return rng.choice(OCCASIONS).split()[-1]  # "party", "reception", "mixer" …
    if kind < 0.90:
        return f"{rng.choice(seed.MOODS)} {rng.choice(GENRES)}"
    return f"{rng.choice(PERFORMERS)} {rng.choice(['wedding', 'rooftop', 'brunch', 'festival'])}"


def _cursor_after(when: dt.datetime) -> str:
    """A cursor as DRF's CursorPagination writes it for ``next``: gigs starting after ``when``."""
    text = urlencode({"p": str(when)})
    return base64.b64encode(text.encode("ascii")).decode("ascii")


def gig_search_call(artists: int, rng: random.Random) -> Any:
    """The gig board with a mix of filters (what a visitor combines on the board)."""
    from bench.endpoints import Call

    params: dict[str, str] = {}
    today = dt.datetime.now(dt.UTC).date()
    kind = rng.random()
    if kind < 0.10:
        pass  # the board as it opens: open gigs from now, soonest first
    elif kind < 0.35:
        params["q"] = _search_words(rng)
    elif kind < 0.55:
        params["city"] = _city(rng)[0]
        if rng.random() < 0.5:
            params["genre"] = rng.choice(GENRES)
    elif kind < 0.65:
        params["state"] = rng.choice(STATES)
        params["payment_type"] = rng.choice(["flat", "hourly", "negotiable"])
    elif kind < 0.80:
        params["genre"] = rng.choice(GENRES)
        params["min_pay"] = str(rng.choice([20_000, 50_000, 100_000, 200_000]))
    elif kind < 0.92:
        first = today + dt.timedelta(days=rng.randint(0, 150))
        params["date_from"] = first.isoformat()
        params["date_to"] = (first + dt.timedelta(days=rng.choice([0, 2, 6, 30]))).isoformat()
        if rng.random() < 0.5:
            params["city"] = _city(rng)[0].lower()
    else:
        params["urgent"] = "true"
        if rng.random() < 0.6:
            params["genre"] = rng.choice(GENRES)
    if rng.random() < 0.1 and "q" not in params:
        params["q"] = _search_words(rng)
    after = None
    if rng.random() < 0.15:  # a later page: follow a cursor, as `next` gives it
        after = dt.datetime.combine(
            today + dt.timedelta(days=rng.randint(1, 120)), dt.time(rng.randint(0, 23)), dt.UTC
        )
        params["cursor"] = _cursor_after(after)
    return Call(f"/api/v1/gigs/?{urlencode(params)}", {}, check_gig_search(params, after))


def _local_date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def check_gig_search(
    params: dict[str, str], after: dt.datetime | None
) -> Callable[[bytes], str | None]:
    """The envelope, and every row a gig the filters allow, soonest first."""
    city = params.get("city", "").upper()
    state = params.get("state", "").upper()

    def check(body: bytes) -> str | None:
        data = _json(body)
        if not isinstance(data, dict) or not isinstance(data.get("results"), list):
            return "no results list"
        if "next" not in data or "previous" not in data:
            return "no next/previous"
        rows = data["results"]
        if any(not isinstance(r, dict) or "id" not in r for r in rows):
            return "a gig without an id"
        starts = [dt.datetime.fromisoformat(r["starts_at"]) for r in rows]
        if any(a > b for a, b in itertools.pairwise(starts)):
            return "not soonest first"
        for r in rows:
            if r["status"] != "open":
                return "a gig not open"
            if city and r["location_city"].upper() != city:
                return "another city"
            if state and r["location_state"].upper() != state:
                return "another state"
            if "genre" in params and r["genre"] != params["genre"]:
                return "another genre"
            if "min_pay" in params and r["payment_amount"] < int(params["min_pay"]):
                return "pays less"
            if "payment_type" in params and r["payment_type"] != params["payment_type"]:
                return "another payment type"
            if "date_from" in params and _local_date(r["date"]) < _local_date(params["date_from"]):
                return "before date_from"
            if "date_to" in params and _local_date(r["date"]) > _local_date(params["date_to"]):
                return "after date_to"
            if params.get("urgent") == "true" and not r["urgent"]:
                return "not urgent"
            if after is not None and dt.datetime.fromisoformat(r["starts_at"]) <= after:
                return "not after the cursor"
        return None

    return check


def gigs_for_you_call(artists: int, rng: random.Random, ids: dict[str, Any]) -> Any:
    from bench.endpoints import Call

    number = rng.choice(sorted(ids["tokens"], key=int))
    token = ids["tokens"][number]
    genres, city = artist_match_facts(int(number))
    page = 2 if rng.random() < 0.15 else 1  # 15 % ask for more matches
    return Call(
        "/api/v1/me/gigs-for-you" + (f"?page={page}" if page > 1 else ""),
        {"Authorization": f"Bearer {token}"},
        check_gigs_for_you(genres, city, page=page),
    )


def check_gigs_for_you(
    genres: set[str], city: str, *, page: int = 1
) -> Callable[[bytes], str | None]:
    """A page (``next``, ``previous``, ``results``) of 1 to 20 open gigs, each in one of the
    artist's genres or their city, with reasons, best score first."""

    def check(body: bytes) -> str | None:
        envelope = _json(body)
        if not isinstance(envelope, dict) or not isinstance(envelope.get("results"), list):
            return "no results list"
        if "next" not in envelope or (envelope.get("previous") is None) != (page == 1):
            return "no next/previous"
        data = envelope["results"]
        if len(data) > 20:
            return "more than 20"
        if not data:
            return "no gig at all"  # every bench artist has hundreds of candidates
        scores = []
        for r in data:
            if not isinstance(r, dict) or not r.get("reasons") or "score" not in r:
                return "a gig without score or reasons"
            if r["genre"] not in genres and r["location_city"].upper() != city:
                return "neither the artist's genre nor city"
            if r["status"] != "open":
                return "a gig not open"
            scores.append(r["score"])
        if scores != sorted(scores, reverse=True):
            return "not best first"
        return None

    return check


def applicants_call(artists: int, rng: random.Random, ids: dict[str, Any]) -> Any:
    from bench.endpoints import Call

    number = rng.choice(sorted(ids["gigs"], key=int))
    gig = rng.choice(ids["gigs"][number])
    token = ids["tokens"][number]
    path = f"/api/v1/gigs/{gig}/applications"
    if rng.random() < 0.1:
        path += "?page_size=50"
    return Call(path, {"Authorization": f"Bearer {token}"}, check_applicants)


def check_applicants(body: bytes) -> str | None:
    data = _json(body)
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        return "no results list"
    if "next" not in data or "previous" not in data:
        return "no next/previous"
    if not data["results"]:
        return "no applicant"  # only gigs with applicants are asked for
    for r in data["results"]:
        artist = r.get("artist") if isinstance(r, dict) else None
        if not isinstance(artist, dict) or not str(artist.get("slug")).startswith("bench-artist-"):
            return "an applicant without a bench artist"
        if r.get("status") not in ("pending", "withdrawn", "accepted", "rejected"):
            return "an application without a status"
    return None


def main() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()
    if sys.argv[1:2] == ["identities"]:
        kind, artists = sys.argv[2], int(sys.argv[3])
        print(json.dumps(mint_identities(kind, artists=artists)))
        return
    raise SystemExit("usage: python -m bench.gigs identities artist|venue ARTISTS")


if __name__ == "__main__":
    main()
