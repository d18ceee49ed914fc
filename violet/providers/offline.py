"""The offline provider: deterministic drafts from templates and the facts, no network.

Used when no Anthropic key is set (the embedded default, development, the tests). The same
tool, inputs and facts always give the same text, and the text says nothing that is not in the
facts: each sentence is written only when its facts are there. Drafts are labelled "Offline
draft" in the UI and the API (``provider: "offline"``).

Streaming sends the draft a few words at a time, ``VIOLET_OFFLINE_STREAM_DELAY`` seconds apart,
so the page behaves as it does with Claude.
"""

import asyncio
import re
from collections.abc import AsyncGenerator, Callable
from typing import Any

from violet.grounding import Grounding
from violet.providers import Completion, Delta, Job

MODEL = "offline-templates-1"
ACTS = {
    "Solo": "solo artist",
    "Duo": "duo",
    "Band": "band",
    "DJ": "DJ",
    "Orchestra / ensemble": "ensemble",
    "Acoustic set": "acoustic act",
    "Other": "act",
}
PLURAL_ACTS = {"duo", "band", "ensemble"}
TONE_OPENERS = {
    "warm": "Meet {name}.",
    "professional": "{name}.",
    "playful": "Say hello to {name}.",
    "bold": "This is {name}.",
}


def _words(items: str, limit: int = 3) -> str:
    parts = [p.strip() for p in items.split(",") if p.strip()][:limit]
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


class _Facts:
    """The facts of a job by field name, with the wording helpers the templates share."""

    def __init__(self, grounding: Grounding) -> None:
        self.g = grounding
        self.name = grounding.value("stage_name") or "The artist"
        first_type = grounding.value("performance_types").split(",")[0].strip()
        self.act = ACTS.get(first_type, "act") if first_type else "act"
        self.plural = self.act in PLURAL_ACTS
        self.genre = grounding.value("primary_genre")
        self.location = grounding.value("location")

    def __getitem__(self, name: str) -> str:
        return self.g.value(name)

    def of(self, source: str, name: str) -> str:
        return next((f.value for f in self.g.facts_of(source) if f.field == name), "")

    def identity(self, *, first_person: bool) -> str:
        """'X is a jazz band from Austin, TX.' (or 'We are …' / 'I am …')."""
        what = f"{self.genre} {self.act}".strip() if self.genre else self.act
        article = "an" if what[:1].lower() in "aeiou" else "a"
        where = f" from {self.location}" if self.location else ""
        if first_person:
            subject = "We are" if self.plural else "I am"
            return f"{subject} {self.name}, {article} {what}{where}."
        return f"{self.name} is {article} {what}{where}."

    def subject(self, *, first_person: bool) -> str:
        if first_person:
            return "We" if self.plural else "I"
        return self.name


def _sentences(parts: list[str]) -> str:
    return " ".join(p for p in parts if p)


def _bio(f: _Facts, inputs: dict[str, Any]) -> str:
    first = inputs.get("voice") == "first"
    have = "have" if first else "has"
    opener = TONE_OPENERS[inputs.get("tone", "warm")].format(name=f.name)
    core = f.identity(first_person=first)
    if inputs.get("length") == "one_line":
        return core
    who = f.subject(first_person=first)
    lines = [opener if opener != f"{f.name}." else "", core]
    if f["years_performing"]:
        lines.append(f"{who} {have} been performing for {f['years_performing']} years.")
    if f["secondary_genres"]:
        lines.append(f"The sound also draws on {_words(f['secondary_genres'])}.")
    if f["influences"]:
        lines.append(f"Influences include {_words(f['influences'])}.")
    if f["biggest_gig"]:
        lines.append(f"The biggest gig so far: {f['biggest_gig'].rstrip('.')}.")
    gigs, rating = f.of("platform", "total_gigs"), f.of("platform", "avg_rating")
    if gigs:
        lines.append(f"Gigs played through Umbrella: {gigs}.")
    if rating:
        lines.append(f"Average rating from venues: {rating}.")
    text = _sentences(lines)
    if inputs.get("length") == "long":
        more = []
        story = f["story"] or f["bio"]
        if story:
            more.append(_first_sentences(story, 3))
        if f["dream_collaboration"]:
            more.append(f"Dream collaboration: {f['dream_collaboration'].rstrip('.')}.")
        more.append(f"Book {f.name} on Umbrella.")
        text += "\n\n" + _sentences(more)
    return text


