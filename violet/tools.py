"""Violet's tools: each one a prompt template with typed inputs (docs/violet.md "Tools").

One definition per tool serves every door: the API lists each tool's inputs as a JSON Schema
(``GET /api/v1/violet/tools``) and validates a request's ``inputs`` with :meth:`Tool.clean`;
the workspace page builds its form from the same :class:`Input` list (violet/forms.py); the
prompt (violet/prompts.py) and the offline drafts (violet/providers/offline.py) read the
cleaned values.

An input of kind ``gig``, ``booking`` or ``conversation`` is the id of an object the tool
writes about; its facts (and whether the artist may use it) come from violet/grounding.py.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from umbrella.errors import ApplicationError
from umbrella.text import free_text
from violet.models import Tool as ToolName

Kind = Literal["choice", "text", "integer", "gig", "booking", "conversation"]
REF_KINDS = ("gig", "booking", "conversation")
REF_DESCRIPTIONS = {
    "gig": "The id of an open gig (`GET /api/v1/gigs/`).",
    "booking": "The id of one of your bookings (`GET /api/v1/bookings/`), not cancelled.",
    "conversation": "The id of one of your conversations (`GET /api/v1/conversations/`).",
}
MAX_ID = 2**63 - 1


@dataclass(frozen=True)
class Input:
    name: str
    label: str
    kind: Kind
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()
    default: Any = None
    max_length: int = 0
    minimum: int | None = None
    maximum: int | None = None
    help: str = ""

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"title": self.label}
        if self.kind == "choice":
            schema.update(type="string", enum=[value for value, _ in self.choices])
        elif self.kind == "text":
            schema.update(type="string", maxLength=self.max_length)
        else:
            low = 1 if self.kind in REF_KINDS else self.minimum
            high = MAX_ID if self.kind in REF_KINDS else self.maximum
            schema.update(type="integer", minimum=low, maximum=high)
        if self.kind in REF_KINDS:
            schema["x-refers-to"] = self.kind
        description = self.help or REF_DESCRIPTIONS.get(self.kind, "")
        if description:
            schema["description"] = description
        if self.default is not None:
            schema["default"] = self.default
        return schema

    def clean(self, value: Any) -> Any:
        """The value to use (``None`` when left out and optional); ``ValueError`` if wrong."""
        if value is None or (isinstance(value, str) and not value.strip()):
            if self.required:
                raise ValueError("This field is required.")
            return self.default
        if self.kind == "choice":
            allowed = [choice for choice, _ in self.choices]
            if value not in allowed:
                raise ValueError(f"Choose one of: {', '.join(allowed)}.")
            return value
        if self.kind == "text":
            if not isinstance(value, str):
                raise ValueError("Give text.")
            cleaned = free_text(value)
            if len(cleaned) > self.max_length:
                raise ValueError(f"At most {self.max_length} characters.")
            return cleaned or self.default
        # integers and ids: a JSON integer (a form's digits are converted by the form)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("Give a whole number.")
        low = 1 if self.kind in REF_KINDS else self.minimum
        high = MAX_ID if self.kind in REF_KINDS else self.maximum
        if low is not None and value < low:
            raise ValueError(f"At least {low}.")
        if high is not None and value > high:
            raise ValueError(f"At most {high}.")
        return value


TONES = (
    ("warm", "Warm"),
    ("professional", "Professional"),
    ("playful", "Playful"),
    ("bold", "Bold"),
)
TONE = Input("tone", "Tone", "choice", choices=TONES, default="warm")


@dataclass(frozen=True)
class Tool:
    name: str
    title: str
    description: str
    inputs: tuple[Input, ...]
    # Profile fields the tool cannot work without (the page says which to fill in; the API
    # answers 409 profile_incomplete), and fields that make its drafts better when filled in.
    needs: tuple[str, ...]
    helps: tuple[str, ...] = ()
    # The profile field a draft can be saved into, in one click.
    save_field: str = ""

    def input(self, name: str) -> Input:
        return next(i for i in self.inputs if i.name == name)

    @property
    def ref_kinds(self) -> tuple[str, ...]:
        return tuple(i.kind for i in self.inputs if i.kind in REF_KINDS)

    def json_schema(self) -> dict[str, Any]:
        return {
            "type": "object",
            "properties": {i.name: i.json_schema() for i in self.inputs},
            "required": [i.name for i in self.inputs if i.required],
            "additionalProperties": False,
        }

    def clean(self, inputs: Any) -> dict[str, Any]:
        """Typed, normalised inputs, defaults filled in; ``400 validation_error`` with
        ``details = {"inputs": {name: [message]}}`` for anything wrong."""
        if inputs is None:
            inputs = {}
        if not isinstance(inputs, Mapping):
            raise ApplicationError(
                "validation_error",
                "Inputs must be an object.",
                details={"inputs": ["Inputs must be an object."]},
            )
        errors: dict[str, list[str]] = {}
        known = {i.name for i in self.inputs}
        for name in inputs:
            if name not in known:
                errors[str(name)] = [f"“{name}” is not an input of the {self.name} tool."]
        cleaned: dict[str, Any] = {}
        for spec in self.inputs:
            try:
                value = spec.clean(inputs.get(spec.name))
            except ValueError as error:
                errors[spec.name] = [str(error)]
                continue
            if value is not None:
                cleaned[spec.name] = value
        if errors:
            first = next(iter(errors.items()))
            raise ApplicationError(
                "validation_error", f"{first[0]}: {first[1][0]}", details={"inputs": errors}
            )
        return cleaned


PLATFORMS = (
    ("instagram", "Instagram"),
    ("tiktok", "TikTok"),
    ("facebook", "Facebook"),
    ("x", "X"),
)

TOOLS: dict[str, Tool] = {
    tool.name: tool
    for tool in (
        Tool(
            ToolName.BIO.value,
            "Bio",
            "Your bio from your profile: one line, about 100 words or about 250 words.",
            (
                Input(
                    "length",
                    "Length",
                    "choice",
                    choices=(
                        ("one_line", "One line"),
                        ("short", "About 100 words"),
                        ("long", "About 250 words"),
                    ),
                    default="short",
                ),
                Input(
                    "voice",
                    "Voice",
                    "choice",
                    choices=(("third", "Third person"), ("first", "First person")),
                    default="third",
                ),
                TONE,
            ),
            needs=("stage_name", "primary_genre"),
            helps=(
                "location_city",
                "performance_types",
                "influences",
                "years_performing",
                "biggest_gig",
                "story",
            ),
            save_field="bio",
        ),
        Tool(
            ToolName.TAGLINE.value,
            "Tagline",
            "One short line (at most 160 characters) under your name on your profile.",
            (TONE,),
            needs=("stage_name", "primary_genre"),
            helps=("location_city", "performance_types", "influences", "bio"),
            save_field="tagline",
        ),
        Tool(
            ToolName.PRESS_RELEASE.value,
            "Press release",
            "A press release announcing one of your bookings.",
            (
                Input("booking", "Booking", "booking", required=True),
                Input(
                    "angle",
                    "Anything to highlight",
                    "text",
                    max_length=300,
                    help="Optional: something true to mention, e.g. a new single out that week.",
                ),
            ),
            needs=("stage_name", "primary_genre"),
            helps=("location_city", "bio", "biggest_gig", "years_performing"),
        ),
        Tool(
            ToolName.GIG_PITCH.value,
            "Gig pitch",
            "Your pitch for an open gig, ready to paste into the application.",
            (
                Input("gig", "Gig", "gig", required=True),
                Input(
                    "notes",
                    "Anything to add",
                    "text",
                    max_length=300,
                    help="Optional: what you want the venue to know, in your words.",
                ),
            ),
            needs=("stage_name", "primary_genre"),
            helps=("performance_types", "years_performing", "biggest_gig", "equipment", "bio"),
        ),
        Tool(
            ToolName.SOCIAL_CAPTIONS.value,
            "Social captions",
            "Captions for a post, in your voice.",
            (
                Input(
                    "topic",
                    "What the post is about",
                    "text",
                    required=True,
                    max_length=300,
                    help="In your words, e.g. “new single out Friday” or “thanks Austin!”.",
                ),
                Input("platform", "Platform", "choice", choices=PLATFORMS, default="instagram"),
                Input("count", "How many captions", "integer", minimum=1, maximum=5, default=3),
                Input(
                    "booking",
                    "About a show (optional)",
                    "booking",
                    help="Optional: the id of one of your bookings the post promotes.",
                ),
            ),
            needs=("stage_name",),
            helps=("primary_genre", "location_city", "instagram_handle"),
        ),
        Tool(
            ToolName.SETLIST_IDEAS.value,
            "Setlist ideas",
            "Ideas for a set from your own tracks, for a length you choose.",
            (
                Input(
                    "minutes",
                    "Set length (minutes)",
                    "integer",
                    minimum=10,
                    maximum=240,
                    default=45,
                ),
                Input("mood", "Mood or notes", "text", max_length=200, help="Optional."),
                Input(
                    "booking",
                    "For a show (optional)",
                    "booking",
                    help="Optional: the id of one of your bookings the set is for.",
                ),
            ),
            needs=("stage_name", "primary_genre"),
            helps=("tracks", "influences", "performance_types"),
        ),
        Tool(
            ToolName.MESSAGE_REPLY.value,
            "Reply to a message",
            "A reply to the latest messages of one of your conversations.",
            (
                Input("conversation", "Conversation", "conversation", required=True),
                Input(
                    "intent",
                    "What you want to say",
                    "text",
                    max_length=300,
                    help="Optional, e.g. “yes, and ask about the backline”.",
                ),
            ),
            needs=("stage_name",),
        ),
    )
}


def tool_named(name: Any) -> Tool:
    """The tool called ``name``; ``400 validation_error`` on ``tool`` otherwise."""
    tool = TOOLS.get(name) if isinstance(name, str) else None
    if tool is None:
        message = f"Choose one of: {', '.join(TOOLS)}."
        raise ApplicationError("validation_error", message, details={"tool": [message]})
    return tool
