"""What the benchmark measures. To cover a new endpoint, append an ``Endpoint`` to ``ENDPOINTS``.

``target_ratio`` is the SPEC §14 floor for ``throughput / baseline throughput`` (``None``: report
only). Authenticated endpoints are called with the bench user's ``Authorization: Bearer`` token.

Requests vary: ``calls(artists, seed)`` gives the endpoint's i-th request (path, extra headers,
and a check of the response body) from ``random.Random(f"{name}:{seed}:{i}")`` — the same seed
and data size always give the same requests. Search words, genres, cities and slugs come from
the seed's own vocabularies (``bench/seed.py``), so they match the data.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from bench import analytics, bodies, gigs, messages, rooms, seed


@dataclass(frozen=True)
class Call:
    path: str
    headers: dict[str, str]
    check: Callable[[bytes], str | None]  # None when the body is right, else what is wrong


def check_bare(body: bytes) -> str | None:
    return None if bodies.parse(body) == {"ok": True} else "not {'ok': true}"


def check_me(body: bytes) -> str | None:
    data = bodies.parse(body)
    ok = isinstance(data, dict) and data.get("email") == "bench@umbrella.local"
    return None if ok else "not the bench user"


def check_list(body: bytes) -> str | None:
    rows = bodies.page_rows(body)
    if isinstance(rows, str):
        return rows
    if any(not isinstance(r, dict) or "slug" not in r for r in rows):
        return "a result without a slug"
    return None


def check_profile(slug: str) -> Callable[[bytes], str | None]:
    def check(body: bytes) -> str | None:
        data = bodies.parse(body)
        return None if isinstance(data, dict) and data.get("slug") == slug else "wrong slug"

    return check


# --- request makers: (artists, rng) -> Call ---------------------------------------------------

GENRES = gigs.GENRES  # artists.models.GENRES, copied once (bench/gigs.py)
PERFORMANCE_TYPES = ["solo", "duo", "band", "dj", "orchestra", "acoustic", "other"]
ORDERINGS = ["relevance", "rating", "gigs", "newest"]
COUNTRIES = sorted({country for _, _, country in seed.CITIES})


def _weighted_city(rng: random.Random) -> str:
    # The seed's own skew: big scenes come up most.
    return seed.CITIES[min(int(rng.expovariate(1 / 9)), len(seed.CITIES) - 1)][0]


def _search_words(rng: random.Random) -> str:
    """One or two words a visitor would type: names, genres (common: thousands of matches),
    cities, moods, instruments, influences; a few typos."""
    kind = rng.random()
    if kind < 0.25:
        return rng.choice(seed.ADJECTIVES + seed.NOUNS)  # stage-name words: ~1 in 100 artists
    if kind < 0.40:
        return rng.choice(GENRES)  # common: 1 in 10 artists and more (bios name genres too)
    if kind < 0.50:
        return rng.choice(seed.FIRST_NAMES + seed.LAST_NAMES)
    if kind < 0.60:
        return _weighted_city(rng)
    if kind < 0.70:
        return rng.choice(seed.MOODS + seed.INSTRUMENTS)
    if kind < 0.75:
        return rng.choice(seed.INFLUENCES)
    if kind < 0.80:  # a typo'd stage-name word: no full-text match, the trigram fallback runs
        word = rng.choice(seed.ADJECTIVES)
        cut = rng.randrange(1, len(word))
        return word[:cut] + word[cut + 1 :] + "x"
    if kind < 0.92:
        return f"{rng.choice(seed.ADJECTIVES)} {rng.choice(seed.NOUNS)}"
    return f"{rng.choice(seed.MOODS)} {rng.choice(GENRES)}"


def search_call(artists: int, rng: random.Random) -> Call:
    params = {"q": _search_words(rng)}
    if rng.random() < 0.2:
        params["city"] = _weighted_city(rng)
    if rng.random() < 0.1:
        params["page"] = "2"
    return Call(f"/api/v1/artists/?{urlencode(params)}", {}, check_list)


def filter_call(artists: int, rng: random.Random) -> Call:
    params: dict[str, str] = {}
    kind = rng.random()
    if kind < 0.35:
        params.update(genre=rng.choice(GENRES), city=_weighted_city(rng))
    elif kind < 0.50:
        params["country"] = rng.choice(COUNTRIES)
    elif kind < 0.65:
        params["genre"] = rng.choice(GENRES)
        params["rate_max"] = str(rng.choice([50_000, 100_000, 200_000]))
    elif kind < 0.75:
        params["performance_type"] = rng.choice(PERFORMANCE_TYPES)
        params["city"] = _weighted_city(rng)
    elif kind < 0.85:
        params["rate_min"] = str(rng.choice([20_000, 100_000]))
        params["rate_max"] = str(rng.choice([250_000, 400_000]))
        params["weekdays"] = rng.choice(["true", "false"])
    else:
        params["genre"] = rng.choice(GENRES)
        params["weekends"] = "true"
        params["min_rating"] = rng.choice(["3.5", "4", "4.5"])
    if rng.random() < 0.15:
        params["verified"] = "true"
    if rng.random() < 0.5:
        params["ordering"] = rng.choice(ORDERINGS)
    if rng.random() < 0.1:
        params["page"] = "2"
    return Call(f"/api/v1/artists/?{urlencode(params)}", {}, check_list)


def viewer_headers(rng: random.Random, seed_text: str) -> dict[str, str]:
    """A visitor among ~50 000 per run: their own client address (behind the one proxy the
    bench settings declare) and browser string. Salted by the run's seed, so each run's views
    are new ones and really write."""
    n = rng.randrange(50_000)
    address = f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"
    return {"X-Forwarded-For": address, "User-Agent": f"bench-viewer/{seed_text}-{n}"}


def profile_call(artists: int, rng: random.Random, seed_text: str = "") -> Call:
    slug = seed.ARTIST_SLUG.format(rng.randrange(artists))
    return Call(f"/api/v1/artists/{slug}", viewer_headers(rng, seed_text), check_profile(slug))


def fixed(path: str, check: Callable[[bytes], str | None]) -> "Maker":
    return lambda artists, rng: Call(path, {}, check)


Maker = Callable[[int, random.Random], Call]


@dataclass(frozen=True)
class Endpoint:
    name: str
    path: str  # what the table shows: the path, or a pattern for varied requests
    make: Maker = field(repr=False)
    auth: bool = False
    target_ratio: float | None = None
    expected_status: int = 200
    per_viewer: bool = False  # the maker takes the run's seed too (viewer identities)
    # "artist" or "venue": each call signs in as one of many such users; the maker takes the
    # identities too (bench.gigs.identities: tokens, and a venue's gigs).
    signs_in: str = ""

    def calls(
        self,
        artists: int,
        seed_text: str,
        count: int,
        offset: int = 0,
        identities: dict[str, Any] | None = None,
    ) -> list[Call]:
        out = []
        for i in range(offset, offset + count):
            rng = random.Random(f"{self.name}:{seed_text}:{i}")
            if self.per_viewer:
                out.append(profile_call(artists, rng, seed_text))
            elif self.signs_in:
                out.append(self.make(artists, rng, identities))  # type: ignore[call-arg]
            else:
                out.append(self.make(artists, rng))
        return out


# Every ratio is measured against this, in the same run and on the same server.
BASELINE = Endpoint("bare", "/bench/bare", fixed("/bench/bare", check_bare))

ENDPOINTS: list[Endpoint] = [
    Endpoint("me", "/api/v1/me", fixed("/api/v1/me", check_me), auth=True, target_ratio=0.60),
    # Discovery over the bench artists (SPEC §14: search stays fast at 20k).
    Endpoint("search", "/api/v1/artists/?q=<varied>", search_call, target_ratio=0.30),
    Endpoint("filter", "/api/v1/artists/?<varied filters>", filter_call, target_ratio=0.30),
    # Varied artists and viewers: nearly every request records a new daily view (an INSERT).
    Endpoint(
        "profile",
        "/api/v1/artists/<varied slug>",
        profile_call,
        target_ratio=0.30,
        per_viewer=True,
    ),
]
# The marketplace over 100 000 gigs (bench/gigs.py): the board with varied filters and cursors
# (anonymous), gigs for you (as one of 2 000 artists), a gig's applicants (as its venue).
ENDPOINTS += [
    Endpoint("gigs", "/api/v1/gigs/?<varied filters>", gigs.gig_search_call, target_ratio=0.30),
    Endpoint(
        "foryou",
        "/api/v1/me/gigs-for-you (varied artists)",
        gigs.gigs_for_you_call,  # type: ignore[arg-type]
        target_ratio=0.30,
        signs_in="artist",
    ),
    Endpoint(
        "applicants",
        "/api/v1/gigs/<id>/applications (varied venues)",
        gigs.applicants_call,  # type: ignore[arg-type]
        target_ratio=0.30,
        signs_in="venue",
    ),
]
# Messaging (bench/messages.py): a conversation's messages, 1 000 000 in the table, as its venue.
ENDPOINTS += [
    Endpoint(
        "messages",
        "/api/v1/conversations/<id>/messages (varied venues)",
        messages.messages_call,  # type: ignore[arg-type]
        target_ratio=0.30,
        signs_in="venue",
    ),
]
# Live rooms (bench/rooms.py): the room list over 5 000 rooms, signed in as the bench user (a
# member of some private rooms), with varied filters.
ENDPOINTS += [
    Endpoint(
        "rooms",
        "/api/v1/rooms/?<varied filters>",
        rooms.rooms_call,
        auth=True,
        target_ratio=0.30,
    ),
]
# Analytics (bench/analytics.py): an artist's daily figures over a year, as one of the 2 000
# artists that sign in.
ENDPOINTS += [
    Endpoint(
        "analytics",
        "/api/v1/analytics/daily/?from=&to= (365 days, varied artists)",
        analytics.analytics_call,  # type: ignore[arg-type]
        target_ratio=0.30,
        signs_in="artist",
    ),
]
