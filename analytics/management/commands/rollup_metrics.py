"""``python manage.py rollup_metrics --from 2025-01-01 --to 2025-03-31``: roll up (again) the
analytics figures of a range of UTC days, oldest first, each day in its own transaction, with a
progress bar. Safe to rerun or to interrupt (finished days stay); the nightly task does
yesterday by itself. Without dates: yesterday."""

import datetime as dt
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from analytics import services
from umbrella.errors import ApplicationError

BAR_WIDTH = 30


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"Not a day: {value!r} (use YYYY-MM-DD).") from error


class Command(BaseCommand):
    help = "Roll up the daily analytics figures of a range of UTC days (a backfill)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--from", dest="first", type=_day, help="First day, YYYY-MM-DD (default: --to)."
        )
        parser.add_argument(
            "--to", dest="last", type=_day, help="Last day, YYYY-MM-DD (default: yesterday, UTC)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        last = options["last"] or services.last_complete_day()
        first = options["first"] or last
        total = (last - first).days + 1
        verbosity = options["verbosity"]
        live = verbosity > 0 and self.stdout.isatty()
        started = time.monotonic()
        if verbosity > 0:
            self.stdout.write(
                f"Rolling up {total} day{'s' if total != 1 else ''}: {first} to {last}"
            )

        def progress(n: int, of: int, result: services.RollupResult) -> None:
            if verbosity == 0:
                return
            done = BAR_WIDTH * n // of
            elapsed = time.monotonic() - started
            left = elapsed / n * (of - n)
            line = (
                f"[{'#' * done}{'.' * (BAR_WIDTH - done)}] {n}/{of} {result.day}: "
                f"{result.artists} artists, {result.venues} venues, {result.queries} queries, "
                f"{result.seconds:.2f} s" + (f" · about {left:.0f} s left" if n < of else "")
            )
            if live:
                self.stdout.write("\r" + line.ljust(110), ending="" if n < of else "\n")
                self.stdout.flush()
            else:
                self.stdout.write(line)

        try:
            results = services.rollup_days(first=first, last=last, progress=progress)
        except ApplicationError as error:
            raise CommandError(error.message) from error
        if verbosity > 0:
            rows = sum(r.artists + r.venues for r in results)
            self.stdout.write(
                self.style.SUCCESS(
                    f"Done: {len(results)} days, {rows} rows, {time.monotonic() - started:.1f} s."
                )
            )
