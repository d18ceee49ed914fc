"""What higher apps do when a booking is made, and the drafts they offer for an application,
without the marketplace importing them.

The messaging app offers the artist a draft announcing the show (docs/messaging.md, "Show
announcements"). It registers a callback here in its ``AppConfig.ready``;
``application_accept`` calls :func:`booking_accepted` inside its transaction, and each callback
runs with the booking's id **after the commit** (never for a booking that rolled back). A
failing callback is logged and does not stop the others (``robust``): the booking is made.
"""

from collections.abc import Callable
from typing import Any

from django.db import transaction

BookingHook = Callable[[int], None]

_accepted: list[BookingHook] = []


def on_booking_accepted(hook: BookingHook) -> None:
    if hook not in _accepted:
        _accepted.append(hook)


def booking_accepted(booking_id: int) -> None:
    for hook in _accepted:
        transaction.on_commit(_bound(hook, booking_id), robust=True)


def _bound(hook: BookingHook, booking_id: int) -> Callable[[], None]:
    def run() -> None:
        hook(booking_id)

    run.__qualname__ = f"{getattr(hook, '__qualname__', 'hook')}({booking_id})"
    return run


# --- application drafts -------------------------------------------------------------------------
# A higher app may offer the text of an application's pitch: Violet's gig pitch (docs/violet.md)
# links to ``/gigs/<id>/?draft=<ref>``, and the gig page asks each source registered here for
# the draft ``ref`` of that user and gig. A source answers ``None`` for a ref that is not its
# own, not that user's or not for that gig; the first text found fills in the form.
DraftSource = Callable[[Any, int, str], str | None]

_draft_sources: list[DraftSource] = []


def on_application_draft(source: DraftSource) -> None:
    if source not in _draft_sources:
        _draft_sources.append(source)


def application_draft(*, user: Any, gig_id: int, ref: str) -> str | None:
    """The pitch draft ``ref`` that ``user`` may paste into their application to ``gig_id``."""
    for source in _draft_sources:
        text = source(user, gig_id, ref)
        if text:
            return text
    return None
