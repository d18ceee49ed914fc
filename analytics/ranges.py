"""Which days a reader may ask for: the one rule for the API's ``from``/``to``, the dashboard's
period and the CSV export (docs/analytics.md)."""

import datetime as dt

from analytics import metrics
from umbrella.errors import ApplicationError


def clean_range(
    first: dt.date | None, last: dt.date | None, *, yesterday: dt.date
) -> tuple[dt.date, dt.date]:
    """``first``..``last`` (inclusive) with the defaults filled in: the last day defaults to
    yesterday (UTC), the first to 30 days before the last. Refused (400 ``validation_error``,
    by field): a last day after yesterday (today is not rolled up yet), a first day after the
    last, a range longer than ``metrics.MAX_RANGE_DAYS`` days."""
    last = last or yesterday
    first = first or last - dt.timedelta(days=metrics.DEFAULT_PERIOD - 1)
    if last > yesterday:
        _refuse("to", f"Figures go up to yesterday ({yesterday.isoformat()}, UTC).")
    if first > last:
        _refuse("from", "The first day must not be after the last.")
    if (last - first).days + 1 > metrics.MAX_RANGE_DAYS:
        _refuse("from", f"Ask for at most {metrics.MAX_RANGE_DAYS} days at a time.")
    return first, last


def _refuse(field: str, message: str) -> None:
    raise ApplicationError("validation_error", message, details={field: [message]}, field=field)
