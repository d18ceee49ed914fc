"""What the model may know: the facts of a generation, read from the artist's own profile, the
gig, the booking or the conversation (docs/violet.md "Grounding").

The model is given these facts and nothing else about the artist, and is told not to invent
any. The same list is stored on the generation and shown on the page ("Facts used"), so the
artist can check every claim of a draft against where it came from.

Reads go through the lower apps' selectors, which also decide what the artist may use: their
own profile, an open gig, one of their bookings, one of their conversations.
"""

from dataclasses import asdict, dataclass, field
from datetime import date, time
from typing import Any

from django.utils import timezone

from accounts.models import User
from artists import selectors as artist_selectors
from artists.models import ArtistProfile, PerformanceType
from marketplace import selectors as marketplace_selectors
from marketplace.models import Booking, BookingStatus, GigStatus
from messaging import selectors as messaging_selectors
from messaging.models import Membership
from umbrella.errors import ApplicationError, NotFoundError
from violet.tools import Tool

LONG_TEXT = 1500  # characters of a bio, a story or a gig description the model is given
MESSAGES_GIVEN = 10  # the latest messages of a conversation
TRACKS_GIVEN = 30

PROFILE_LABELS = {
    "stage_name": "Stage name",
    "pronouns": "Pronouns",
    "location_city": "City",
    "location": "Based in",
    "primary_genre": "Primary genre",
    "secondary_genres": "Other genres",
    "performance_types": "Performs as",
    "influences": "Influences",
    "years_performing": "Years performing",
    "biggest_gig": "Biggest gig",
    "dream_collaboration": "Dream collaboration",
    "equipment": "Equipment",
    "tagline": "Tagline",
    "bio": "Current bio",
    "story": "Story",
    "instagram_handle": "Instagram handle",
    "tiktok_handle": "TikTok handle",
    "website_url": "Website",
    "rates_negotiable": "Rates",
    "tracks": "Tracks",
}
# The profile facts each tool is given (platform facts — gigs played, rating, verified — too).
PROFILE_FACTS = {
    "bio": (
        "stage_name",
        "pronouns",
        "location",
        "primary_genre",
        "secondary_genres",
        "performance_types",
        "influences",
        "years_performing",
        "biggest_gig",
        "dream_collaboration",
        "story",
        "bio",
    ),
    "tagline": (
        "stage_name",
        "location",
        "primary_genre",
        "secondary_genres",
        "performance_types",
        "influences",
        "tagline",
        "bio",
    ),
    "press_release": (
        "stage_name",
        "pronouns",
        "location",
        "primary_genre",
        "performance_types",
        "influences",
        "years_performing",
        "biggest_gig",
        "bio",
        "website_url",
    ),
    "gig_pitch": (
        "stage_name",
        "location",
        "primary_genre",
        "secondary_genres",
        "performance_types",
        "years_performing",
        "biggest_gig",
        "equipment",
        "rates_negotiable",
        "bio",
    ),
    "social_captions": (
        "stage_name",
        "location",
        "primary_genre",
        "performance_types",
        "instagram_handle",
        "tiktok_handle",
    ),
    "setlist_ideas": (
        "stage_name",
        "primary_genre",
        "secondary_genres",
        "performance_types",
        "influences",
        "tracks",
    ),
    "message_reply": ("stage_name", "primary_genre", "location"),
}
PLATFORM_FACT_TOOLS = ("bio", "press_release", "gig_pitch")


@dataclass(frozen=True)
class Fact:
    source: str  # profile | platform | gig | booking | conversation | you
    field: str
    label: str
    value: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass
class Grounding:
    """Everything a prompt is built from, for one request."""

    artist: ArtistProfile
    facts: list[Fact] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # needed profile fields that are empty
    suggested: list[str] = field(default_factory=list)  # helpful profile fields that are empty
    gig_id: int | None = None
    booking_id: int | None = None
    conversation_id: int | None = None
    # For the prompt: the conversation's messages, oldest first, as (who, text).
    messages: list[tuple[str, str]] = field(default_factory=list)
    other_name: str = ""

    def value(self, name: str) -> str:
        return next((f.value for f in self.facts if f.field == name), "")

    def facts_of(self, source: str) -> list[Fact]:
        return [f for f in self.facts if f.source == source]


