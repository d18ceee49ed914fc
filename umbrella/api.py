"""API conventions in one place: the error shape and the exception handler (the OpenAPI side is
:mod:`umbrella.schema`).

Every 4xx/5xx answered under ``/api/`` has the shape::

    {"error": {"code": "not_found", "message": "Not found.", "details": {}}}
"""

import logging
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from umbrella.errors import ApplicationError

logger = logging.getLogger(__name__)

MESSAGES = {
    400: "The request is not valid.",
    401: "Authentication credentials were not provided or are not valid.",
    403: "You do not have permission to perform this action.",
    404: "Not found.",
    405: "Method not allowed.",
    429: "Too many requests.",
    500: "Something went wrong on our side. It has been logged.",
}


def iso_timestamp(value: datetime) -> str:
    """A datetime as the API writes it everywhere: ISO 8601, UTC, seconds, ``Z``."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def _validation_details(detail: Any) -> dict[str, Any]:
    if isinstance(detail, dict):
        return detail
    if isinstance(detail, list):
        return {"non_field_errors": detail}
    return {"non_field_errors": [detail]}


def _first_message(details: Any) -> str | None:
    if isinstance(details, dict):
        for value in details.values():
            found = _first_message(value)
            if found:
                return found
    elif isinstance(details, list):
        for value in details:
            found = _first_message(value)
            if found:
                return found
    elif details:
        return str(details)
    return None


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """Turn every exception raised in an API view into the one error shape."""
    if isinstance(exc, ApplicationError):
        return Response(error_body(exc.code, exc.message, exc.details), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            detail=exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        logger.exception("Unhandled error in API view", exc_info=exc)
        return Response(
            error_body("server_error", MESSAGES[500]), status=status.HTTP_500_INTERNAL_SERVER_ERROR
        )

    assert isinstance(exc, exceptions.APIException)  # noqa: S101 (DRF handled it, so it is one)
    if isinstance(exc, exceptions.ValidationError):
        details = _validation_details(response.data)
        message = _first_message(details) or MESSAGES[400]
        response.data = error_body("validation_error", message, details)
        return response

    detail = exc.detail
    code = detail.code if isinstance(detail, exceptions.ErrorDetail) else exc.default_code
    message = str(detail) if isinstance(detail, str) else MESSAGES.get(response.status_code, "")
    extra: dict[str, Any] = {}
    wait = getattr(exc, "wait", None)
    if isinstance(exc, exceptions.Throttled) and wait is not None:
        extra["retry_after_seconds"] = int(wait + 0.999)
    response.data = error_body(str(code), message, extra)
    return response


def json_error_response(request: Any, status_code: int, code: str) -> JsonResponse:
    return JsonResponse(error_body(code, MESSAGES[status_code]), status=status_code)
