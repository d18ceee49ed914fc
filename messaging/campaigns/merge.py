"""Merge fields of a campaign's subject and body: ``{first_name}`` is replaced per recipient.

A field is a name in braces; ``{{`` and ``}}`` are literal braces. Any other name in braces is
refused when the campaign is saved, naming it, so nobody receives "Hi {frist_name}".
"""

import re
from collections.abc import Mapping

FIELDS: dict[str, str] = {
    "first_name": "The fan's first name (“there” when the list has no name)",
    "name": "The fan's full name (“there” when the list has no name)",
    "city": "The fan's city",
    "region": "The fan's region or state",
    "artist": "Your stage name",
    "list": "The name of the fan's list",
    "unsubscribe_url": "The fan's one-click unsubscribe link (email only)",
}
EMAIL_ONLY = frozenset({"unsubscribe_url"})

_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")


def unknown_fields(text: str, *, channel: str) -> list[str]:
    """The names in braces that are not merge fields of ``channel``, in order of appearance."""
    allowed = set(FIELDS) - (EMAIL_ONLY if channel == "sms" else set())
    found: list[str] = []
    for match in _TOKEN.finditer(text):
        name = match.group(1)
        if name is None:
            continue
        if name.strip() not in allowed and name not in found:
            found.append(name)
    return found


def render(text: str, values: Mapping[str, str]) -> str:
    """``text`` with every merge field replaced (an unknown one is left as it is)."""

    def replace(match: re.Match[str]) -> str:
        found = match.group(0)
        if found in ("{{", "}}"):
            return found[0]
        name = (match.group(1) or "").strip()
        return values.get(name, found)

    return _TOKEN.sub(replace, text)
