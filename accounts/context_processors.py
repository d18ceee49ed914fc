from collections.abc import Callable
from functools import cache

from django.conf import settings
from django.http import HttpRequest

from accounts.notifications import unread_count


def providers(request: HttpRequest) -> dict:
    """Which "Continue with …" buttons work on this deployment."""
    return {
        "social_providers": [
            {"id": "google", "name": "Google", "configured": bool(settings.GOOGLE_CLIENT_ID)},
            {"id": "apple", "name": "Apple", "configured": bool(settings.APPLE_CLIENT_ID)},
        ]
    }


UNREAD_SHOWN_UP_TO = 100  # the bell says "99+" beyond


def notifications(request: HttpRequest) -> dict[str, Callable[[], int]]:
    """The bell's unread count in base.html: one bounded COUNT over the partial unread index,
    only when a page shows it (a callable, remembered), none for anonymous visitors."""

    @cache
    def unread() -> int:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return 0
        return unread_count(user=user, cap=UNREAD_SHOWN_UP_TO)

    return {"unread_notifications": unread}