def field_label(name: str) -> str:
    return PROFILE_LABELS.get(name, name.replace("_", " ").capitalize())


def _clip(value: str, limit: int = LONG_TEXT) -> str:
    value = value.strip()
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def _profile_value(artist: ArtistProfile, name: str, tracks: list[str]) -> str:
    if name == "location":
        parts = [artist.location_city, artist.location_state, artist.location_country]
        return ", ".join(p for p in parts if p)
    if name == "performance_types":
        labels = dict(PerformanceType.choices)
        return ", ".join(str(labels.get(t, t)) for t in artist.performance_types)
    if name in ("secondary_genres", "influences"):
        return ", ".join(getattr(artist, name))
    if name == "rates_negotiable":
        return "Negotiable" if artist.rates_negotiable else ""
    if name == "tracks":
        return "; ".join(tracks)
    if name == "instagram_handle" and artist.instagram_handle:
        return f"@{artist.instagram_handle}"
    if name == "tiktok_handle" and artist.tiktok_handle:
        return f"@{artist.tiktok_handle}"
    value = getattr(artist, name)
    if value is None:
        return ""
    return _clip(str(value))


def _filled(artist: ArtistProfile, name: str, tracks: list[str]) -> bool:
    if name == "tracks":
        return bool(tracks)
    value = getattr(artist, name, None)
    return value not in ("", None, [])


def _tracks(artist: ArtistProfile) -> list[str]:
    rows = artist_selectors.tracks_of(artist=artist).values_list("title", "release_year", "genre")[
        :TRACKS_GIVEN
    ]
    described = []
    for title, year, genre in rows:
        extra = ", ".join(str(x) for x in (year, genre) if x)
        described.append(f"{title} ({extra})" if extra else title)
    return described


def _platform_facts(artist: ArtistProfile) -> list[Fact]:
    facts = []
    if artist.verified:
        facts.append(Fact("platform", "verified", "Verified on Umbrella", "Yes"))
    if artist.total_gigs:
        facts.append(
            Fact("platform", "total_gigs", "Gigs played through Umbrella", str(artist.total_gigs))
        )
    if artist.total_reviews:
        facts.append(
            Fact(
                "platform",
                "avg_rating",
                "Average rating from venues",
                f"{artist.avg_rating:.1f} of 5 ({artist.total_reviews} reviews)",
            )
        )
    return facts


def _when(day: Any, start: Any, end: Any, zone: str) -> str:
    day = date.fromisoformat(day) if isinstance(day, str) else day
    start = time.fromisoformat(start) if isinstance(start, str) else start
    end = time.fromisoformat(end) if isinstance(end, str) else end
    return f"{day:%A} {day.day} {day:%B %Y}, {start:%H:%M} to {end:%H:%M} ({zone})"


def _money(cents: int) -> str:
    return f"${cents / 100:,.2f}".replace(".00", "")


def _gig_facts(gig: dict[str, Any], source: str, *, with_pay: bool) -> list[Fact]:
    where = ", ".join(p for p in (gig["location_city"], gig["location_state"]) if p)
    facts = [
        Fact(source, "title", "Gig", gig["title"]),
        Fact(source, "venue_name", "Venue", gig["venue_name"]),
        Fact(
            source,
            "when",
            "When",
            _when(gig["date"], gig["start_time"], gig["end_time"], gig["timezone"]),
        ),
    ]
    if where:
        facts.append(Fact(source, "where", "Where", where))
    if gig.get("location_address"):
        facts.append(Fact(source, "address", "Address", gig["location_address"]))
    facts.append(Fact(source, "genre", "Genre wanted", gig["genre"]))
    if with_pay:
        if gig["payment_type"] == "negotiable" or not gig["payment_amount"]:
            pay = "Negotiable"
        else:
            per = " an hour" if gig["payment_type"] == "hourly" else " (flat fee)"
            pay = _money(gig["payment_amount"]) + per
        facts.append(Fact(source, "pay", "Pay", pay))
    if gig.get("description"):
        facts.append(Fact(source, "description", "Description", _clip(gig["description"])))
    return facts