def _first_sentences(text: str, count: int) -> str:
    parts = re.split(r"(?<=[.!?])\s+", " ".join(text.split()))
    return " ".join(parts[:count])


def _tagline(f: _Facts, inputs: dict[str, Any]) -> str:
    what = f"{f.genre} {f.act}".strip() if f.genre else f.act
    line = what[:1].upper() + what[1:]
    if f.location:
        line += f" from {f.location.split(',')[0]}"
    if f["influences"]:
        line += f", in the spirit of {_words(f['influences'], 2)}"
    return line[:160]


def _show(f: _Facts, source: str) -> tuple[str, str, str]:
    return f.of(source, "venue_name"), f.of(source, "when"), f.of(source, "where")


def _press_release(f: _Facts, inputs: dict[str, Any]) -> str:
    venue, when, where = _show(f, "booking")
    headline = f"{f.name} plays {venue} on {when.split(',')[0]}"
    show = f"{f.name} performs at {venue}" + (f" in {where}" if where else "") + f" on {when}."
    title = f.of("booking", "title")
    if title:
        show += f" The night is billed as “{title}”."
    artist = [f.identity(first_person=False)]
    if f["years_performing"]:
        artist.append(f"{f.name} has been performing for {f['years_performing']} years.")
    if f["biggest_gig"]:
        artist.append(f"The biggest gig so far: {f['biggest_gig'].rstrip('.')}.")
    angle = f.of("you", "angle")
    expect = f.of("booking", "description")
    closing = []
    if angle:
        closing.append(angle.rstrip(".") + ".")
    if expect:
        closing.append(_first_sentences(expect, 2))
    if f["website_url"]:
        closing.append(f"More at {f['website_url']}.")
    return "\n\n".join(p for p in (headline, show, _sentences(artist), _sentences(closing)) if p)


def _gig_pitch(f: _Facts, inputs: dict[str, Any]) -> str:
    venue, when, _ = _show(f, "gig")
    title = f.of("gig", "title")
    wanted = f.of("gig", "genre")
    lines = [f"Hello {venue},", "", f.identity(first_person=True)]
    fit = f"I would love to play “{title}” on {when}."
    if wanted and f.genre and wanted.lower() == f.genre.lower():
        fit += f" You are looking for {wanted}, which is what I play."
    if f.plural:
        fit = fit.replace("I would", "We would").replace("I play", "we play")
    lines.append(fit)
    subject = f.subject(first_person=True)
    if f["years_performing"]:
        lines.append(f"{subject} have been performing for {f['years_performing']} years.")
    if f["biggest_gig"]:
        mine = "Our" if f.plural else "My"
        lines.append(f"{mine} biggest gig so far: {f['biggest_gig'].rstrip('.')}.")
    if f["equipment"]:
        lines.append(f"Equipment: {_first_sentences(f['equipment'], 1)}")
    if f.of("you", "notes"):
        lines.append(f.of("you", "notes").rstrip(".") + ".")
    if f["rates_negotiable"]:
        lines.append("The fee is negotiable.")
    lines += ["", f"Thank you for considering it. {f.name}"]
    text = "\n".join([lines[0], lines[1], " ".join(lines[2:-2]), lines[-2], lines[-1]])
    return text[:1500]


def _hashtags(f: _Facts, limit: int) -> str:
    tags = []
    for value in (f.genre, f.location.split(",")[0] if f.location else "", f.name):
        tag = re.sub(r"[^0-9A-Za-z]", "", value.title())
        if tag and f"#{tag}" not in tags:
            tags.append(f"#{tag}")
    return " ".join(tags[:limit])


