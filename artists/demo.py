"""Demo artists: a dozen varied, onboarded profiles with short generated tracks. Idempotent."""

import io
import math
import struct
import wave
from collections.abc import Callable
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.demo import ensure_user
from accounts.models import Role
from artists import services
from artists.models import ArtistProfile, Track

ARTISTS: list[dict[str, Any]] = [
    {"email": "artist@demo.umbrella.test", "stage_name": "Nova Reyes", "city": "Austin", "state": "TX", "country": "US", "genre": "indie", "secondary": ["folk", "pop"], "influences": ["Phoebe Bridgers", "Bon Iver"], "types": ["solo", "acoustic"], "flat": 45000, "hourly": 15000, "weekdays": True, "weekends": True, "tagline": "Late-night indie folk with a warm, cinematic edge.", "rating": "4.80", "gigs": 37},
    {"email": "artist2@demo.umbrella.test", "stage_name": "The Midnight Brass", "city": "New Orleans", "state": "LA", "country": "US", "genre": "jazz", "secondary": ["funk", "soul"], "influences": ["Rebirth Brass Band", "Trombone Shorty"], "types": ["band"], "flat": 150000, "hourly": None, "weekdays": False, "weekends": True, "tagline": "Eight-piece brass band that turns any room into a second line.", "rating": "4.95", "gigs": 120},
    {"email": "artist3@demo.umbrella.test", "stage_name": "DJ Kettle", "city": "London", "state": "", "country": "GB", "genre": "house", "secondary": ["techno", "disco"], "influences": ["Honey Dijon", "Floating Points"], "types": ["dj"], "flat": 60000, "hourly": 20000, "weekdays": True, "weekends": True, "tagline": "Deep, soulful house from sundown to sunrise.", "rating": "4.60", "gigs": 85},
    {"email": "artist4@demo.umbrella.test", "stage_name": "Ruby & The Rivets", "city": "Nashville", "state": "TN", "country": "US", "genre": "country", "secondary": ["rock", "blues"], "influences": ["Dolly Parton", "The Black Keys"], "types": ["band"], "flat": 90000, "hourly": None, "weekdays": False, "weekends": True, "tagline": "Honky-tonk heart, garage-rock guitars.", "rating": "4.40", "gigs": 52},
    {"email": "artist5@demo.umbrella.test", "stage_name": "Aiko Strings", "city": "Seattle", "state": "WA", "country": "US", "genre": "classical", "secondary": ["ambient"], "influences": ["Max Richter", "Hilary Hahn"], "types": ["solo", "duo"], "flat": 70000, "hourly": 25000, "weekdays": True, "weekends": False, "tagline": "Violin for weddings, galas and quiet evenings.", "rating": "5.00", "gigs": 64},
    {"email": "artist6@demo.umbrella.test", "stage_name": "Lowtide Collective", "city": "Brighton", "state": "", "country": "GB", "genre": "electronic", "secondary": ["ambient", "drum and bass"], "influences": ["Bonobo", "Four Tet"], "types": ["band", "dj"], "flat": 80000, "hourly": None, "weekdays": True, "weekends": True, "tagline": "Live electronica with real drums and modular synths.", "rating": "4.20", "gigs": 18},
    {"email": "artist7@demo.umbrella.test", "stage_name": "Marcus Vale", "city": "Chicago", "state": "IL", "country": "US", "genre": "blues", "secondary": ["soul", "r&b"], "influences": ["B.B. King", "Gary Clark Jr."], "types": ["solo", "band"], "flat": 55000, "hourly": 18000, "weekdays": True, "weekends": True, "tagline": "Chicago blues, played loud and honest.", "rating": "4.70", "gigs": 210},
    {"email": "artist8@demo.umbrella.test", "stage_name": "Sol y Sombra", "city": "Miami", "state": "FL", "country": "US", "genre": "latin", "secondary": ["world", "dance"], "influences": ["Buena Vista Social Club", "Bomba Estéreo"], "types": ["band"], "flat": 120000, "hourly": None, "weekdays": False, "weekends": True, "tagline": "Salsa, cumbia and son cubano for packed dance floors.", "rating": "4.85", "gigs": 98},
    {"email": "artist9@demo.umbrella.test", "stage_name": "Pale Harbor", "city": "Portland", "state": "OR", "country": "US", "genre": "rock", "secondary": ["alternative", "punk"], "influences": ["Pixies", "Sonic Youth"], "types": ["band"], "flat": 40000, "hourly": None, "weekdays": True, "weekends": True, "tagline": "Noisy, hooky alt-rock for sweaty basements.", "rating": "3.90", "gigs": 26},
    {"email": "artist10@demo.umbrella.test", "stage_name": "Kemi Ade", "city": "Toronto", "state": "ON", "country": "CA", "genre": "r&b", "secondary": ["soul", "gospel"], "influences": ["Sade", "Jill Scott"], "types": ["solo"], "flat": 65000, "hourly": 22000, "weekdays": True, "weekends": True, "tagline": "Neo-soul vocals with a full live band on request.", "rating": "4.90", "gigs": 44},
    {"email": "artist11@demo.umbrella.test", "stage_name": "The Hollow Pines", "city": "Denver", "state": "CO", "country": "US", "genre": "folk", "secondary": ["country", "acoustic"], "influences": ["The Lumineers", "Gillian Welch"], "types": ["duo", "acoustic"], "flat": 35000, "hourly": 12000, "weekdays": True, "weekends": False, "tagline": "Two voices, one banjo, a lot of harmony.", "rating": "4.50", "gigs": 31},
    {"email": "artist12@demo.umbrella.test", "stage_name": "Vex Machina", "city": "Berlin", "state": "", "country": "DE", "genre": "techno", "secondary": ["electronic", "industrial"], "influences": ["Richie Hawtin", "Nina Kraviz"], "types": ["dj"], "flat": 100000, "hourly": None, "weekdays": False, "weekends": True, "tagline": "Hypnotic warehouse techno, vinyl only.", "rating": "4.30", "gigs": 73},
]  # fmt: skip

