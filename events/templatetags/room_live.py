"""Filters of the live room page (events/templates/events/rooms/live*.html)."""

from typing import Any

from django import template

register = template.Library()


@register.filter
def seconds(ms: Any) -> str:
    """A duration in milliseconds as the page shows it: 2140 → "2.1 s" (as room-live.js)."""
    try:
        return f"{int(ms) / 1000:.1f} s"
    except (TypeError, ValueError):
        return ""


@register.filter
def option(options: Any, index: Any) -> str:
    """The text of option ``index`` (0-based) of a closed question, or ""."""
    try:
        return str(options[int(index)])
    except (TypeError, ValueError, IndexError, KeyError):
        return ""


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """``mapping[key]`` in a template ("" when missing)."""
    try:
        return mapping.get(key, "")
    except AttributeError:
        return ""
