"""``python -m bench.seed``: the data the benchmarked endpoints read (run by ``bench.database``).

* The bench user: reads ``BENCH_EMAIL`` and ``BENCH_PASSWORD``; the password is reset every run.
* ``BENCH_ARTISTS`` onboarded artists (default 20 000, the size SPEC §14 names for search), with
  varied stage names, genres, cities, rates and bios. Artist ``i`` is always the same (it is
  generated from its number), so only the missing ones are created: the first run takes a few
  seconds, the next ones one query. ``bench/endpoints.py`` names some of them (slug, city).
"""

import os
import random
from decimal import Decimal
from typing import Any

import django

ARTISTS = 20_000
BATCH = 2_000
ARTIST_EMAIL = "bench-artist-{:05d}@bench.umbrella.local"
ARTIST_SLUG = "bench-artist-{:05d}"


def _words(text: str) -> list[str]:
    return text.split()


ADJECTIVES = _words("""
Amber Astral Bitter Black Blue Brass Broken Burning Cosmic Crimson Crystal Dusty Echo Electric
Emerald Feral Fading Frozen Gentle Ghost Golden Hollow Honey Iron Ivory Jade Lazy Little Lost
Lucky Lunar Magnetic Midnight Modern Neon Northern Paper Pale Quiet Rapid Rebel Restless Rusty
Saint Salty Scarlet Secret Silent Silver Sleepy Solar Southern Static Stone Sugar Sunday Sweet
Tender Thunder Twin Velvet Violet Wandering Wild Wooden Young
""")
NOUNS = _words("""
Anchors Arrows Bandits Bears Bees Birds Bones Canyons Cats Comets Coyotes Crows Daggers Deer
Diamonds Dogs Dreams Drifters Embers Engines Falcons Fires Foxes Ghosts Giants Harbors Hearts
Horses Hounds Kings Lanterns Lions Machines Mirrors Monks Moths Mountains Owls Pilots Pines
Prophets Queens Rabbits Ravens Rivers Robots Sailors Saints Shadows Sparrows Stars Strangers
Tigers Tides Trains Waves Wolves
""")
FIRST_NAMES = _words("""
Ada Alma Ana Arlo Ben Bo Cara Cleo Dana Eli Emma Ezra Finn Gus Hana Ida Iris Jo June Kai Lena Leo
Lou Mae Maya Milo Nia Nico Nora Otis Remy Rosa Ruby Sam Sol Tess Theo Uma Vera Wes Zoe
""")
LAST_NAMES = _words("""
Adams Bell Brooks Carter Cruz Diaz Ellis Fox Garcia Gray Hayes Hill James Kim Lane Lee Lopez
Marsh Moore Nash Ortiz Park Price Reed Reyes Rivera Rose Ross Shaw Stone Vance Wade West Wolfe
Wood Young
""")
CITIES = [  # (city, state, country); the first ones are the biggest scenes and come up most
    ("Austin", "TX", "US"), ("Nashville", "TN", "US"), ("Los Angeles", "CA", "US"),
    ("New York", "NY", "US"), ("Chicago", "IL", "US"), ("New Orleans", "LA", "US"),
    ("Atlanta", "GA", "US"), ("Seattle", "WA", "US"), ("Portland", "OR", "US"),
    ("Denver", "CO", "US"), ("Detroit", "MI", "US"), ("Memphis", "TN", "US"),
    ("Miami", "FL", "US"), ("Philadelphia", "PA", "US"), ("Boston", "MA", "US"),
    ("San Francisco", "CA", "US"), ("Minneapolis", "MN", "US"), ("Houston", "TX", "US"),
    ("Phoenix", "AZ", "US"), ("Kansas City", "MO", "US"), ("Asheville", "NC", "US"),
    ("Toronto", "ON", "CA"), ("Montreal", "QC", "CA"), ("Vancouver", "BC", "CA"),
    ("London", "", "GB"), ("Manchester", "", "GB"), ("Glasgow", "", "GB"), ("Bristol", "", "GB"),
    ("Dublin", "", "IE"), ("Berlin", "", "DE"), ("Hamburg", "", "DE"), ("Paris", "", "FR"),
    ("Amsterdam", "", "NL"), ("Barcelona", "", "ES"), ("Lisbon", "", "PT"),
    ("Stockholm", "", "SE"), ("Melbourne", "VIC", "AU"), ("Sydney", "NSW", "AU"),
    ("Auckland", "", "NZ"), ("Mexico City", "", "MX"),
]  # fmt: skip
INFLUENCES = """
Aretha Franklin|Miles Davis|Nina Simone|Joni Mitchell|Bob Dylan|David Bowie|Prince|Radiohead|
Björk|Daft Punk|Fleetwood Mac|Stevie Wonder|Marvin Gaye|Johnny Cash|Dolly Parton|Kate Bush|
The Beatles|Led Zeppelin|Patti Smith|Talking Heads|Frankie Knuckles|Aphex Twin|Bonobo|
John Coltrane|Ella Fitzgerald|Billie Holiday|Herbie Hancock|Fela Kuti|Bob Marley|Lauryn Hill|
Kendrick Lamar|A Tribe Called Quest|Erykah Badu|D'Angelo|Amy Winehouse|Adele|Taylor Swift|
Phoebe Bridgers|Bon Iver|Sufjan Stevens|Willie Nelson|Emmylou Harris|Muddy Waters|B.B. King|
Jimi Hendrix|Nirvana|Pixies|The Cure|Joy Division|New Order|Massive Attack|Portishead|
Burial|Four Tet|Caribou|Rosalía|Buena Vista Social Club|Ali Farka Touré|Ravi Shankar|Bach
""".replace("\n", "").split("|")
INSTRUMENTS = """
guitar|piano|drums|bass|voice|saxophone|trumpet|violin|cello|synthesizers|turntables|banjo|
pedal steel|harmonica|organ|upright bass|mandolin|drum machines
""".replace("\n", "").split("|")
VENUES = """
small bars|wedding receptions|festival stages|jazz clubs|rooftop parties|warehouse raves|
coffee houses|corporate events|theatres|brewery patios|house concerts|hotel lounges
""".replace("\n", "").split("|")
MOODS = """
warm|raw|dreamy|gritty|joyful|hypnotic|tender|loud|intimate|soulful|restless|playful|dark|
sun-soaked|late-night|high-energy
""".replace("\n", "").split("|")
TAGLINES = [
    "{Mood} {genre} for {venue}.",
    "{genre_title} with {instrument} and a lot of heart.",
    "From {city} with {mood} {genre}.",
    "{Mood} sets, {mood2} songs.",
    "{years} years of {genre} on {venue}.",
    "Your next {genre} night, sorted.",
]
BIO_SENTENCES = [
    "{name} {is_are} a {mood} {genre} act based in {city}.",
    "Raised on {influence} and {influence2}; the sound mixes {genre} with {genre2}.",
    "Expect {instrument}, {instrument2} and a {mood} live show.",
    "{years} years on stage: {venue}, {venue2} and everything in between.",
    "Original songs plus a deep book of covers.",
    "Available for {venue} across {region}, happy to travel.",
    "The sound: {mood} {genre}, a little {genre2}, never boring.",
    "{records} records so far, and rehearsals every week.",
]


