"""The onboarding gate for the API, and helpers for per-object permissions."""

from typing import Any

from rest_framework import exceptions, permissions


class OnboardingRequired(exceptions.PermissionDenied):
    default_detail = "Finish onboarding before doing this."
    default_code = "onboarding_required"


class OnboardingComplete(permissions.BasePermission):
    """Writes need a finished onboarding. Views that *are* onboarding set ``onboarding_exempt``."""

    def has_permission(self, request: Any, view: Any) -> bool:
        if request.method in permissions.SAFE_METHODS or getattr(view, "onboarding_exempt", False):
            return True
        user = request.user
        if not user or not user.is_authenticated or not user.needs_onboarding:
            return True
        raise OnboardingRequired()
