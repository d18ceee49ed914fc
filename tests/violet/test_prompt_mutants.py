"""What the model is told, word for word: the user turn of each tool with the artist's choices,
the facts block and the request built from them. Pinned where the mutation run of
violet.prompts found nothing testing them (docs/mutation/analytics-violet.md, third run)."""

import dataclasses

import pytest

from artists.models import ArtistProfile
from violet import prompts
from violet.grounding import Fact, Grounding
from violet.tools import TOOLS

NOVA = Fact("profile", "stage_name", "Stage name", "Nova Reyes")
PRESS = (
    "Write a press release announcing Nova Reyes's show from the booking facts: a headline "
    "line, then three short paragraphs (the show: who, where, when; the artist; what to "
    "expect), then one line saying where to find out more if a website is in the facts. About "
    "250 words. Third person. Do not mention the fee."
)
PITCH = (
    "Write Nova Reyes's pitch to the venue, sent with their application for the gig in the "
    "facts: first person, friendly and to the point, 80 to 150 words and at most 1,500 "
    "characters. Say why the artist fits this gig (genre, format, experience) using only the "
    "facts. No greeting line with a placeholder name and no signature beyond the stage name."
)
SETLIST = (
    "a numbered list, opener to closer, using the titles of the artist's own tracks from the "
    "facts (do not make up titles). Where the tracks run out, suggest a kind of cover in the "
    "style of one of the listed influences, written as “Cover: …” without naming a song. Add "
    "one short line at the end on pacing."
)
REPLY = (
    "Write Nova Reyes's reply to the latest message from The Mohawk in the conversation in the "
    "facts: first person, friendly and professional, under 120 words. Answer what was asked "
    "using only the facts; where the facts do not give an answer (a date, a price, equipment), "
    "say the artist will confirm rather than inventing one."
)
CAPTIONS = "about what the artist typed. Number them 1., 2., … one per line or block. First person."


def grounding(*facts: Fact) -> Grounding:
    return Grounding(artist=ArtistProfile(), facts=list(facts), other_name="The Mohawk")


@pytest.mark.parametrize(
    ("tool", "inputs", "user"),
    [
        (
            "bio",
            {"length": "short", "voice": "first", "tone": "playful"},
            "Write a bio of Nova Reyes for their Umbrella profile: about 100 words, in one "
            "paragraph, in the first person (I, or we for a group), in a playful tone.",
        ),
        (
            "bio",
            {"length": "one_line", "voice": "third"},
            "Write a bio of Nova Reyes for their Umbrella profile: one sentence of at most 30 "
            "words, in the third person, using the stage name (and the pronouns if given), in a "
            "warm tone.",
        ),
        (
            "bio",
            {"length": "long", "voice": "third", "tone": "professional"},
            "Write a bio of Nova Reyes for their Umbrella profile: about 250 words, in two or "
            "three paragraphs, in the third person, using the stage name (and the pronouns if "
            "given), in a professional tone.",
        ),
        (
            "tagline",
            {"tone": "bold"},
            "Write a tagline for Nova Reyes's profile: one line of at most 160 characters, in a "
            "bold tone, without the stage name and without hashtags or emoji.",
        ),
        ("tagline", {}, None),  # the tone defaults to warm
        ("press_release", {"booking": 1, "angle": ""}, PRESS),
        (
            "press_release",
            {"booking": 1, "angle": "album release"},
            PRESS + " Mention what the artist asked to highlight.",
        ),
        ("gig_pitch", {"gig": 1, "notes": ""}, PITCH),
        (
            "gig_pitch",
            {"gig": 1, "notes": "we bring our own PA"},
            PITCH + " Work in what the artist added in their own words.",
        ),
        (
            "social_captions",
            {"count": 3, "platform": "tiktok", "topic": "x"},
            "Write 3 different captions for a post by Nova Reyes on TikTok (one short line each, "
            "at most 3 hashtags from the genre or the city), " + CAPTIONS,
        ),
        (
            "social_captions",
            {"count": 2, "platform": "instagram", "topic": "x"},
            "Write 2 different captions for a post by Nova Reyes on Instagram (up to 3 short "
            "lines each, at most 5 hashtags made only from the genre, the city and the stage "
            "name), " + CAPTIONS,
        ),
        (
            "social_captions",
            {"count": 2, "platform": "facebook", "topic": "x"},
            "Write 2 different captions for a post by Nova Reyes on Facebook (2 to 3 sentences "
            "each, no hashtags), " + CAPTIONS,
        ),
        (
            "social_captions",
            {"count": 4, "platform": "x", "topic": "x"},
            "Write 4 different captions for a post by Nova Reyes on X (at most 250 characters "
            "each, at most 2 hashtags), " + CAPTIONS,
        ),
        (
            "setlist_ideas",
            {"minutes": 45, "mood": ""},
            "Suggest a setlist for a 45-minute set by Nova Reyes: " + SETLIST,
        ),
        (
            "setlist_ideas",
            {"minutes": 90, "mood": "slow start"},
            "Suggest a setlist for a 90-minute set by Nova Reyes: "
            + SETLIST
            + " Follow the artist's mood or notes.",
        ),
        ("message_reply", {"conversation": 1, "intent": ""}, REPLY),
        (
            "message_reply",
            {"conversation": 1, "intent": "say yes"},
            REPLY + " Say what the artist wants to say.",
        ),
    ],
)
def test_each_tool_tells_the_model_what_to_write_with_the_artists_choices(tool, inputs, user):
    if user is None:
        user = (
            "Write a tagline for Nova Reyes's profile: one line of at most 160 characters, in a "
            "warm tone, without the stage name and without hashtags or emoji."
        )
    assert prompts.instructions(TOOLS[tool], inputs, grounding(NOVA)) == user


