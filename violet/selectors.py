"""Violet's reads: the artist's history, allowance and usage, the tools with what each one is
missing, the choices of the workspace's form, and the staff's spend per day."""

from datetime import date, timedelta
from typing import Any

from django.db.models import Count, QuerySet, Sum
from django.utils import timezone

from accounts.models import User
from artists import selectors as artist_selectors
from artists.models import ArtistProfile
from marketplace import selectors as marketplace_selectors
from marketplace.models import BookingStatus, Gig, GigStatus
from messaging import selectors as messaging_selectors
from umbrella.api import iso_timestamp
from umbrella.errors import NotFoundError
from violet import providers
from violet.grounding import PROFILE_FACTS, field_label
from violet.models import DailyUsage, Generation
from violet.services import daily_limit, next_reset, save_field_of, utc_today
from violet.tools import TOOLS, Tool

USAGE_DAYS = 30
CHOICES_SHOWN = 50


def history_of(*, artist: ArtistProfile, tool: str | None = None) -> QuerySet[Generation]:
    """The artist's generations, newest first."""
    rows = Generation.objects.filter(artist=artist)
    if tool:
        rows = rows.filter(tool=tool)
    return rows.order_by("-id")


def generation_own(*, user: User, generation_id: int) -> Generation:
    """One of the artist's own generations; 404 for anyone else's (or none)."""
    artist = artist_selectors.artist_own(user=user)
    generation = Generation.objects.filter(pk=generation_id, artist=artist).first()
    if generation is None:
        raise NotFoundError("not_found", "No such draft of yours.")
    return generation


def usage_of(*, artist_id: int, today: date | None = None) -> dict[str, Any]:
    """Today's allowance (UTC): used, remaining, when it resets."""
    today = today or utc_today()
    used = (
        DailyUsage.objects.filter(artist_id=artist_id, day=today)
        .values_list("prompts", flat=True)
        .first()
    ) or 0
    limit = daily_limit()
    return {
        "day": today.isoformat(),
        "limit": limit,
        "used": used,
        "remaining": max(0, limit - used),
        "resets_at": iso_timestamp(next_reset()),
    }


USAGE_FIELDS = (
    "day",
    "prompts",
    "failures",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
)


def usage_days(*, artist_id: int, days: int = USAGE_DAYS) -> list[dict[str, Any]]:
    """The artist's usage and tokens per UTC day, the last ``days`` days that have any."""
    since = utc_today() - timedelta(days=days - 1)
    rows = (
        DailyUsage.objects.filter(artist_id=artist_id, day__gte=since)
        .order_by("-day")
        .values(*USAGE_FIELDS)
    )
    return [{**row, "day": row["day"].isoformat()} for row in rows]


def spend_per_day(*, days: int = 90) -> list[dict[str, Any]]:
    """Staff: every artist's use added up per UTC day (one query), newest first."""
    since = utc_today() - timedelta(days=days - 1)
    rows = (
        DailyUsage.objects.filter(day__gte=since)
        .values("day")
        .annotate(
            artists=Count("id"),
            prompts=Sum("prompts"),
            failures=Sum("failures"),
            input_tokens=Sum("input_tokens"),
            output_tokens=Sum("output_tokens"),
            cache_read_tokens=Sum("cache_read_tokens"),
            cache_write_tokens=Sum("cache_write_tokens"),
            cost_micro_usd=Sum("cost_micro_usd"),
        )
        .order_by("-day")
    )
    return [dict(row) for row in rows]


def provider_info() -> dict[str, Any]:
    provider = providers.get_provider()
    return {
        "name": provider.name,
        "model": provider.model,
        "offline": provider.offline,
        "label": providers.label(provider.name),
    }


def _missing(artist: ArtistProfile | None, tool: Tool, has_tracks: bool) -> tuple[list, list]:
    def empty(name: str) -> bool:
        if name == "tracks":
            return not has_tracks
        return artist is None or getattr(artist, name, None) in ("", None, [])

    return (
        [n for n in tool.needs if empty(n)],
        [n for n in tool.helps if empty(n)],
    )


