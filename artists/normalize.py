"""Turning what people type into clean values: names, free text, handles, links and lists.

Each function returns the clean value or raises ``ValueError`` with a message for the person.
The services call :func:`profile_value` and :func:`track_value` for every field they set, so the
API, the pages and admin (through the services) store the same value for the same input. Which
fields are names, free text, links or lists is read from the model fields' validators: the model
is the one place a field's rule is written.
"""

from collections.abc import Iterable
from typing import Any, cast
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models

from artists.models import (
    FREE_TEXT,
    LINK_HOSTS,
    NAME,
    ArtistProfile,
    PerformanceType,
    Track,
    instagram_handle_format,
    tiktok_handle_format,
)
from umbrella import links, text
from umbrella.limits import WordListValidator, word_list_limits

LOWER_CASE_FIELDS = frozenset({"primary_genre", "secondary_genres", "performance_types"})


def _handle(value: str, *, site: str, pattern: RegexValidator, label: str) -> str:
    value = text.single_line(value)
    if not value:
        return ""
    if site in value.lower():
        path = urlsplit(value if "://" in value else f"https://{value}").path
        value = next((part for part in path.split("/") if part), "")
    value = value.lstrip("@")
    try:
        pattern(value)
    except ValidationError as error:
        raise ValueError(f"“{value}” is not a valid {label} handle.") from error
    return value


def instagram_handle(value: str) -> str:
    """``@name``, ``name`` and ``https://instagram.com/name/`` all become ``name``."""
    return _handle(value, site="instagram.com", pattern=instagram_handle_format, label="Instagram")


def tiktok_handle(value: str) -> str:
    """``@name`` and ``https://www.tiktok.com/@name`` become ``name``."""
    return _handle(value, site="tiktok.com", pattern=tiktok_handle_format, label="TikTok")


def genre(value: str | None) -> str:
    """Genres are stored in lower case with single spaces (``"Hip  Hop"`` -> ``"hip hop"``);
    the profile services and the search filter both clean them here."""
    return text.single_line(value or "").lower()


def country(value: str | None) -> str:
    """Countries are stored as upper-case two-letter codes (``" gb"`` -> ``"GB"``)."""
    return text.single_line(value or "").upper()


def url(value: str, *, field: str | None = None) -> str:
    """A link as a browser reads it (WHATWG), on one of the field's allowed hosts if it has some.

    ``novareyes.com/tour`` becomes ``https://novareyes.com/tour``; see :mod:`umbrella.links` for
    what is refused.
    """
    return links.normalise(value, hosts=LINK_HOSTS.get(field or "", ()))


def text_list(
    value: Any,
    *,
    max_items: int,
    max_length: int,
    lower: bool = False,
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
        clean = text.single_line(item)
        if lower:
            clean = clean.lower()
        if not clean or clean.lower() in seen:
            continue
        if len(clean) > max_length:
            raise ValueError(f"“{clean[:20]}…” is longer than {max_length} characters.")
        seen.add(clean.lower())
        result.append(clean)
    if len(result) > max_items:
        raise ValueError(f"At most {max_items} entries.")
    return result


def _kind(field: models.Field) -> str:
    if field.name in LINK_HOSTS and isinstance(field, models.URLField):
        return "link"
    if any(isinstance(v, WordListValidator) for v in field.validators):
        return "list"
    if any(v in field.validators for v in NAME):
        return "name"
    if any(v in field.validators for v in FREE_TEXT):
        return "free_text"
    return "other"


def _field_value(model: type[models.Model], name: str, value: Any) -> Any:
    field = cast(models.Field, model._meta.get_field(name))
    kind = _kind(field)
    if kind == "link":
        return url(value or "", field=name)
    if kind == "list":
        limits = word_list_limits(field)
        items = text_list(
            value,
            max_items=limits.max_items,
            max_length=limits.max_length,
            lower=name in LOWER_CASE_FIELDS,
        )
        if name == "performance_types" and (
            unknown := [i for i in items if i not in PerformanceType.values]
        ):
            raise ValueError(f"Unknown performance type: {', '.join(unknown)}.")
        return items
    if not isinstance(value, str):
        return value
    if kind == "name":
        clean = text.single_line(value)
        return clean.lower() if name in LOWER_CASE_FIELDS else clean
    if kind == "free_text":
        return text.free_text(value)
    return value.strip()


def profile_value(name: str, value: Any) -> Any:
    """One artist-profile field's clean value (``ValueError`` with a message if it has none)."""
    if name == "instagram_handle":
        return instagram_handle(value or "")
    if name == "tiktok_handle":
        return tiktok_handle(value or "")
    if name == "location_country":
        return country(text.single_line(value or ""))
    if name == "primary_genre":
        return genre(text.single_line(value or ""))
    return _field_value(ArtistProfile, name, value)


def track_value(name: str, value: Any) -> Any:
    """One track field's clean value (``ValueError`` with a message if it has none)."""
    return _field_value(Track, name, value)