def test_with_no_stage_name_the_model_writes_of_the_artist():
    user = prompts.instructions(TOOLS["gig_pitch"], {"gig": 1}, grounding())
    assert user.startswith("Write the artist's pitch to the venue,")


def test_a_tool_with_no_instructions_is_refused_by_name():
    karaoke = dataclasses.replace(TOOLS["bio"], name="karaoke")
    with pytest.raises(ValueError) as caught:
        prompts.instructions(karaoke, {}, grounding(NOVA))
    assert str(caught.value) == "no instructions for karaoke"


def test_the_facts_block_lists_each_fact_with_its_label_and_where_it_comes_from():
    facts = [
        NOVA,
        Fact("platform", "shows_played", "Shows played on Umbrella", "12"),
        Fact("gig", "venue", "Venue", "The Mohawk"),
        Fact("booking", "date", "Date", "Friday 5 June"),
        Fact("conversation", "latest", "Latest message", "Can you play at 9?"),
        Fact("you", "topic", "What the post is about", "new single"),
        Fact("rumour", "award", "Award", "Grammy"),
    ]
    assert prompts.facts_block(facts) == (
        "Facts you may use (and nothing else):\n"
        "- Stage name (artist's profile): Nova Reyes\n"
        "- Shows played on Umbrella (Umbrella's records): 12\n"
        "- Venue (the gig): The Mohawk\n"
        "- Date (the booking): Friday 5 June\n"
        "- Latest message (the conversation): Can you play at 9?\n"
        "- What the post is about (typed by the artist): new single\n"
        "- Award (rumour): Grammy"
    )


def test_with_no_facts_the_block_says_none():
    assert prompts.facts_block([]) == "Facts you may use (and nothing else):\n- (none)"


def test_a_request_is_the_system_prompt_the_facts_and_the_tools_instructions():
    given = grounding(NOVA)
    inputs = {"tone": "bold"}
    assert prompts.build(TOOLS["tagline"], inputs, given, max_tokens=321) == prompts.Prompt(
        system=prompts.SYSTEM_PROMPT,
        facts=prompts.facts_block(given.facts),
        user=prompts.instructions(TOOLS["tagline"], inputs, given),
        max_tokens=321,
    )
    assert prompts.SYSTEM_PROMPT.startswith("You are Violet, the writing assistant of Umbrella")
