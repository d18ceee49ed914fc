"""Site-wide pages and the error handlers (JSON under /api/, HTML elsewhere)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import requires_csrf_token

from umbrella.api import json_error_response


def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "landing.html")


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
        return json_error_response(request, 400, "bad_request")
    return render(request, "400.html", status=400)
