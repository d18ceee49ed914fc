"""Violet test helpers: an artist with a full profile, and starting generations."""

from typing import Any

from tests.artists.factories import ArtistProfileFactory
from violet import services
from violet.models import Generation
from violet.providers.offline import OfflineProvider


def full_artist(**fields: Any) -> Any:
    """An onboarded artist whose profile fills in every field the tools use."""
    defaults = {
        "stage_name": "Nova Reyes",
        "pronouns": "she/her",
        "location_city": "Austin",
        "location_state": "TX",
        "location_country": "US",
        "primary_genre": "indie",
        "secondary_genres": ["folk", "soul"],
        "performance_types": ["band"],
        "influences": ["Big Thief", "Nina Simone"],
        "years_performing": 6,
        "biggest_gig": "Opening for Khruangbin at Stubb's",
        "equipment": "Own PA for rooms up to 150, two amps and a drum kit.",
        "story": "We met at a songwriting night on South Congress. Four years of Tuesdays later "
        "we had an album. We still play every Tuesday.",
        "tagline": "",
        "bio": "",
    }
    return ArtistProfileFactory(**{**defaults, **fields})


def started(user: Any, tool: str = "bio", inputs: dict[str, Any] | None = None) -> Generation:
    """A generation reserved and pending, as just before the provider is called."""
    prepared = services.generation_prepare(user=user, tool=tool, inputs=inputs or {})
    return services.generation_start(prepared=prepared, provider=OfflineProvider())