def _gig(grounding: Grounding, gig_id: int) -> None:
    try:
        gig = marketplace_selectors.gig_public(gig_id=gig_id)
    except NotFoundError as error:
        error.field = "gig"
        raise
    if gig["status"] != GigStatus.OPEN:
        raise ApplicationError(
            "gig_not_open",
            "That gig is not open for applications any more.",
            status=409,
            field="gig",
        )
    grounding.gig_id = gig_id
    grounding.facts += _gig_facts(gig, "gig", with_pay=True)


def _booking(grounding: Grounding, user: User, booking_id: int) -> None:
    booking: Booking | None = (
        marketplace_selectors.bookings_of(user=user).filter(pk=booking_id).first()
    )
    if booking is None:
        raise NotFoundError("not_found", "No such booking of yours.", field="booking")
    if booking.status == BookingStatus.CANCELLED:
        raise ApplicationError(
            "booking_not_active", "That booking was cancelled.", status=409, field="booking"
        )
    gig = marketplace_selectors.gig_public(gig_id=booking.gig_id)
    grounding.booking_id = booking_id
    grounding.gig_id = booking.gig_id
    grounding.facts += _gig_facts(gig, "booking", with_pay=False)
    played = booking.ends_at < timezone.now()
    grounding.facts.append(
        Fact("booking", "status", "Booking", "Played" if played else "Confirmed")
    )


def _conversation(grounding: Grounding, user: User, conversation_id: int) -> None:
    try:
        membership: Membership = messaging_selectors.conversation_own(
            user=user, conversation_id=conversation_id
        )
    except NotFoundError as error:
        error.field = "conversation"
        raise
    other = messaging_selectors.display_name(membership.other.display_name)
    rows = list(messaging_selectors.messages_of(conversation_id=conversation_id)[:MESSAGES_GIVEN])
    rows.reverse()  # oldest first
    grounding.conversation_id = conversation_id
    grounding.other_name = other
    grounding.facts.append(Fact("conversation", "other", "Talking with", other))
    for row in rows:
        who = "You" if row["sender_id"] == user.pk else other
        text = _clip(row["content"], 2000)
        grounding.messages.append((who, text))
        grounding.facts.append(
            Fact("conversation", f"message:{row['id']}", f"Message from {who}", text)
        )
    if not rows:
        raise ApplicationError(
            "validation_error",
            "That conversation has no messages to reply to yet.",
            details={"inputs": {"conversation": ["That conversation has no messages yet."]}},
            field="conversation",
        )


def ground(*, user: User, tool: Tool, inputs: dict[str, Any]) -> Grounding:
    """The facts for ``tool`` with cleaned ``inputs``, and which profile fields are missing.

    Refuses what the artist may not use: 403 ``not_an_artist``, 404 for a gig, booking or
    conversation that does not exist or is not theirs, 409 ``gig_not_open`` /
    ``booking_not_active``.
    """
    artist = artist_selectors.artist_own(user=user)
    tracks = _tracks(artist) if "tracks" in PROFILE_FACTS[tool.name] + tool.helps else []
    grounding = Grounding(artist=artist)
    for name in PROFILE_FACTS[tool.name]:
        value = _profile_value(artist, name, tracks)
        if value:
            grounding.facts.append(Fact("profile", name, field_label(name), value))
    if tool.name in PLATFORM_FACT_TOOLS:
        grounding.facts += _platform_facts(artist)
    grounding.missing = [name for name in tool.needs if not _filled(artist, name, tracks)]
    grounding.suggested = [name for name in tool.helps if not _filled(artist, name, tracks)]
    if "gig" in inputs:
        _gig(grounding, inputs["gig"])
    if "booking" in inputs:
        _booking(grounding, user, inputs["booking"])
    if "conversation" in inputs:
        _conversation(grounding, user, inputs["conversation"])
    for name in ("angle", "notes", "topic", "intent", "mood"):
        if inputs.get(name):
            spec = tool.input(name)
            grounding.facts.append(Fact("you", name, spec.label, inputs[name]))
    return grounding
