"""The CSV export of a subject's days: one row per day, oldest first, a column per figure in
the catalog's order; money in cents and times in seconds as the API gives them, so a
spreadsheet can sum them (docs/analytics.md)."""

import csv
import io
from typing import Any

from analytics import metrics


def csv_text(kind: str, days: list[dict[str, Any]]) -> str:
    names = metrics.names(kind)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["day", *names])
    for day in days:
        writer.writerow(
            [day["day"].isoformat(), *("" if day[n] is None else day[n] for n in names)]
        )
    return out.getvalue()
