"""The onboarding gate for the API, and helpers for per-object permissions."""

from typing import Any

from rest_framework import exceptions, permissions


class OnboardingRequired(exceptions.PermissionDenied):
    default_detail = "Finish onboarding before doing this."
    default_code = "onboarding_required"


class OnboardingComplete(permissions.BasePermission):
    """Writes need a finished onboarding. Views that *are* onboarding set ``onboarding_exempt``."""

    @staticmethod
    def _gated(method: str, view: Any) -> bool:
        return method not in permissions.SAFE_METHODS and not getattr(
            view, "onboarding_exempt", False
        )

    def has_permission(self, request: Any, view: Any) -> bool:
        if not self._gated(request.method, view):
            return True
        user = request.user
        if not user or not user.is_authenticated or not user.needs_onboarding:
            return True
        raise OnboardingRequired()

    def error_codes_for(self, *, view: Any, method: str) -> tuple[str, ...]:
        """What this gate can answer on ``method`` (read by ``umbrella.schema.AutoSchema``)."""
        return (OnboardingRequired.default_code,) if self._gated(method, view) else ()