def _social_captions(f: _Facts, inputs: dict[str, Any]) -> str:
    topic = f.of("you", "topic").rstrip(".!")
    venue, when, _ = _show(f, "booking")
    show = f" at {venue}, {when.split(',')[0]}" if venue else ""
    platform = inputs.get("platform", "instagram")
    tags = "" if platform == "facebook" else _hashtags(f, {"x": 2, "tiktok": 3}.get(platform, 5))
    variants = [
        f"{topic}{show}.",
        f"{topic}! Come and see us{show}." if f.plural else f"{topic}! Come and see me{show}.",
        f"News from {f.name}: {topic[:1].lower() + topic[1:]}{show}.",
        f"{topic}. Thank you for listening.",
        f"{topic}{show}. Tell a friend.",
    ]
    captions = []
    for number in range(inputs.get("count", 3)):
        text = variants[number % len(variants)]
        captions.append(f"{number + 1}. {text}" + (f" {tags}" if tags else ""))
    return "\n".join(captions)


MINUTES_PER_SONG = 4


def _setlist_ideas(f: _Facts, inputs: dict[str, Any]) -> str:
    minutes = inputs.get("minutes", 45)
    songs = max(2, minutes // MINUTES_PER_SONG)
    tracks = [t.strip() for t in f["tracks"].split(";") if t.strip()]
    influences = [i.strip() for i in f["influences"].split(",") if i.strip()]
    style = f"{f.genre} cover" if f.genre else "cover"
    article = "an" if style[:1].lower() in "aeiou" else "a"
    lines = []
    for number in range(songs):
        if number < len(tracks):
            lines.append(f"{number + 1}. {tracks[number].split(' (')[0]}")
        else:
            spare = number - len(tracks)
            hint = f" in the style of {influences[spare % len(influences)]}" if influences else ""
            lines.append(f"{number + 1}. Cover: {article} {style}{hint}")
    pacing = f"Pacing: about {songs} songs of {MINUTES_PER_SONG} minutes"
    pacing += "; open with your strongest own track and close with the one people know best."
    mood = f.of("you", "mood")
    if mood:
        pacing += f" Your notes: {mood.rstrip('.')}."
    return "\n".join([*lines, "", pacing])


def _message_reply(f: _Facts, inputs: dict[str, Any]) -> str:
    other = f.g.other_name.split(" ")[0] if f.g.other_name else "there"
    last = f.g.messages[-1][1] if f.g.messages else ""
    lines = [f"Hi {other},", "", "Thanks for your message."]
    intent = f.of("you", "intent")
    if intent:
        lines.append(intent[:1].upper() + intent[1:].rstrip(".") + ".")
    if "?" in last:
        lines.append("Let me check the details and confirm shortly.")
    lines += ["", "Best,", f.name]
    return "\n".join([lines[0], lines[1], " ".join(lines[2:-3]), *lines[-3:]])


WRITERS: dict[str, Callable[[_Facts, dict[str, Any]], str]] = {
    "bio": _bio,
    "tagline": _tagline,
    "press_release": _press_release,
    "gig_pitch": _gig_pitch,
    "social_captions": _social_captions,
    "setlist_ideas": _setlist_ideas,
    "message_reply": _message_reply,
}


def draft(job: Job) -> str:
    return WRITERS[job.tool.name](_Facts(job.grounding), job.inputs).strip()


def _chunks(text: str) -> list[str]:
    """The draft in pieces of a few words (whitespace kept), as a model streams it."""
    words = re.findall(r"\S+\s*|\s+", text)
    return ["".join(words[i : i + 3]) for i in range(0, len(words), 3)]


class OfflineProvider:
    name = "offline"
    model = MODEL
    offline = True

    def __init__(self, *, delay: float = 0.0) -> None:
        self.delay = delay

    def complete(self, job: Job) -> Completion:
        return Completion(text=draft(job), model=MODEL, stop_reason="end_turn")

    async def stream(self, job: Job) -> AsyncGenerator[Delta | Completion, None]:
        text = draft(job)
        for piece in _chunks(text):
            if self.delay:
                await asyncio.sleep(self.delay)
            yield Delta(piece)
        yield Completion(text=text, model=MODEL, stop_reason="end_turn")
