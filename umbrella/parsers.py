"""Request bodies an attacker shapes: a clear 4xx before any view sees them, never a 500.

* **JSON** is parsed once with checks Python's ``json`` lacks: nesting deeper than
  ``MAX_JSON_DEPTH`` (``json`` itself overflows the C stack near 1,000 levels and raises
  ``RecursionError``) and lone UTF-16 surrogates (``"\\ud800"`` decodes to a ``str`` that
  cannot be encoded back to UTF-8, so the database, the password hasher and the mailer fail)
  and NUL characters (``"\\u0000"``: PostgreSQL stores neither a ``text`` nor a ``jsonb`` value
  holding one, and a JSON object such as a prize's metadata reaches ``jsonb`` unvalidated).
* **Size and count limits** are Django's (``DATA_UPLOAD_MAX_MEMORY_SIZE``,
  ``DATA_UPLOAD_MAX_NUMBER_FIELDS``, ``DATA_UPLOAD_MAX_NUMBER_FILES``). Django raises them as
  ``SuspiciousOperation`` subclasses, which DRF does not know: :func:`api_exception_for`
  turns them into API errors (413 / 400) for the exception handler.

Our API gets these through :class:`JSONParser` (the default parser) and the exception
handler; allauth's headless endpoints under ``/_allauth/`` through
:class:`AllauthBodyCheckMiddleware`, answering in allauth's own error format.
"""

import json
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from rest_framework import exceptions, parsers

MAX_JSON_DEPTH = 64
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class HostileJSON(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class RequestTooLarge(exceptions.APIException):
    status_code = 413
    default_code = "request_too_large"
    default_detail = "The request body is larger than this endpoint accepts."


class TooManyParts(exceptions.APIException):
    status_code = 400
    default_code = "too_many_fields"
    default_detail = "The request has more form fields or files than this endpoint accepts."


def _has_lone_surrogate(text: str) -> bool:
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def check_json_value(value: Any) -> None:
    """Refuse nesting deeper than ``MAX_JSON_DEPTH`` and strings (values and keys) with lone
    surrogates or NUL characters."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if _has_lone_surrogate(item):
                raise HostileJSON(
                    "invalid_unicode", "The JSON body contains an unpaired UTF-16 surrogate."
                )
            if "\x00" in item:
                raise HostileJSON(
                    "invalid_unicode", "The JSON body contains a NUL character (\\u0000)."
                )
            continue
        if isinstance(item, dict | list):
            if depth > MAX_JSON_DEPTH:
                raise HostileJSON(
                    "too_deep", f"The JSON body is nested deeper than {MAX_JSON_DEPTH} levels."
                )
            if isinstance(item, dict):
                stack.extend((key, depth) for key in item)
                stack.extend((child, depth + 1) for child in item.values())
            else:
                stack.extend((child, depth + 1) for child in item)


def _refuse_constant(name: str) -> None:
    raise HostileJSON("parse_error", f"{name} is not valid JSON.")


def json_loads_checked(raw: bytes | str) -> Any:
    """``json.loads`` that raises :class:`HostileJSON` for anything a view must not see."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError as error:
        raise HostileJSON("parse_error", "The JSON body is not valid UTF-8.") from error
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError as error:
        raise HostileJSON(
            "too_deep", f"The JSON body is nested deeper than {MAX_JSON_DEPTH} levels."
        ) from error
    except HostileJSON:
        raise
    except ValueError as error:
        raise HostileJSON("parse_error", f"The JSON body is not valid: {error}") from error
    check_json_value(value)
    return value


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with a size limit, a depth limit and no lone surrogates."""

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        # DRF hands over the request itself as the stream; reading it does not apply Django's
        # body size limit, so it is applied here.
        raw = stream.read(limit + 1) if limit is not None else stream.read()
        if limit is not None and len(raw) > limit:
            raise RequestTooLarge()
        try:
            return json_loads_checked(raw)
        except HostileJSON as error:
            raise exceptions.ParseError(error.message, code=error.code) from error


def api_exception_for(exc: Exception) -> Exception:
    """Django's request-limit errors as the API errors they are (others unchanged)."""
    if isinstance(exc, RequestDataTooBig):
        return RequestTooLarge()
    if isinstance(exc, TooManyFilesSent):
        return TooManyParts(
            "The request has more files than this endpoint accepts.", code="too_many_files"
        )
    if isinstance(exc, TooManyFieldsSent):
        return TooManyParts()
    return exc


def _allauth_error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(
        {"status": status, "errors": [{"message": message, "code": code}]}, status=status
    )


class AllauthBodyCheckMiddleware:
    """Check JSON bodies sent to allauth's headless API before allauth parses them."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # allauth json.loads() every non-GET body, whatever its Content-Type says.
        if request.path.startswith("/_allauth/") and request.method not in SAFE_METHODS:
            try:
                body = request.body
            except RequestDataTooBig:
                return _allauth_error(413, "request_too_large", "The request body is too large.")
            if body:
                try:
                    json_loads_checked(body)
                except HostileJSON as error:
                    return _allauth_error(400, error.code, error.message)
        return self.get_response(request)
