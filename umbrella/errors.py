"""The one application error type that services raise.

The API's exception handler turns it into ``{"error": {"code", "message", "details"}}`` and pages
turn it into a form error or a flash message.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class ApplicationError(Exception):
    """``field`` names the input the error is about (a page shows it next to that field; the
    API's error shape does not carry it)."""

    status_code = 400

    def __init__(
        self,
        code: str,
        message: str,
        *,
        details: dict[str, Any] | None = None,
        status: int | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details or {}
        self.field = field
        if status is not None:
            self.status_code = status


@contextmanager
def about_field(field: str) -> Iterator[None]:
    """An ``ApplicationError`` raised inside is about the input ``field`` (unless it already
    names one): e.g. a refused audio file is shown next to the audio field of a form."""
    try:
        yield
    except ApplicationError as error:
        if error.field is None:
            error.field = field
        raise


class NotFoundError(ApplicationError):
    status_code = 404
