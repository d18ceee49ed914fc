"""Site-wide pages and the error handlers (JSON under /api/, HTML elsewhere)."""

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.views.decorators.csrf import csrf_exempt, requires_csrf_token

from umbrella.api import json_error_response


def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "landing.html")


@csrf_exempt  # the route it hands over to is a DRF view, which does its own CSRF check
def api_fallback(request: HttpRequest, **kwargs: Any) -> Any:
    """Every path under ``/api`` that no route matched.

    Clients may write any endpoint with or without a trailing slash. The schema documents one
    form per route (``/api/v1/me``, ``/api/v1/artists/``); the other form lands here and is
    served by the same view: not a redirect, which a client would follow with a GET and
    without its body. Anything else is ``404 not_found`` in the error shape, ``DEBUG`` or not
    (Django would show its HTML debug page).
    """
    path = request.path_info
    alternate = path[:-1] if path.endswith("/") else f"{path}/"
    try:
        match = resolve(alternate, getattr(request, "urlconf", None))
    except Resolver404:
        match = None
    if match is None or match.func is api_fallback:
        return json_error_response(request, 404, "not_found")
    request.resolver_match = match
    return match.func(request, *match.args, **match.kwargs)


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(("/api/", "/_allauth/"))


def handler404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return json_error_response(request, 404, "not_found")
    return render(request, "404.html", status=404)


@requires_csrf_token
def handler500(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return json_error_response(request, 500, "server_error")
    return render(request, "500.html", status=500)


def handler403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return json_error_response(request, 403, "permission_denied")
    return render(request, "403.html", status=403)


def handler400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        if isinstance(exception, RequestDataTooBig):
            return json_error_response(request, 413, "request_too_large")
        return json_error_response(request, 400, "bad_request")
    return render(request, "400.html", status=400)
