"""Names and free text lose the characters that hide or reorder what is shown."""

import pytest
from django.core.exceptions import ValidationError

from umbrella.text import (
    free_text,
    hidden_characters,
    single_line,
    validate_free_text,
    validate_single_line,
)

BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]
MARKS = ["\u200e", "\u200f", "\u061c"]
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u180e", "\U000e0041"]
CONTROL = ["\x00", "\x07", "\x1b", "\x7f", "\x9b"]
BLANK_LETTERS = ["\u3164", "\u115f", "\u2800"]


@pytest.mark.parametrize("char", BIDI + MARKS + INVISIBLE + CONTROL + BLANK_LETTERS)
def test_names_lose_bidi_controls_invisible_and_control_characters(char):
    assert single_line(f"Nova{char}Reyes") == "NovaReyes"
    assert single_line(f"{char}") == ""


def test_a_right_to_left_override_cannot_disguise_a_name():
    assert single_line("Nova \u202eseyeR\u202c") == "Nova seyeR"


def test_names_are_nfc_and_whitespace_is_one_space():
    decomposed = "Beyonce\u0301"  # e + combining acute
    assert single_line(decomposed) == "Beyoncé"
    assert len(single_line(decomposed)) == 7
    assert single_line("  Nova \t\n Reyes\u00a0\u3000Band\u2028 ") == "Nova Reyes Band"


def test_names_keep_real_letters_marks_and_emoji():
    for name in ("Sigur Rós", "坂本龍一", "محمد عبده", "Ἀθηνᾶ", "Beyoncé 🎤", "❤️ Hearts"):
        assert single_line(name) == name


def test_free_text_keeps_newlines_tabs_and_joiners_but_not_overrides():
    typed = "Line one\r\nLine\ttwo\u2028\u202eevil\u202c \u200dok\x07\x00\ufeff"

    assert free_text(typed) == "Line one\nLine\ttwo\nevil \u200dok"


def test_free_text_keeps_bidi_marks_used_in_mixed_text():
    assert free_text("שלום\u200f, world") == "שלום\u200f, world"


def test_validators_refuse_what_the_normalisers_would_remove():
    with pytest.raises(ValidationError, match="U\\+202E"):
        validate_single_line("Nova\u202eReyes")
    with pytest.raises(ValidationError):
        validate_single_line("two\nlines")
    with pytest.raises(ValidationError):
        validate_free_text("bio \u202e")
    validate_single_line("Nova Reyes")
    validate_free_text("A bio\r\nwith lines\tand tabs.")
    assert hidden_characters("a\u200bb\u200bc") == ["U+200B"]
