"""Demo artists: a dozen varied, onboarded profiles with short generated tracks, and an avatar and
a banner drawn at seed time (genre colours and initials; nothing downloaded). Idempotent."""

import datetime as dt
import io
import math
import struct
import wave
from collections.abc import Callable
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import F
from PIL import Image, ImageDraw, ImageFont

from accounts.demo import ensure_user
from accounts.models import Role
from artists import services
from artists.models import ArtistProfile, ProfileView, Track

ARTISTS: list[dict[str, Any]] = [
    {"email": "artist@demo.umbrella.test", "stage_name": "Nova Reyes", "city": "Austin", "state": "TX", "country": "US", "genre": "indie", "secondary": ["folk", "pop"], "influences": ["Phoebe Bridgers", "Bon Iver"], "types": ["solo", "acoustic"], "flat": 45000, "hourly": 15000, "weekdays": True, "weekends": True, "tagline": "Late-night indie folk with a warm, cinematic edge."},
    {"email": "artist2@demo.umbrella.test", "stage_name": "The Midnight Brass", "city": "New Orleans", "state": "LA", "country": "US", "genre": "jazz", "secondary": ["funk", "soul"], "influences": ["Rebirth Brass Band", "Trombone Shorty"], "types": ["band"], "flat": 150000, "hourly": None, "weekdays": False, "weekends": True, "tagline": "Eight-piece brass band that turns any room into a second line."},
    {"email": "artist3@demo.umbrella.test", "stage_name": "DJ Kettle", "city": "London", "state": "", "country": "GB", "genre": "house", "secondary": ["techno", "disco"], "influences": ["Honey Dijon", "Floating Points"], "types": ["dj"], "flat": 60000, "hourly": 20000, "weekdays": True, "weekends": True, "tagline": "Deep, soulful house from sundown to sunrise."},
    {"email": "artist4@demo.umbrella.test", "stage_name": "Ruby & The Rivets", "city": "Nashville", "state": "TN", "country": "US", "genre": "country", "secondary": ["rock", "blues"], "influences": ["Dolly Parton", "The Black Keys"], "types": ["band"], "flat": 90000, "hourly": None, "weekdays": False, "weekends": True, "tagline": "Honky-tonk heart, garage-rock guitars."},
    {"email": "artist5@demo.umbrella.test", "stage_name": "Aiko Strings", "city": "Seattle", "state": "WA", "country": "US", "genre": "classical", "secondary": ["ambient"], "influences": ["Max Richter", "Hilary Hahn"], "types": ["solo", "duo"], "flat": 70000, "hourly": 25000, "weekdays": True, "weekends": False, "tagline": "Violin for weddings, galas and quiet evenings."},
    {"email": "artist6@demo.umbrella.test", "stage_name": "Lowtide Collective", "city": "Brighton", "state": "", "country": "GB", "genre": "electronic", "secondary": ["ambient", "drum and bass"], "influences": ["Bonobo", "Four Tet"], "types": ["band", "dj"], "flat": 80000, "hourly": None, "weekdays": True, "weekends": True, "tagline": "Live electronica with real drums and modular synths."},
    {"email": "artist7@demo.umbrella.test", "stage_name": "Marcus Vale", "city": "Chicago", "state": "IL", "country": "US", "genre": "blues", "secondary": ["soul", "r&b"], "influences": ["B.B. King", "Gary Clark Jr."], "types": ["solo", "band"], "flat": 55000, "hourly": 18000, "weekdays": True, "weekends": True, "tagline": "Chicago blues, played loud and honest."},
    {"email": "artist8@demo.umbrella.test", "stage_name": "Sol y Sombra", "city": "Miami", "state": "FL", "country": "US", "genre": "latin", "secondary": ["world", "dance"], "influences": ["Buena Vista Social Club", "Bomba Estéreo"], "types": ["band"], "flat": 120000, "hourly": None, "weekdays": False, "weekends": True, "tagline": "Salsa, cumbia and son cubano for packed dance floors."},
    {"email": "artist9@demo.umbrella.test", "stage_name": "Pale Harbor", "city": "Portland", "state": "OR", "country": "US", "genre": "rock", "secondary": ["alternative", "punk"], "influences": ["Pixies", "Sonic Youth"], "types": ["band"], "flat": 40000, "hourly": None, "weekdays": True, "weekends": True, "tagline": "Noisy, hooky alt-rock for sweaty basements."},
    {"email": "artist10@demo.umbrella.test", "stage_name": "Kemi Ade", "city": "Toronto", "state": "ON", "country": "CA", "genre": "r&b", "secondary": ["soul", "gospel"], "influences": ["Sade", "Jill Scott"], "types": ["solo"], "flat": 65000, "hourly": 22000, "weekdays": True, "weekends": True, "tagline": "Neo-soul vocals with a full live band on request."},
    {"email": "artist11@demo.umbrella.test", "stage_name": "The Hollow Pines", "city": "Denver", "state": "CO", "country": "US", "genre": "folk", "secondary": ["country", "acoustic"], "influences": ["The Lumineers", "Gillian Welch"], "types": ["duo", "acoustic"], "flat": 35000, "hourly": 12000, "weekdays": True, "weekends": False, "tagline": "Two voices, one banjo, a lot of harmony."},
    {"email": "artist12@demo.umbrella.test", "stage_name": "Vex Machina", "city": "Berlin", "state": "", "country": "DE", "genre": "techno", "secondary": ["electronic", "industrial"], "influences": ["Richie Hawtin", "Nina Kraviz"], "types": ["dj"], "flat": 100000, "hourly": None, "weekdays": False, "weekends": True, "tagline": "Hypnotic warehouse techno, vinyl only."},
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


# Two colours per genre (a gradient from the first to the second); others get the fallback.
GENRE_COLOURS: dict[str, tuple[str, str]] = {
    "indie": ("#3d5a80", "#ee6c4d"),
    "jazz": ("#1b263b", "#c9a227"),
    "house": ("#5a189a", "#ff5d8f"),
    "country": ("#7f4f24", "#e9c46a"),
    "classical": ("#2b2d42", "#8d99ae"),
    "electronic": ("#03045e", "#00b4d8"),
    "blues": ("#0b2545", "#5fa8d3"),
    "latin": ("#9d0208", "#ffba08"),
    "rock": ("#212529", "#d00000"),
    "r&b": ("#3c096c", "#f48c06"),
    "folk": ("#344e41", "#a3b18a"),
    "techno": ("#10002b", "#7b2cbf"),
}
FALLBACK_COLOURS = ("#264653", "#2a9d8f")


def initials(name: str) -> str:
    """ "Nova Reyes" → "NR", "The Midnight Brass" → "MB", "DJ Kettle" → "DK"."""
    words = [w for w in name.replace("&", " ").split() if w[:1].isalnum()]
    meaningful = [w for w in words if w.lower() not in {"the", "and", "y"}] or words
    return "".join(w[0].upper() for w in meaningful[:2]) or "?"


def _hex(colour: str) -> tuple[int, int, int]:
    return (int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16))


