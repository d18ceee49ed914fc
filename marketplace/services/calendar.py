"""Private calendar feeds: make or rotate one (the URL is shown once), revoke it.

The token is 32 random bytes (URL-safe); only its SHA-256 is stored, so a database leak gives no
working feed URL. Rotating replaces the hash (the old URL is dead at once); revoking deletes it.
"""

import hashlib
import secrets

from django.db import transaction
from django.urls import reverse

from accounts.models import User
from marketplace.models import CalendarFeed


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_path(token: str) -> str:
    return reverse("calendar-feed", kwargs={"token": token})


@transaction.atomic
def calendar_feed_rotate(*, user: User) -> tuple[CalendarFeed, str]:
    """Make the user's feed, or give it a new token (the old URL stops working). Returns the
    feed and its path, ``/calendar/<token>.ics``: the only time the token is seen."""
    token = secrets.token_urlsafe(32)
    feed, _ = CalendarFeed.objects.update_or_create(
        user=user, defaults={"token_hash": token_hash(token)}
    )
    return feed, feed_path(token)


@transaction.atomic
def calendar_feed_revoke(*, user: User) -> bool:
    """Revoke the user's feed; ``False`` if there was none (idempotent)."""
    deleted, _ = CalendarFeed.objects.filter(user=user).delete()
    return bool(deleted)