def stage_name(rng: random.Random) -> tuple[str, bool]:
    """A stage name, and whether it names a group (for "is" / "are" in the bio)."""
    pattern = rng.random()
    if pattern < 0.40:
        return f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)}", True
    if pattern < 0.55:
        return f"The {rng.choice(ADJECTIVES)} {rng.choice(NOUNS)}", True
    if pattern < 0.80:
        return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}", False
    if pattern < 0.90:
        return f"DJ {rng.choice(ADJECTIVES)}", False
    return f"{rng.choice(FIRST_NAMES)} & the {rng.choice(NOUNS)}", True


def artist_fields(i: int) -> dict[str, Any]:
    """Everything about bench artist ``i``; the same ``i`` always gives the same artist."""
    from artists.models import GENRES, PerformanceType

    rng = random.Random(f"bench-artist-{i}")
    name, group = stage_name(rng)
    city, state, country = CITIES[min(int(rng.expovariate(1 / 9)), len(CITIES) - 1)]
    genre = rng.choice(GENRES)
    others = rng.sample([g for g in GENRES if g != genre], rng.randint(0, 3))
    influences = rng.sample(INFLUENCES, rng.randint(1, 4))
    years = rng.randint(1, 30)
    words = {
        "name": name,
        "is_are": "are" if group else "is",
        "genre": genre,
        "genre_title": genre.title(),
        "genre2": others[0] if others else rng.choice(GENRES),
        "mood": rng.choice(MOODS),
        "mood2": rng.choice(MOODS),
        "instrument": rng.choice(INSTRUMENTS),
        "instrument2": rng.choice(INSTRUMENTS),
        "venue": rng.choice(VENUES),
        "venue2": rng.choice(VENUES),
        "influence": influences[0],
        "influence2": influences[1] if len(influences) > 1 else rng.choice(INFLUENCES),
        "city": city,
        "region": state or country,
        "years": years,
        "records": rng.randint(1, 9),
    }
    words["Mood"] = words["mood"].capitalize()
    sentences = rng.sample(BIO_SENTENCES[1:], rng.randint(2, 5))
    bio = " ".join(s.format(**words) for s in [BIO_SENTENCES[0], *sentences])
    types = [PerformanceType.BAND] if group else [PerformanceType.SOLO]
    if name.startswith("DJ "):
        types = [PerformanceType.DJ]
    if rng.random() < 0.3:
        types.append(rng.choice([t for t in PerformanceType.values if t not in types]))
    rated = rng.random() < 0.7
    rate = rng.randrange(10_000, 500_000, 2_500) if rng.random() < 0.9 else None
    return {
        "slug": ARTIST_SLUG.format(i),
        "stage_name": name,
        "onboarding_step": 5,
        "location_city": city,
        "location_state": state,
        "location_country": country,
        "tagline": rng.choice(TAGLINES).format(**words)[:160],
        "bio": bio[:5000],
        "primary_genre": genre,
        "secondary_genres": others,
        "influences": influences,
        "performance_types": [str(t) for t in types],
        "equipment": f"Own {words['instrument']} rig and PA.",
        "base_rate_flat": rate,
        "base_rate_hourly": rate // 3 if rate and rng.random() < 0.5 else None,
        "rates_negotiable": rng.random() < 0.4,
        "travel_radius_miles": rng.choice([None, 25, 50, 100, 250, 500]),
        "available_weekdays": rng.random() < 0.55,
        "available_weekends": rng.random() < 0.85,
        "advance_booking_weeks": rng.randint(1, 12),
        "years_performing": years,
        "verified": rng.random() < 0.15,
        "avg_rating": Decimal(rng.randint(300, 500)) / 100 if rated else Decimal(0),
        "total_reviews": rng.randint(1, 80) if rated else 0,
        "total_gigs": rng.randint(0, 400),
        "profile_views": rng.randint(0, 5_000),
        "avatar": AVATAR.format(i) if has_avatar(i) else "",
        "banner": BANNER.format(i) if has_banner(i) else "",
    }


