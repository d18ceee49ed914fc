"""API conventions in one place: the error shape, the exception handler and the input serializer
base (the OpenAPI side is :mod:`umbrella.schema`).

Every 4xx/5xx answered under ``/api/`` has the shape::

    {"error": {"code": "not_found", "message": "Not found.", "details": {}}}
"""

import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponseBase, JsonResponse
from rest_framework import exceptions, serializers, status
from rest_framework.renderers import BrowsableAPIRenderer
from rest_framework.response import Response
from rest_framework.utils.serializer_helpers import BindingDict
from rest_framework.views import exception_handler as drf_exception_handler

from umbrella.errors import ApplicationError
from umbrella.parsers import api_exception_for
from umbrella.throttling import give_back_unused

logger = logging.getLogger(__name__)

MESSAGES = {
    400: "The request is not valid.",
    401: "Authentication credentials were not provided or are not valid.",
    403: "You do not have permission to perform this action.",
    404: "Not found.",
    405: "Method not allowed.",
    406: "Could not satisfy the request's Accept header: the API answers JSON.",
    413: "The request body is too large.",
    415: "Unsupported media type: send JSON.",
    429: "Too many requests.",
    500: "Something went wrong on our side. It has been logged.",
}

# The code for an error answered outside DRF (Django's own 4xx/5xx), by status.
CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "request_too_large",
    415: "unsupported_media_type",
    429: "throttled",
    500: "server_error",
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
    give_back_unused(context.get("request"))  # refused before its throttles ran: not counted
    if isinstance(exc, ApplicationError):
        return Response(error_body(exc.code, exc.message, exc.details), status=exc.status_code)
    exc = api_exception_for(exc)  # Django's body size and field-count limits
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            detail=exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, OverflowError):
        # An id in the path too large for the database (SQLite refuses to bind integers past
        # 64 bits; PostgreSQL's lookups simply find nothing): there is no such object.
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, SuspiciousOperation):  # e.g. too many form fields or files
        exc = exceptions.ParseError(str(exc) or MESSAGES[400], code="bad_request")

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


def json_error_response(request: Any, status_code: int, code: str | None = None) -> JsonResponse:
    if code is None:
        code = CODES.get(status_code, "server_error" if status_code >= 500 else "bad_request")
    message = MESSAGES.get(status_code) or MESSAGES[500 if status_code >= 500 else 400]
    if status_code == 405 and getattr(request, "method", None):
        message = f'Method "{request.method}" not allowed.'  # as DRF words it
    return JsonResponse(error_body(code, message), status=status_code)


class JsonErrorsMiddleware:
    """Any error under ``/api/`` that is not already JSON is answered in the error shape.

    DRF views and the URL fallback (``umbrella.views.api_fallback``) answer JSON themselves.
    This catches the rest, whatever ``DEBUG`` says: Django's debug pages for a crash in a
    middleware or a non-DRF view, its HTML 400/403/413 pages, and so on. The debug page is
    lost, but Django has logged the exception with its traceback already. Only the browsable
    API (development only, for a browser that asks for HTML) keeps its HTML error pages.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and (request.path == "/api" or request.path.startswith("/api/"))
            and not response.get("Content-Type", "").startswith("application/json")
            and not isinstance(getattr(response, "accepted_renderer", None), BrowsableAPIRenderer)
        ):
            replacement = json_error_response(request, response.status_code)
            for header in ("Allow", "Retry-After", "WWW-Authenticate"):
                if header in response:
                    replacement[header] = response[header]
            return replacement
        return response


# --- input ------------------------------------------------------------------------------------

# Sent by HTML forms (the browsable API's among them) and consumed by the CSRF check.
_FORM_ONLY_KEYS = frozenset({"csrfmiddlewaretoken"})


class QuerySerializer(serializers.Serializer):
    """Base of the serializers that validate a read's query parameters.

    DRF deep-copies and binds every declared field for every serializer instance: ~0.15 ms
    (quiet) to ~0.5 ms (under load) for the room list's five fields, more than the rest of the
    page's Python. Here the fields are copied and bound once per class and shared by its
    instances: validating query parameters reads the fields and never changes them. So a field
    of a query serializer must not read the serializer's context, instance or data (none does;
    ``validate``/``validate_<field>`` methods run on the instance as usual).
    """

    @property
    def fields(self) -> Any:  # type: ignore[override]  # DRF's is a cached_property
        shared = type(self).__dict__.get("_shared_fields")
        if shared is None:
            shared = BindingDict(self)
            for name, field in self.get_fields().items():
                shared[name] = field
            type(self)._shared_fields = shared  # type: ignore[attr-defined]
        return shared


class InputSerializer(serializers.Serializer):
    """Base of every input serializer: a key it does not declare is refused, never ignored.

    A client that misspells a field (``base_rate_flat_cents`` for ``base_rate_flat``) would
    otherwise get ``200`` and believe it changed something. Unknown keys, in JSON and in form
    bodies alike, answer ``400 validation_error`` with an entry per key in ``details``, next to
    any other field errors. Read-only fields count as unknown: they cannot be written.
    """

    default_error_messages = {
        "unknown_field": "“{name}” is not a field this endpoint accepts.",
    }

    def __init__(self, *args: Any, only: Iterable[str] | None = None, **kwargs: Any) -> None:
        """``only``: accept just these of the declared fields (one wizard step of a profile)."""
        super().__init__(*args, **kwargs)
        self.only = frozenset(only) if only is not None else None

    def to_internal_value(self, data: Any) -> Any:
        unknown: dict[str, list[str]] = {}
        if isinstance(data, Mapping):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            if self.only is not None:
                writable &= self.only
            unknown = {
                str(key): [self.error_messages["unknown_field"].format(name=key)]
                for key in data
                if key not in writable and key not in _FORM_ONLY_KEYS
            }
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as error:
            if unknown and isinstance(error.detail, dict):
                raise serializers.ValidationError({**error.detail, **unknown}) from error
            raise
        if unknown:
            raise serializers.ValidationError(unknown)
        return value
