from typing import Any

from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from django.http import HttpRequest, HttpResponseBase


class CSPMiddleware(BaseCSPMiddleware):
    """django-csp, skipping JSON answers.

    Browsers do not render JSON, so a policy there protects nothing, and building the header
    costs about a sixth of a typical API request. Every HTML page (the API docs page included)
    keeps its policy.
    """

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> Any:
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        return super().process_response(request, response)