# Images, tracks and media files for a share of the artists, chosen by number (the same rule in
# SQL below, for rows created before the rule existed). The image names are only names: the
# bench server signs S3 URLs for them locally and never fetches a file.
AVATAR = "artists/avatars/bench-{:05d}.jpg"
BANNER = "artists/banners/bench-{:05d}.jpg"


def has_avatar(i: int) -> bool:
    return i % 10 < 4  # 40 %


def has_banner(i: int) -> bool:
    return i % 10 < 2  # 20 %


def tracks_for(i: int) -> list[dict[str, Any]]:
    """1-6 tracks for every third artist, none for the others."""
    if i % 3:
        return []
    rng = random.Random(f"bench-tracks-{i}")
    return [
        {
            "title": f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)}",
            "duration_seconds": rng.randint(90, 480),
            "audio": f"artists/tracks/bench-{i:05d}-{n}.mp3",
            "audio_size_bytes": rng.randint(2_000_000, 12_000_000),
            "release_year": rng.randint(1995, 2026),
            "display_order": n,
            "plays": rng.randint(0, 20_000),
        }
        for n in range(rng.randint(1, 6))
    ]


def media_for(i: int) -> list[dict[str, Any]]:
    """Two press photos and a video for every fifth artist."""
    if i % 5:
        return []
    return [
        {
            "category": category,
            "filename": f"bench-{i:05d}-{n}.{ext}",
            "size_bytes": 250_000 * (n + 1),
            "mime_type": mime,
            "file": f"artists/media/bench-{i:05d}-{n}.{ext}",
        }
        for n, (category, ext, mime) in enumerate(
            [
                ("press_photo", "jpg", "image/jpeg"),
                ("press_photo", "jpg", "image/jpeg"),
                ("video", "mp4", "video/mp4"),
            ]
        )
    ]


