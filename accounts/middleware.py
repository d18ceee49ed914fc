"""Onboarding gate for pages: signed-in users who have not finished onboarding go there."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from umbrella import domains

# Paths that stay reachable before onboarding is done: the onboarding page, sign-in and
# account pages, and what is not a page of any domain (the API has its own gate, admin is for
# staff). Domain apps add their own open prefixes to the registry in umbrella/domains.py.
OPEN_PREFIXES = ("/accounts/", "/_allauth/", "/api/", "/admin/", "/static/", "/media/")
OPEN_PATHS = ("/", "/onboarding/")


class OnboardingGateMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # The path first: open paths (the API among them) never load the session's user.
        path = request.path
        if (
            path in OPEN_PATHS
            or path.startswith(OPEN_PREFIXES)
            or path.startswith(domains.open_prefixes())
        ):
            return self.get_response(request)
        user = request.user
        if user.is_authenticated and user.needs_onboarding:
            return redirect("onboarding")
        return self.get_response(request)