TRACK_TITLES = ["First Light", "Neon Rain", "Borrowed Time", "Harbor Song", "Last Call"]


def tone_wav(*, seconds: float = 2.0, frequency: float = 440.0, rate: int = 8000) -> bytes:
    """A short mono sine tone as WAV bytes (demo and test audio without shipping files)."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        frames = b"".join(
            struct.pack("<h", int(8000 * math.sin(2 * math.pi * frequency * n / rate)))
            for n in range(int(seconds * rate))
        )
        out.writeframes(frames)
    return buffer.getvalue()


def _steps(spec: dict[str, Any]) -> list[dict[str, Any]]:
    name = spec["stage_name"]
    return [
        {
            "stage_name": name,
            "location_city": spec["city"],
            "location_state": spec["state"],
            "location_country": spec["country"],
        },
        {
            "tagline": spec["tagline"],
            "bio": f"{name} is based in {spec['city']} and plays {spec['genre']} shaped by "
            f"{' and '.join(spec['influences'])}. Expect a set that reads the room, from the "
            "first song to the encore.",
            "story": f"{name} started out playing open mics and has grown into one of "
            f"{spec['city']}'s most booked {spec['genre']} acts.",
        },
        {
            "primary_genre": spec["genre"],
            "secondary_genres": spec["secondary"],
            "influences": spec["influences"],
            "performance_types": spec["types"],
            "equipment": "Own PA for rooms up to 200 people; needs two power outlets.",
        },
        {
            "base_rate_flat": spec["flat"],
            "base_rate_hourly": spec["hourly"],
            "rates_negotiable": spec["hourly"] is None,
            "travel_radius_miles": 150,
            "available_weekdays": spec["weekdays"],
            "available_weekends": spec["weekends"],
            "advance_booking_weeks": 3,
        },
        {
            "years_performing": 6,
            "biggest_gig": "A sold-out hometown festival main stage.",
            "dream_collaboration": spec["influences"][0],
        },
    ]


def seed(say: Callable[[str], None]) -> None:
    for index, spec in enumerate(ARTISTS):
        user, _ = ensure_user(spec["email"], spec["stage_name"], role=Role.ARTIST)
        profile = ArtistProfile.objects.filter(user=user).first()
        if profile is None or profile.onboarding_step < 5:
            for number, data in enumerate(_steps(spec), start=1):
                services.onboarding_save_step(user=user, number=number, data=data)
            profile = ArtistProfile.objects.get(user=user)
        # Ratings and gig counts come from bookings (marketplace); demo profiles start with some.
        ArtistProfile.objects.filter(pk=profile.pk).update(
            avg_rating=spec["rating"], total_gigs=spec["gigs"], total_reviews=spec["gigs"] // 3
        )
        if not Track.objects.filter(artist=profile).exists():
            for n, title in enumerate(TRACK_TITLES[: 2 + index % 3]):
                audio = SimpleUploadedFile(
                    f"{title.lower().replace(' ', '-')}.wav",
                    tone_wav(seconds=1.5 + n, frequency=220.0 * (1 + (index + n) % 4)),
                    content_type="audio/wav",
                )
                services.track_create(
                    user=user,
                    audio=audio,
                    data={"title": title, "genre": spec["genre"], "release_year": 2020 + n},
                )
        say(f"artist   {spec['stage_name']:<22} /artists/{profile.slug}/")
