"""How many SMS segments a text takes (3GPP TS 23.038).

A text of only GSM-7 characters is sent in 7-bit septets: one segment holds 160, and a text
that needs more is split into segments of 153 (the rest is the concatenation header). The
characters of the extension table (``{ } [ ] ~ \\ | ^ €`` and the form feed) take two septets
(an escape and the character), and a pair is never split across two segments. Any other
character makes the whole text UCS-2: 70 UTF-16 units in one segment, 67 per segment when
split, and a surrogate pair (an emoji) is never split either.
"""

from dataclasses import dataclass

GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM_SINGLE, GSM_MULTI = 160, 153
UCS2_SINGLE, UCS2_MULTI = 70, 67


@dataclass(frozen=True)
class Segments:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int
    per_segment: int  # the limit that applied: 160 / 153 or 70 / 67


def _split(sizes: list[int], limit: int) -> int:
    """Segments needed for characters of these sizes, none split across two segments."""
    count, used = 1, 0
    for size in sizes:
        if used + size > limit:
            count += 1
            used = 0
        used += size
    return count


def count(text: str) -> Segments:
    if all(ch in GSM_BASIC or ch in GSM_EXTENSION for ch in text):
        sizes = [2 if ch in GSM_EXTENSION else 1 for ch in text]
        single, multi, encoding = GSM_SINGLE, GSM_MULTI, "GSM-7"
    else:
        sizes = [len(ch.encode("utf-16-le")) // 2 for ch in text]
        single, multi, encoding = UCS2_SINGLE, UCS2_MULTI, "UCS-2"
    units = sum(sizes)
    if units == 0:
        return Segments(encoding, 0, 0, single)
    if units <= single:
        return Segments(encoding, units, 1, single)
    segments = _split(sizes, multi)
    return Segments(encoding, units, segments, multi)
