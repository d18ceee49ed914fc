"""What facts the model is given, pinned where the third mutation run of violet.grounding
found them loose (docs/mutation/analytics-violet.md): what the artist typed for a press
release or a setlist, and how a profile field with no label of its own is named."""

import pytest

from tests.violet.factories import full_artist
from violet import grounding
from violet.grounding import PROFILE_FACTS, PROFILE_LABELS
from violet.tools import TOOLS

pytestmark = pytest.mark.django_db


def typed(found: grounding.Grounding) -> list[tuple[str, str, str]]:
    return [(f.field, f.label, f.value) for f in found.facts_of("you")]


def test_what_the_artist_asked_to_highlight_or_the_mood_they_want_is_given_as_typed():
    artist = full_artist()
    press = grounding.ground(
        user=artist.user, tool=TOOLS["press_release"], inputs={"angle": "Album release night"}
    )
    assert typed(press) == [("angle", "Anything to highlight", "Album release night")]
    setlist = grounding.ground(
        user=artist.user,
        tool=TOOLS["setlist_ideas"],
        inputs={"minutes": 45, "mood": "Slow start, big finish"},
    )
    assert typed(setlist) == [("mood", "Mood or notes", "Slow start, big finish")]
    nothing = grounding.ground(
        user=artist.user, tool=TOOLS["setlist_ideas"], inputs={"minutes": 45, "mood": ""}
    )
    assert typed(nothing) == []


def test_every_field_a_tool_uses_has_a_label_and_another_reads_in_words():
    used = {name for names in PROFILE_FACTS.values() for name in names}
    used |= {name for tool in TOOLS.values() for name in tool.needs + tool.helps}
    assert {name: grounding.field_label(name) for name in used} == {
        name: PROFILE_LABELS[name] for name in used
    }
    assert grounding.field_label("booking_email") == "Booking email"