def seed_artists(count: int) -> int:
    """Create the bench artists ``0 … count-1`` that do not exist yet; returns how many."""
    from django.db import connection, transaction

    from accounts.models import Role, User
    from artists.models import ArtistProfile

    existing = set(
        ArtistProfile.objects.filter(slug__startswith="bench-artist-").values_list(
            "slug", flat=True
        )
    )
    missing = [i for i in range(count) if ARTIST_SLUG.format(i) not in existing]
    for start in range(0, len(missing), BATCH):
        batch = [artist_fields(i) for i in missing[start : start + BATCH]]
        emails = [ARTIST_EMAIL.format(int(f["slug"].rsplit("-", 1)[1])) for f in batch]
        with transaction.atomic():
            # A user left without a profile by an interrupted run is reused, not duplicated.
            users = {u.email: u for u in User.objects.filter(email__in=emails)}
            new_users = []
            for email, fields in zip(emails, batch, strict=True):
                if email not in users:
                    user = User(
                        email=email,
                        display_name=fields["stage_name"],
                        role=Role.ARTIST,
                        onboarding_complete=True,
                    )
                    user.set_unusable_password()  # nobody signs in as these
                    new_users.append(user)
            for user in User.objects.bulk_create(new_users):
                users[user.email] = user
            ArtistProfile.objects.bulk_create(
                ArtistProfile(user=users[email], listed=True, **fields)
                for email, fields in zip(emails, batch, strict=True)
            )
    extras = seed_extras(count)
    if missing or extras:
        # Planner statistics for the new rows, and the GIN indexes' pending lists merged: right
        # after a bulk insert a search scanned ~300 pending-list pages (2 ms instead of 0.05).
        with connection.cursor() as cursor:
            cursor.execute(
                "VACUUM ANALYZE accounts_user, artists_artistprofile, artists_track, "
                "artists_mediafile"
            )
    return len(missing)


