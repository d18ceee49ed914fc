"""``POST /stream/violet/generate``: the async view that streams a draft (violet/streaming.py).

Not under ``/api/v1`` (whose routes are DRF views served by gunicorn): ``/stream/`` is served
by the ASGI process (``settings.ASGI_HTTP_PREFIXES``), and the load balancer sends it there
(docs/deployment.md). Under WSGI it refuses with ``503 streaming_unavailable`` instead of
holding a sync worker for the whole draft; clients then use ``POST /api/v1/violet/generate``.

Same request body, sign-in and refusals as that endpoint: ``{"tool": …, "inputs": {…}}``; an
access token (``Authorization: Bearer``) or the session cookie with the CSRF header.
"""

from typing import Any

from asgiref.sync import sync_to_async
from django.core.exceptions import RequestDataTooBig
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.middleware.csrf import CsrfViewMiddleware
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts.authentication import access_token_user
from umbrella.api import error_body
from umbrella.errors import ApplicationError
from umbrella.parsers import HostileJSON, json_loads_checked
from violet import services, streaming
from violet.providers import get_provider

BODY_FIELDS = {"tool", "inputs"}


def _refusal(
    status: int, code: str, message: str, details: Any = None, **headers: str
) -> JsonResponse:
    response = JsonResponse(error_body(code, message, details), status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _application_error(error: ApplicationError) -> JsonResponse:
    response = JsonResponse(
        error_body(error.code, error.message, error.details), status=error.status_code
    )
    if isinstance(error, services.DailyLimitReached):
        response["Retry-After"] = str(error.retry_after)
    return response


def _no_csrf_check(request: HttpRequest) -> HttpResponse:
    raise AssertionError("not called")  # pragma: no cover


async def _signed_in(request: HttpRequest) -> tuple[Any, JsonResponse | None]:
    """The user, by access token or by session cookie (then with the CSRF check, as DRF does)."""
    parts = request.headers.get("Authorization", "").split()
    if parts and parts[0].lower() == "bearer":
        found = await sync_to_async(access_token_user)(parts[1]) if len(parts) == 2 else None
        if found is None:
            return None, _refusal(
                401,
                "invalid_token",
                "The access token is not valid: refresh it, or sign in again.",
                WWW_Authenticate='Bearer realm="api"',
            )
        return found[0], None
    user = await request.auser()
    if not user.is_authenticated:
        return None, _refusal(
            401,
            "not_authenticated",
            "Authentication credentials were not provided or are not valid.",
            WWW_Authenticate='Bearer realm="api"',
        )
    check = CsrfViewMiddleware(_no_csrf_check)
    check.process_request(request)
    if check.process_view(request, _no_csrf_check, (), {}) is not None:
        return None, _refusal(403, "permission_denied", "CSRF check failed: send X-CSRFToken.")
    return user, None


def _body(request: HttpRequest) -> tuple[dict[str, Any] | None, JsonResponse | None]:
    if request.content_type != "application/json":
        return None, _refusal(415, "unsupported_media_type", "Send JSON (application/json).")
    try:
        data = json_loads_checked(request.body)
    except RequestDataTooBig:
        return None, _refusal(413, "request_too_large", "The request body is too large.")
    except HostileJSON as error:
        return None, _refusal(400, error.code, error.message)
    if not isinstance(data, dict):
        return None, _refusal(400, "validation_error", "Send a JSON object.")
    unknown = {str(k): [f"“{k}” is not a field this endpoint accepts."] for k in data}
    for name in BODY_FIELDS:
        unknown.pop(name, None)
    if unknown:
        return None, _refusal(400, "validation_error", next(iter(unknown.values()))[0], unknown)
    return data, None


@csrf_exempt
@require_POST
async def generate_stream(request: HttpRequest) -> HttpResponseBase:
    if not isinstance(request, ASGIRequest):
        return _refusal(
            503,
            "streaming_unavailable",
            "Streaming is served by the ASGI process: use POST /api/v1/violet/generate here.",
        )
    user, refused = await _signed_in(request)
    if refused is not None:
        return refused
    data, refused = _body(request)
    if refused is not None:
        return refused
    assert data is not None  # noqa: S101 (no refusal means a body)
    provider = get_provider()
    try:
        prepared = await sync_to_async(services.generation_prepare)(
            user=user, tool=data.get("tool"), inputs=data.get("inputs")
        )
        generation = await sync_to_async(services.generation_start)(
            prepared=prepared, provider=provider
        )
    except ApplicationError as error:
        return _application_error(error)
    response = StreamingHttpResponse(
        streaming.events(generation=generation, prepared=prepared, provider=provider),
        content_type="text/event-stream; charset=utf-8",
    )
    response["Cache-Control"] = "no-cache, no-store"
    response["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
    return response
