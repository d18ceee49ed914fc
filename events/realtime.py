"""The rooms' live events (SPEC-events §7): numbered, logged, then sent to the room's sockets.

:func:`publish` is called by the room services **inside their transaction**: it takes the room's
next sequence number (``Room.event_seq``, under the row lock the ``UPDATE`` takes, so numbers
follow commit order with no gap) and writes the :class:`~events.models.RoomEvent` row; after
commit the event goes to the group ``events.room.<id>``. A reconnecting client asks for the
events after its last sequence number (:func:`events_since`) and gets them from the log, then
live ones, deduplicated by ``seq`` (docs/rooms.md, "Live events").

Sending is best effort (a channel layer that is down is logged; the event stays in the log for
clients to catch up). Every message is ``{"type", "data": {…, "room_id", "timestamp"}, "seq"}``.
"""

import logging
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from events.models import Room, RoomEvent
from umbrella.api import iso_timestamp
from umbrella.publish import group_send_all

logger = logging.getLogger(__name__)

HANDLER = "room.event"  # the consumer's handler: ``room_event``
# The log keeps at least this long (SPEC-events §7: "at least the last 5 minutes").
KEEP_EVENTS = timedelta(minutes=15)


def room_group(room_id: int) -> str:
    return f"events.room.{room_id}"


def message(event: RoomEvent) -> dict[str, Any]:
    """An event as sockets receive it (live or replayed)."""
    return {"type": event.type, "seq": event.seq, "data": event.data}


def publish(room: Room, type: str, data: dict[str, Any] | None = None) -> RoomEvent:
    """Log ``type`` for ``room`` with the next sequence number and send it after commit.

    Must run inside the caller's transaction (the services' ``@transaction.atomic``).
    """
    return publish_many(room, [(type, data or {})])[0]


def publish_many(room: Room, events: list[tuple[str, dict[str, Any]]]) -> list[RoomEvent]:
    """:func:`publish` for several events in order, in three queries whatever their number."""
    if not events:
        return []
    now = timezone.now()
    Room.objects.filter(pk=room.pk).update(event_seq=F("event_seq") + len(events))
    last = Room.objects.values_list("event_seq", flat=True).get(pk=room.pk)
    room.event_seq = last
    stamp = iso_timestamp(now)
    rows = RoomEvent.objects.bulk_create(
        RoomEvent(
            room=room,
            seq=last - len(events) + 1 + i,
            type=type,
            data={**data, "room_id": room.pk, "timestamp": stamp},
            created_at=now,
        )
        for i, (type, data) in enumerate(events)
    )
    send_on_commit(room.pk, rows)
    return rows


def send_on_commit(room_id: int, events: list[RoomEvent]) -> None:
    """Send logged ``events`` to the room's sockets once the transaction commits (for a
    service that logged them itself, in its own statement: events.services.draws)."""
    transaction.on_commit(lambda: _send(room_id, events))


def _send(room_id: int, events: list[RoomEvent]) -> None:
    group = room_group(room_id)
    try:
        group_send_all((group, {"type": HANDLER, "event": message(e)}) for e in events)
    except Exception:
        logger.warning("events: could not send a live room event", exc_info=True)


def events_since(room_id: int, seq: int, *, limit: int = 1000) -> list[dict[str, Any]]:
    """The room's logged events after ``seq``, oldest first (a reconnecting client's gap)."""
    rows = RoomEvent.objects.filter(room_id=room_id, seq__gt=seq).order_by("seq")[:limit]
    return [message(e) for e in rows]


def events_prune(*, older_than: timedelta = KEEP_EVENTS) -> int:
    deleted, _ = RoomEvent.objects.filter(created_at__lt=timezone.now() - older_than).delete()
    return deleted
