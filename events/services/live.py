"""Apps' own live events (SPEC-events §5, §7): ``app:<prefix>:<name>`` sent to a room's sockets.

An app publishes with ``POST /api/v1/rooms/{id}/events {event, data}`` (scope
``realtime:publish``; events/api/live.py). The rules, here:

- **The prefix is the app's ``app_id``** (``app:app_lottery_v1:countdown``): unique, stable, and
  free of ``:`` (``APP_ID_PATTERN``), so a name tells which app sent it and no app can speak for
  another. The name after it: 1 to 40 of ``a-z 0-9 _ . -``.
- **The room must run that app** (``Room.app``); another app's room, a deleted room or a missing
  one is ``404 not_found`` alike, so an app learns nothing of rooms that are not its own. An app
  acting for a user also needs the user to be able to subscribe to the room (a member, or staff).
- **At most** :data:`RATE_PER_SECOND` **per room**, counted in Redis (the cache) in fixed
  one-second windows, shared by every process: over it, ``429 throttled`` with
  ``details.retry_after_seconds`` (the API adds ``Retry-After``). Counted after the checks
  above, before the write: a refused event writes nothing.
- ``data`` is a JSON object of at most :data:`DATA_MAX_BYTES` bytes (compact JSON); the platform
  adds ``room_id`` and ``timestamp`` to it, so it may not carry those keys itself.

The event is logged and numbered like every room event (events.realtime.publish).
"""

import json
import re
from typing import Any

from django.db import transaction

from accounts.models import User
from events import policy, realtime
from events.models import App, Room, RoomEvent
from umbrella.errors import ApplicationError, NotFoundError
from umbrella.throttling import window_count

RATE_PER_SECOND = 10
DATA_MAX_BYTES = 4096
NAME_PATTERN = r"[a-z0-9_.\-]{1,40}"
RESERVED_KEYS = frozenset({"room_id", "timestamp"})


def _validation(field: str, message: str) -> ApplicationError:
    return ApplicationError("validation_error", message, details={field: [message]}, field=field)


def event_prefix(app: App) -> str:
    """What every event name of ``app`` starts with."""
    return f"app:{app.app_id}:"


def _clean_event(app: App, event: Any) -> str:
    prefix = event_prefix(app)
    if not isinstance(event, str) or not re.fullmatch(re.escape(prefix) + NAME_PATTERN, event):
        raise _validation(
            "event",
            f"Name the event {prefix}<name>: your app's prefix, then 1 to 40 of a-z, 0-9, "
            "'_', '.', '-'.",
        )
    return event


def _clean_data(data: Any) -> dict[str, Any]:
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise _validation("data", "Send data as a JSON object.")
    if reserved := sorted(RESERVED_KEYS & set(data)):
        raise _validation("data", f"The platform sets {', '.join(reserved)}: leave it out of data.")
    size = len(json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode())
    if size > DATA_MAX_BYTES:
        raise _validation(
            "data", f"Keep data to {DATA_MAX_BYTES} bytes of JSON (this one has {size})."
        )
    return data


def _count(room: Room) -> None:
    if window_count(f"room-app-events:{room.pk}", 1) > RATE_PER_SECOND:
        raise ApplicationError(
            "throttled",
            f"At most {RATE_PER_SECOND} app events a second in a room: try again in a second.",
            details={"retry_after_seconds": 1},
            status=429,
        )


@transaction.atomic
def app_event_publish(
    *, app: App, room_id: Any, event: Any, data: Any = None, by: User | None = None
) -> RoomEvent:
    """Send ``event`` with ``data`` to the sockets of ``room_id``, for ``app`` (a system call
    when ``by`` is None, else acting for ``by``). The API checked the scope."""
    name = _clean_event(app, event)
    payload = _clean_data(data)
    try:
        room = Room.objects.live().get(pk=int(room_id), app=app)
    except (Room.DoesNotExist, TypeError, ValueError):
        raise NotFoundError("not_found", "No such room.") from None
    if by is not None:
        policy.require(by, policy.ROOM_SUBSCRIBE, room)
    _count(room)
    return realtime.publish(room, name, payload)
