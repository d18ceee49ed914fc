"""Onboarding gate for pages: signed-in users who have not finished onboarding go there."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

# Paths that stay reachable before onboarding is done.
OPEN_PREFIXES = (
    "/onboarding/",
    "/accounts/",
    "/api/",
    "/_allauth/",
    "/admin/",
    "/static/",
    "/media/",
    "/artists/",  # public artist pages and search (read-only)
)
OPEN_PATHS = ("/",)


class OnboardingGateMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # The path first: open paths (the API among them) never load the session's user.
        if request.path in OPEN_PATHS or request.path.startswith(OPEN_PREFIXES):
            return self.get_response(request)
        user = request.user
        if user.is_authenticated and user.needs_onboarding:
            return redirect("onboarding")
        return self.get_response(request)