def _gradient(size: tuple[int, int], start: str, end: str) -> Image.Image:
    """A diagonal gradient from ``start`` (top left) to ``end`` (bottom right)."""
    width, height = size
    span = width + height - 1
    ramp = bytes(255 * i // span for i in range(span + 1))
    # Pixel (x, y) blends by ramp[x + y]: each row is the ramp shifted by one.
    mask = Image.frombytes("L", size, b"".join(ramp[y : y + width] for y in range(height)))
    image = Image.new("RGB", size, _hex(start))
    image.paste(Image.new("RGB", size, _hex(end)), mask=mask)
    return image


def _waves(image: Image.Image, *, seed: int, colour: str = "#ffffff") -> None:
    """A few soft sound-wave bars along the bottom, so a banner reads as music at a glance."""
    width, height = image.size
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    bar, gap = max(width // 80, 4), max(width // 160, 2)
    red, green, blue = _hex(colour)
    for n, x in enumerate(range(0, width, bar + gap)):
        level = (math.sin((n + seed) * 0.35) + math.sin((n * 7 + seed) * 0.11) + 2) / 4
        top = height - int(level * height * 0.45) - height // 12
        draw.rounded_rectangle(
            (x, top, x + bar, height), radius=bar // 2, fill=(red, green, blue, 46)
        )
    image.paste(overlay, mask=overlay)


def _text_centre(draw: ImageDraw.ImageDraw, box: tuple[int, int], text: str, size: int) -> None:
    font = ImageFont.load_default(size=size)
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    x = (box[0] - (right - left)) / 2 - left
    y = (box[1] - (bottom - top)) / 2 - top
    draw.text((x + size // 40, y + size // 40), text, font=font, fill=(0, 0, 0, 90))  # shadow
    draw.text((x, y), text, font=font, fill=(255, 255, 255, 255))


def avatar_png(*, name: str, genre: str, seed: int = 0) -> bytes:
    """A square avatar: the genre's gradient, sound-wave bars and the artist's initials."""
    start, end = GENRE_COLOURS.get(genre, FALLBACK_COLOURS)
    image = _gradient((512, 512), start, end)
    _waves(image, seed=seed)
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    _text_centre(ImageDraw.Draw(overlay), image.size, initials(name), 210)
    image.paste(overlay, mask=overlay)
    return _png(image)


def banner_png(*, name: str, genre: str, seed: int = 0) -> bytes:
    """A 1600x480 banner in the genre's colours with sound-wave bars (no text: the page has the
    name right below it)."""
    start, end = GENRE_COLOURS.get(genre, FALLBACK_COLOURS)
    image = _gradient((1600, 480), end, start)
    _waves(image, seed=seed + 3)
    return _png(image)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


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
        # No figures set by hand: gig counts and ratings come from the bookings and reviews
        # that marketplace.demo makes through the services.
        if not profile.avatar:
            picture = avatar_png(name=spec["stage_name"], genre=spec["genre"], seed=index)
            services.profile_set_image(
                user=user,
                kind="avatar",
                upload=SimpleUploadedFile("avatar.png", picture, "image/png"),
            )
        if not profile.banner:
            picture = banner_png(name=spec["stage_name"], genre=spec["genre"], seed=index)
            services.profile_set_image(
                user=user,
                kind="banner",
                upload=SimpleUploadedFile("banner.png", picture, "image/png"),
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


def add_past_views(artist: ArtistProfile, views: list[tuple[dt.date, str]]) -> int:
    """Demo history (analytics.demo): profile views of past days, recorded as the view counter
    would have (one row per viewer per day, the artist's total raised by the new ones). Made up,
    and only for the demo: the counter's own path takes views of today. Returns how many were
    new (repeating it adds nothing)."""
    rows = [ProfileView(artist=artist, day=day, viewer_key=key) for day, key in views]
    before = ProfileView.objects.filter(artist=artist).count()
    ProfileView.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
    added = ProfileView.objects.filter(artist=artist).count() - before
    ArtistProfile.objects.filter(pk=artist.pk).update(profile_views=F("profile_views") + added)
    return added
