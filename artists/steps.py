"""The five onboarding steps, their order, and the profile-completeness checklist: one
definition for the page wizard, the API and the services."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from umbrella.errors import ApplicationError, NotFoundError


@dataclass(frozen=True)
class Step:
    number: int
    slug: str
    title: str
    fields: tuple[str, ...]
    required: tuple[str, ...]


STEPS: tuple[Step, ...] = (
    Step(
        1,
        "identity",
        "Who you are",
        (
            "stage_name",
            "legal_name",
            "pronouns",
            "location_city",
            "location_state",
            "location_country",
        ),
        ("stage_name", "location_city", "location_country"),
    ),
    Step(2, "story", "Bio & story", ("tagline", "bio", "story"), ("tagline", "bio")),
    Step(
        3,
        "creative",
        "Your sound",
        ("primary_genre", "secondary_genres", "influences", "performance_types", "equipment"),
        ("primary_genre", "performance_types"),
    ),
    Step(
        4,
        "rates",
        "Rates & availability",
        (
            "base_rate_flat",
            "base_rate_hourly",
            "rates_negotiable",
            "travel_radius_miles",
            "available_weekdays",
            "available_weekends",
            "advance_booking_weeks",
        ),
        (),
    ),
    Step(
        5,
        "questions",
        "Quick questions",
        ("years_performing", "biggest_gig", "dream_collaboration"),
        ("years_performing",),
    ),
)
LAST_STEP = len(STEPS)

SOCIAL_FIELDS = (
    "website_url",
    "instagram_handle",
    "tiktok_handle",
    "youtube_url",
    "spotify_url",
    "apple_music_url",
    "soundcloud_url",
)
EDITABLE_FIELDS = tuple(f for step in STEPS for f in step.fields) + SOCIAL_FIELDS


# A bio counts as written from this many characters (spaces collapsed): the wizard refuses a
# shorter one, the profile editor says so next to the field, and the completeness checklist
# counts the same. One rule, so the studio never calls missing what the wizard accepted.
BIO_MIN_LENGTH = 80


def bio_complete(bio: str) -> bool:
    return len(" ".join((bio or "").split())) >= BIO_MIN_LENGTH


# What a required field must hold beyond "not empty", and what to say when it falls short.
COMPLETE_WHEN: dict[str, tuple[Callable[[Any], bool], str]] = {
    "bio": (
        bio_complete,
        f"Write at least {BIO_MIN_LENGTH} characters, so venues get a feel for your act.",
    ),
}


def required_problem(field: str, value: Any) -> str | None:
    """Why ``value`` does not fill in the required ``field`` (``None`` when it does)."""
    if value in ("", None, []):
        return "This field is required."
    rule = COMPLETE_WHEN.get(field)
    if rule is not None and not rule[0](value):
        return rule[1]
    return None


def step(number: int) -> Step:
    if not 1 <= number <= LAST_STEP:
        raise KeyError(number)
    return STEPS[number - 1]


def open_step(number: int, *, done: int) -> Step:
    """Step ``number``, if an artist who has completed ``done`` steps may open it: steps go in
    order, earlier ones may be revisited. ``NotFoundError`` for a step that does not exist,
    ``step_out_of_order`` (409, ``details["next_step"]``) for one that is not open yet."""
    return open_step_of(STEPS, number, done=done)


def open_step_of(wizard: tuple[Step, ...], number: int, *, done: int) -> Step:
    """:func:`open_step` for any wizard's steps (the venue's too: ``marketplace.steps``)."""
    if not 1 <= number <= len(wizard):
        raise NotFoundError("not_found", f"There is no step {number}.")
    current = wizard[number - 1]
    if number > done + 1:
        raise ApplicationError(
            "step_out_of_order",
            f"Finish step {done + 1} first.",
            details={"next_step": done + 1},
            status=409,
        )
    return current


def wizard_state(wizard: tuple[Step, ...], record: Any, *, user: Any) -> dict[str, Any]:
    """Where a user is in a wizard (the artist's, or the venue's: ``marketplace.steps``), and
    what each step holds so far; ``record`` is the profile being built, or ``None``."""
    done = record.onboarding_step if record else 0
    return {
        "completed_steps": done,
        "next_step": None if done >= len(wizard) else done + 1,
        "onboarding_complete": user.onboarding_complete,
        "steps": [
            {
                "number": step.number,
                "slug": step.slug,
                "title": step.title,
                "field_names": list(step.fields),
                "required_fields": list(step.required),
                "complete": step.number <= done,
                "values": {f: getattr(record, f) for f in step.fields} if record else {},
            }
            for step in wizard
        ],
    }


# (label, weight, test) — what a complete profile has.
CHECKLIST: tuple[tuple[str, int, Any], ...] = (
    ("Stage name and location", 10, lambda p, c: bool(p.stage_name and p.location_city)),
    ("Tagline", 5, lambda p, c: bool(p.tagline)),
    ("Bio", 15, lambda p, c: bio_complete(p.bio)),
    ("Your story", 5, lambda p, c: bool(p.story)),
    ("Genre and performance types", 10, lambda p, c: bool(p.primary_genre and p.performance_types)),
    ("Influences", 5, lambda p, c: bool(p.influences)),
    (
        "Rates",
        10,
        lambda p, c: bool(p.base_rate_flat or p.base_rate_hourly or p.rates_negotiable),
    ),
    ("Availability", 5, lambda p, c: p.available_weekdays or p.available_weekends),
    ("Profile photo", 10, lambda p, c: bool(p.avatar)),
    ("Banner image", 5, lambda p, c: bool(p.banner)),
    ("At least one track", 15, lambda p, c: c.get("tracks", 0) > 0),
    ("A social or streaming link", 5, lambda p, c: any(getattr(p, f) for f in SOCIAL_FIELDS)),
)


def completeness(profile: Any, counts: dict[str, int]) -> dict[str, Any]:
    """Score 0 to 100 and what is missing, for the dashboard and ``GET /artists/me``."""
    missing = [label for label, _, done in CHECKLIST if not done(profile, counts)]
    total = sum(weight for _, weight, _ in CHECKLIST)
    earned = sum(weight for label, weight, _ in CHECKLIST if label not in missing)
    return {"score": round(100 * earned / total), "missing": missing}
