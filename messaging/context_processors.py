from collections.abc import Callable
from functools import cache

from django.http import HttpRequest

from messaging.selectors import unread_total


def unread_messages(request: HttpRequest) -> dict[str, Callable[[], int]]:
    """The menu's unread-messages badge in base.html: one SUM over the user's unread inbox
    rows, only when a page shows it (a callable, remembered), none for anonymous visitors."""

    @cache
    def unread() -> int:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return 0
        return unread_total(user=user)

    return {"unread_messages": unread}
