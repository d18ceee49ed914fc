"""Filters for the metrics pages: a rate as a percentage, a latency in ms, "—" for none."""

from django import template

register = template.Library()

NONE = "—"


@register.filter
def percent(rate: float | None) -> str:
    """0.9345 → "93.5 %"."""
    return NONE if rate is None else f"{rate * 100:.1f} %"


@register.filter
def ms(value: float | None) -> str:
    """1234.5 → "1,235 ms"."""
    return NONE if value is None else f"{value:,.0f} ms"


@register.filter
def spaced(value: str) -> str:
    """half_open → "half open"."""
    return str(value).replace("_", " ")
