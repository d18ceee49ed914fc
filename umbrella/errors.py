"""The one application error type that services raise.

The API's exception handler turns it into ``{"error": {"code", "message", "details"}}`` and pages
turn it into a form error or a flash message.
"""

from typing import Any


class ApplicationError(Exception):
    status_code = 400

    def __init__(
        self,
        code: str,
        message: str,
        *,
        details: dict[str, Any] | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details or {}
        if status is not None:
            self.status_code = status


class NotFoundError(ApplicationError):
    status_code = 404
