"""Rate limits: anonymous clients per IP, signed-in users per user, apps per app.

Rates come from settings (``THROTTLE_ANON``, ``THROTTLE_USER``, ``THROTTLE_APP``).
A refused request gets ``429`` with ``Retry-After``.
"""

from typing import Any

from rest_framework import throttling


class AnonRateThrottle(throttling.AnonRateThrottle):
    scope = "anon"


class UserRateThrottle(throttling.UserRateThrottle):
    """Per user for people; app tokens are counted by :class:`AppRateThrottle` instead."""

    scope = "user"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if getattr(request.auth, "is_app", False):
            return None
        return super().get_cache_key(request, view)


class AppRateThrottle(throttling.SimpleRateThrottle):
    scope = "app"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        app_id = getattr(request.auth, "app_id", None)
        if app_id is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": app_id}
