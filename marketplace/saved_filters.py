"""What a saved search's filters are: the gig board's own filters, nothing else.

One home for what a filter means. A saved search keeps the query parameters of
``GET /api/v1/gigs/`` (pay in integer cents), checked by the same serializer
(:class:`~marketplace.api.serializers.GigFilterSerializer`) and run by the same selector
(:func:`marketplace.selectors.gig_search`). This module only adds what keeping them needs:

- :func:`clean`: validate raw filters (a key the board does not know is refused) and turn them
  into the JSON that is stored;
- :func:`parse`: the stored JSON back into the selector's filters;
- :func:`from_board`: the gig board page's filters (its form, pay typed in dollars) as raw filters;
- :func:`board_query`, :func:`api_query`: links to the board page and the API with them;
- :func:`describe`: a short text ("Jazz · Austin · $400 or more").

``status`` is not kept: a saved search is about open gigs, the ones an artist can apply to.
"""

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from marketplace.api.serializers import GigFilterSerializer
from marketplace.models import PaymentType
from umbrella.api import InputSerializer
from umbrella.errors import ApplicationError

FIELDS = (
    "q",
    "city",
    "state",
    "genre",
    "date_from",
    "date_to",
    "min_pay",
    "payment_type",
    "urgent",
)
PAY_WORDS = {
    PaymentType.FLAT: "flat fee",
    PaymentType.HOURLY: "paid by the hour",
    PaymentType.NEGOTIABLE: "pay negotiable",
}


class SavedGigFiltersSerializer(InputSerializer, GigFilterSerializer):
    """The gig board's filters without ``status``; an unknown key is refused."""

    status = None  # type: ignore[assignment]  # DRF: None removes an inherited field


def _errors_as_text(errors: Mapping[str, Any]) -> list[str]:
    lines = []
    for name, problems in errors.items():
        for problem in problems if isinstance(problems, list) else [problems]:
            lines.append(f"{name}: {problem}" if name != "non_field_errors" else str(problem))
    return lines


def clean(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Validated, normalised filters as stored (JSON: dates as ``YYYY-MM-DD``, pay in cents).
    Empty values are dropped. ``400 validation_error`` (details under ``filters``) otherwise."""
    if not isinstance(raw, Mapping):
        raise ApplicationError(
            "validation_error",
            "filters must be an object.",
            details={"filters": ["filters must be an object."]},
        )
    serializer = SavedGigFiltersSerializer(data=dict(raw))
    if not serializer.is_valid():
        lines = _errors_as_text(serializer.errors)
        raise ApplicationError("validation_error", lines[0], details={"filters": lines})
    stored: dict[str, Any] = {}
    for name in FIELDS:
        value = serializer.validated_data.get(name)
        if isinstance(value, str):
            value = " ".join(value.split())
        if value in (None, ""):
            continue
        stored[name] = value.isoformat() if isinstance(value, dt.date) else value
    return stored


def parse(stored: Mapping[str, Any]) -> dict[str, Any] | None:
    """The selector's filters from stored ones (dates as dates), or ``None`` when they no
    longer validate (a genre that was taken off the list): such a search matches nothing."""
    serializer = SavedGigFiltersSerializer(data=dict(stored))
    if not serializer.is_valid():
        return None
    return dict(serializer.validated_data)


def from_board(filters: Mapping[str, Any]) -> dict[str, Any]:
    """The gig board page's filters (``GigFilterForm.selector_filters()``) as raw filters:
    the same names; empty values and the unchecked "urgent only" box dropped."""
    return {name: value for name, value in filters.items() if value not in (None, "")}


def _dollars(cents: int) -> str:
    amount = Decimal(cents) / 100
    return f"{amount:,.0f}" if amount == amount.to_integral_value() else f"{amount:,.2f}"


def board_query(stored: Mapping[str, Any]) -> str:
    """The query string of the gig board page (``/gigs/?…``) showing these filters. The page
    types pay in dollars; ``urgent=false`` (the gigs that are not urgent) has no box there and
    is left out, so the page then shows the urgent ones too."""
    params: dict[str, str] = {}
    for name in FIELDS:
        if name not in stored:
            continue
        value = stored[name]
        if name == "min_pay":
            params[name] = str(Decimal(value) / 100)
        elif name == "urgent":
            if value:
                params[name] = "on"
        else:
            params[name] = str(value)
    return urlencode(params)


def api_query(stored: Mapping[str, Any]) -> str:
    """The query string of ``GET /api/v1/gigs/`` with these filters."""
    params = {
        name: ("true" if stored[name] else "false") if name == "urgent" else str(stored[name])
        for name in FIELDS
        if name in stored
    }
    return urlencode(params)


def _date(value: str) -> str:
    day = dt.date.fromisoformat(value)
    return f"{day:%a} {day.day} {day:%b %Y}"


def describe(stored: Mapping[str, Any]) -> str:
    """A short text of the filters, e.g. ``“blues” · Jazz · Austin, TX · $400 or more``."""
    parts = []
    if stored.get("q"):
        parts.append(f"“{stored['q']}”")
    if stored.get("genre"):
        parts.append(str(stored["genre"]).capitalize())
    place = ", ".join(str(stored[name]) for name in ("city", "state") if stored.get(name))
    if place:
        parts.append(place)
    if stored.get("date_from") and stored.get("date_to"):
        parts.append(f"{_date(stored['date_from'])} to {_date(stored['date_to'])}")
    elif stored.get("date_from"):
        parts.append(f"from {_date(stored['date_from'])}")
    elif stored.get("date_to"):
        parts.append(f"until {_date(stored['date_to'])}")
    if stored.get("min_pay") is not None:
        parts.append(f"${_dollars(stored['min_pay'])} or more")
    if stored.get("payment_type"):
        parts.append(PAY_WORDS.get(stored["payment_type"], str(stored["payment_type"])))
    if stored.get("urgent") is True:
        parts.append("urgent only")
    elif stored.get("urgent") is False:
        parts.append("not urgent")
    return " · ".join(parts) or "All open gigs"
