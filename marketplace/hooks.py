"""What higher apps do when a booking is made, without the marketplace importing them.

The messaging app offers the artist a draft announcing the show (docs/messaging.md, "Show
announcements"). It registers a callback here in its ``AppConfig.ready``;
``application_accept`` calls :func:`booking_accepted` inside its transaction, and each callback
runs with the booking's id **after the commit** (never for a booking that rolled back). A
failing callback is logged and does not stop the others (``robust``): the booking is made.
"""

from collections.abc import Callable

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