def seed_extras(count: int) -> int:
    """Images, tracks and media files of bench artists ``0 … count-1`` that lack them (artists
    created by an older seed); returns how many rows were added or changed."""
    from django.db import connection, transaction

    from artists.models import ArtistProfile, MediaFile, Track

    changed = 0
    with connection.cursor() as cursor:  # the has_avatar / has_banner rules, in SQL
        number = "substring(slug from 14)::int"
        cursor.execute(
            f"UPDATE artists_artistprofile SET avatar = 'artists/avatars/bench-' || "  # noqa: S608
            f"lpad({number}::text, 5, '0') || '.jpg' WHERE slug LIKE 'bench-artist-%%' "
            f"AND avatar = '' AND {number} %% 10 < 4 AND {number} < %s",
            [count],
        )
        changed += cursor.rowcount
        cursor.execute(
            f"UPDATE artists_artistprofile SET banner = 'artists/banners/bench-' || "  # noqa: S608
            f"lpad({number}::text, 5, '0') || '.jpg' WHERE slug LIKE 'bench-artist-%%' "
            f"AND banner = '' AND {number} %% 10 < 2 AND {number} < %s",
            [count],
        )
        changed += cursor.rowcount
    ids = dict(
        ArtistProfile.objects.filter(slug__startswith="bench-artist-").values_list("slug", "id")
    )
    with_tracks = set(
        Track.objects.filter(artist_id__in=ids.values())
        .values_list("artist_id", flat=True)
        .distinct()
    )
    with_media = set(
        MediaFile.objects.filter(artist_id__in=ids.values())
        .values_list("artist_id", flat=True)
        .distinct()
    )
    tracks: list[Track] = []
    media: list[MediaFile] = []
    for i in range(count):
        artist_id = ids.get(ARTIST_SLUG.format(i))
        if artist_id is None:
            continue
        if artist_id not in with_tracks:
            tracks += [Track(artist_id=artist_id, **t) for t in tracks_for(i)]
        if artist_id not in with_media:
            media += [MediaFile(artist_id=artist_id, **m) for m in media_for(i)]
    with transaction.atomic():
        Track.objects.bulk_create(tracks, batch_size=BATCH)
        MediaFile.objects.bulk_create(media, batch_size=BATCH)
    return changed + len(tracks) + len(media)


def seed_user() -> None:
    from allauth.account.models import EmailAddress

    from accounts.models import Role, User

    email = os.environ["BENCH_EMAIL"]
    user = User.objects.filter(email=email).first() or User(email=email)
    user.display_name = "Bench"
    user.role = Role.FAN
    user.onboarding_complete = True  # onboarding would not block GETs, but keep the user typical
    user.is_active = True
    user.set_password(os.environ["BENCH_PASSWORD"])
    user.save()
    # ACCOUNT_EMAIL_VERIFICATION is mandatory: an unverified address cannot sign in.
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )


def main() -> None:
    django.setup()
    seed_user()
    # BENCH_SKIP_SEEDS=gigs,messages: leave those data sets out (a run of other endpoints only).
    skip = set(filter(None, os.environ.get("BENCH_SKIP_SEEDS", "").split(",")))
    created = seed_artists(int(os.environ.get("BENCH_ARTISTS", ARTISTS)))
    print(f"bench artists created: {created}")
    from bench import gigs  # venues, gigs, applications (bench/gigs.py)

    if "gigs" not in skip:
        print(gigs.seed_gigs(artists=min(int(os.environ.get("BENCH_ARTISTS", ARTISTS)), ARTISTS)))
    from bench import messages  # conversations and 1 000 000 messages (bench/messages.py)

    if "messages" not in skip:
        print(
            messages.seed_messages(
                artists=int(os.environ.get("BENCH_ARTISTS", ARTISTS)), venues=gigs.VENUES
            )
        )
    from bench import rooms  # live rooms (bench/rooms.py)

    if "rooms" not in skip:
        print(rooms.seed_rooms(bench_email=os.environ["BENCH_EMAIL"]))
    from bench import analytics  # a year of daily figures of the artists that sign in

    if "analytics" not in skip:
        artists = min(int(os.environ.get("BENCH_ARTISTS", ARTISTS)), ARTISTS)
        print(analytics.seed_analytics(artists=artists))


if __name__ == "__main__":
    main()