def tools_for(*, artist: ArtistProfile | None) -> list[dict[str, Any]]:
    """Every tool with its input schema, and what the artist's profile lacks for it."""
    has_tracks = artist is not None and artist_selectors.tracks_of(artist=artist).exists()
    cards = []
    for tool in TOOLS.values():
        missing, suggested = _missing(artist, tool, has_tracks)
        cards.append(
            {
                "name": tool.name,
                "title": tool.title,
                "description": tool.description,
                "input_schema": tool.json_schema(),
                "save_field": tool.save_field or None,
                "uses": [{"field": n, "label": field_label(n)} for n in PROFILE_FACTS[tool.name]],
                "missing_fields": [{"field": n, "label": field_label(n)} for n in missing],
                "suggested_fields": [{"field": n, "label": field_label(n)} for n in suggested],
            }
        )
    return cards


def generation_card(generation: Generation) -> dict[str, Any]:
    """A generation as the API shows it (no queries: every field is on the row)."""
    return {
        "id": generation.pk,
        "tool": generation.tool,
        "status": generation.status,
        "inputs": generation.inputs,
        "facts": generation.facts,
        "prompt": generation.prompt,
        "output": generation.output,
        "provider": generation.provider,
        "offline": generation.provider == "offline",
        "label": providers.label(generation.provider),
        "model": generation.model,
        "error": (
            {"code": generation.error_code, "message": generation.error_message}
            if generation.error_code
            else None
        ),
        "gig_id": generation.gig_id,
        "booking_id": generation.booking_id,
        "conversation_id": generation.conversation_id,
        "usage": {
            "input_tokens": generation.input_tokens,
            "output_tokens": generation.output_tokens,
            "cache_read_tokens": generation.cache_read_tokens,
            "cache_write_tokens": generation.cache_write_tokens,
        },
        "save_field": save_field_of(generation) or None,
        "saved_field": generation.saved_field or None,
        "saved_at": iso_timestamp(generation.saved_at) if generation.saved_at else None,
        "created_at": iso_timestamp(generation.created_at),
        "completed_at": (
            iso_timestamp(generation.completed_at) if generation.completed_at else None
        ),
    }


# --- what the workspace's form offers -----------------------------------------------------------


def gig_choices(*, limit: int = CHOICES_SHOWN) -> list[tuple[int, str]]:
    """Open gigs from now on, soonest first: what a pitch can be for."""
    rows = (
        Gig.objects.filter(status=GigStatus.OPEN, starts_at__gte=timezone.now())
        .order_by("starts_at", "id")
        .values_list("pk", "title", "venue_name", "date")[:limit]
    )
    return [(pk, f"{title} · {venue} · {day:%d %b %Y}") for pk, title, venue, day in rows]


def booking_choices(*, user: User, limit: int = CHOICES_SHOWN) -> list[tuple[int, str]]:
    """The artist's bookings that are not cancelled, latest first."""
    rows = (
        marketplace_selectors.bookings_of(user=user)
        .exclude(status=BookingStatus.CANCELLED)
        .order_by("-starts_at", "-id")
        .values_list("pk", "gig__title", "gig__venue_name", "gig__date")[:limit]
    )
    return [(pk, f"{title} · {venue} · {day:%d %b %Y}") for pk, title, venue, day in rows]


def conversation_choices(*, user: User, limit: int = CHOICES_SHOWN) -> list[tuple[int, str]]:
    rows = messaging_selectors.inbox_rows(user=user)[:limit]
    return [
        (
            row["conversation_id"],
            messaging_selectors.display_name(row["other__display_name"])
            + (
                f": “{row['conversation__last_message_preview'][:40]}”"
                if row["conversation__last_message_preview"]
                else ""
            ),
        )
        for row in rows
    ]


def pitch_draft(user: Any, gig_id: int, ref: str) -> str | None:
    """The gig page's ``?draft=<id>`` (marketplace.hooks): the text of one of the user's own
    completed gig pitches for that gig, cut to what an application's pitch may hold."""
    from marketplace.models import PITCH_MAX_LENGTH

    if not ref.isdigit() or len(ref) > 18 or not getattr(user, "is_authenticated", False):
        return None
    output = (
        Generation.objects.filter(
            pk=int(ref),
            artist__user=user,
            tool="gig_pitch",
            gig_id=gig_id,
            status="completed",
        )
        .values_list("output", flat=True)
        .first()
    )
    return output[:PITCH_MAX_LENGTH] if output else None
