"""Turning what people type into clean values: handles, links and lists.

Each function returns the clean value or raises ``ValueError`` with a message for the person.
"""

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

_INSTAGRAM = re.compile(r"^[A-Za-z0-9._]{1,30}$")
_TIKTOK = re.compile(r"^[A-Za-z0-9._]{2,24}$")

# Which hosts each link field accepts (a sub-domain of one of them is fine too).
LINK_HOSTS: dict[str, tuple[str, ...]] = {
    "youtube_url": ("youtube.com", "youtu.be"),
    "spotify_url": ("spotify.com",),
    "apple_music_url": ("music.apple.com", "itunes.apple.com"),
    "soundcloud_url": ("soundcloud.com",),
}


def _handle(value: str, *, site: str, pattern: re.Pattern[str], label: str) -> str:
    value = value.strip()
    if not value:
        return ""
    if site in value.lower():
        path = urlsplit(value if "://" in value else f"https://{value}").path
        value = next((part for part in path.split("/") if part), "")
    value = value.lstrip("@")
    if not pattern.match(value):
        raise ValueError(f"“{value}” is not a valid {label} handle.")
    return value


def instagram_handle(value: str) -> str:
    """``@name``, ``name`` and ``https://instagram.com/name/`` all become ``name``."""
    return _handle(value, site="instagram.com", pattern=_INSTAGRAM, label="Instagram")


def tiktok_handle(value: str) -> str:
    """``@name`` and ``https://www.tiktok.com/@name`` become ``name``."""
    return _handle(value, site="tiktok.com", pattern=_TIKTOK, label="TikTok")


def genre(value: str | None) -> str:
    """Genres are stored in lower case with single spaces (``"Hip  Hop"`` -> ``"hip hop"``);
    the profile services and the search filter both clean them here."""
    return " ".join((value or "").split()).lower()


def country(value: str | None) -> str:
    """Countries are stored as upper-case two-letter codes (``" gb"`` -> ``"GB"``)."""
    return (value or "").strip().upper()


def url(value: str, *, field: str | None = None) -> str:
    """Add a missing ``https://``, lower-case the host and check it belongs to the right site."""
    value = value.strip()
    if not value:
        return ""
    if "://" not in value:
        value = f"https://{value}"
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https"):
        raise ValueError("Only http and https links are allowed.")
    host = (parts.hostname or "").lower()
    normalised = urlunsplit((parts.scheme, parts.netloc.lower(), parts.path, parts.query, ""))
    try:
        URLValidator(schemes=["http", "https"])(normalised)
    except ValidationError as error:
        raise ValueError("Enter a valid link.") from error
    allowed = LINK_HOSTS.get(field or "")
    if allowed and not any(host == h or host.endswith(f".{h}") for h in allowed):
        raise ValueError(f"This should be a link to {' or '.join(allowed)}.")
    return normalised


def text_list(
    value: Any, *, max_items: int = 10, max_length: int = 50, lower: bool = False
) -> list[str]:
    """A list from a list or a comma-separated string: trimmed, without blanks or repeats."""
    if value is None or value == "":
        return []
    items: Iterable[Any] = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise ValueError("Give a list of words or a comma-separated text.")
    result: list[str] = []
    seen: set[str] = set()
    for item in items:
        if not isinstance(item, str):
            raise ValueError("Each entry must be text.")
        text = " ".join(item.split())
        if lower:
            text = text.lower()
        if not text or text.lower() in seen:
            continue
        if len(text) > max_length:
            raise ValueError(f"“{text[:20]}…” is longer than {max_length} characters.")
        seen.add(text.lower())
        result.append(text)
    if len(result) > max_items:
        raise ValueError(f"At most {max_items} entries.")
    return result
