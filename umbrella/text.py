"""Text that people type, made safe to show: one normaliser for names and one for free text.

Every door (API, pages, admin, allauth) reaches the services, and the services call these, so a
stage name typed anywhere is stored the same way. The model fields carry the matching validators
(:func:`validate_single_line`, :func:`validate_free_text`), so a door that skips the service (a
plain admin form) is refused instead of storing hidden characters.

What is hidden and why it matters: bidi controls (U+202A-202E, U+2066-2069, U+200E/200F, U+061C)
reorder what is shown around them, so ``"Nova\u202eesreveR"`` reads as a different name than it
sorts and searches as; zero-width and other format characters (U+200B-200D, U+2060, U+FEFF, the
rest of Unicode category Cf) make two names that look alike differ, or make a name look empty.
"""

import unicodedata

from django.core.exceptions import ValidationError

# Explicit bidi embeddings, overrides and isolates: they reorder the text around them.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Bidi marks: invisible, but they only nudge neutral characters (legitimate in mixed-script prose).
BIDI_MARKS = frozenset("\u200e\u200f\u061c")
# Letters (category Lo) that render as nothing: used to make a name look blank.
BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
# Line and paragraph separators: free text turns them into newlines.
LINE_SEPARATORS = frozenset("\u2028\u2029\x85")
# Format characters free text keeps: they join or shape letters in real writing (Persian, Indic,
# emoji sequences), or mark where a long word may break.
FREE_TEXT_FORMAT_KEEP = frozenset("\u200b\u200c\u200d\u00ad") | BIDI_MARKS


def _hidden_in_line(char: str) -> bool:
    """A character a single-line name never keeps (whitespace is collapsed separately)."""
    if char in BLANK_LETTERS:
        return True
    # Cc: control characters (tabs and newlines are whitespace and are collapsed, not lost).
    # Cf: format characters: bidi controls and marks, zero-width space/joiners, U+2060, BOM, tags.
    # Cs: lone surrogates (JSON can carry them; they cannot be stored as UTF-8).
    return unicodedata.category(char) in ("Cf", "Cs") or (
        unicodedata.category(char) == "Cc" and not char.isspace()
    )


def _hidden_in_free_text(char: str) -> bool:
    if char in ("\n", "\t"):
        return False
    category = unicodedata.category(char)
    if category in ("Cc", "Cs"):
        return True
    return category == "Cf" and char not in FREE_TEXT_FORMAT_KEEP


def single_line(value: str) -> str:
    """A name or title: NFC, hidden characters removed, whitespace runs made one space, trimmed."""
    value = unicodedata.normalize("NFC", value)
    return " ".join("".join(c for c in value if not _hidden_in_line(c)).split())


def free_text(value: str) -> str:
    """A bio or story: NFC, newlines and tabs kept (CR LF becomes LF), bidi overrides, control
    and other hidden format characters removed, trimmed at both ends."""
    value = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n")
    value = "".join("\n" if c in LINE_SEPARATORS else c for c in value)
    return "".join(c for c in value if not _hidden_in_free_text(c)).strip()


def hidden_characters(value: str, *, multiline: bool = False) -> list[str]:
    """The code points :func:`single_line` (or :func:`free_text`) would remove, as ``U+XXXX``."""
    test = _hidden_in_free_text if multiline else _hidden_in_line
    found = dict.fromkeys(f"U+{ord(c):04X}" for c in value if test(c))
    return list(found)


def _refuse(found: list[str]) -> None:
    raise ValidationError(
        "Remove the invisible or control characters (%(chars)s).",
        code="hidden_characters",
        params={"chars": ", ".join(found[:5])},
    )


def validate_single_line(value: str) -> None:
    """Model validator for names and titles: no hidden characters, no line breaks."""
    if found := hidden_characters(value):
        _refuse(found)
    if any(c in value for c in "\n\r\t\v\f") or any(c in value for c in LINE_SEPARATORS):
        raise ValidationError("Keep this on one line.", code="multiline")


def validate_free_text(value: str) -> None:
    """Model validator for free text: newlines and tabs are fine, hidden characters are not."""
    if found := hidden_characters(value.replace("\r", ""), multiline=True):
        _refuse(found)
