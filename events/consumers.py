"""The rooms' WebSocket, ``/ws/rooms/`` (SPEC-events §7; docs/rooms.md, "Live events").

Who: the connection's person (session cookie from this site, or an access token: see
accounts/websocket.py), or an app (its own token, or acting for that person: see
events/websocket.py); anyone else's socket, and one with a refused app token, is accepted and
closed at once with code 4401 and a reason. An app needs the scope ``realtime:subscribe`` to
subscribe; its own socket follows only its own app's rooms; apps do not send ``quiz:*``.
What: JSON messages ``{"type", "data"}``.

- ``room:subscribe {room_id, since_seq?}``: members only (policy ``room.subscribe``); anyone
  else gets ``error`` and joins nothing. The socket joins the room's group **first**, then
  reads the room's last sequence number and sends ``room:subscribed {last_seq, complete}``,
  then the logged events after ``since_seq`` (when given), then live ones.
- ``room:unsubscribe {room_id}``.
- ``quiz:*``: handed to events.live_quiz.handle (it answers through :meth:`send_error` or
  its own messages).

**No gap, no duplicate.** The socket remembers, per room, the last ``seq`` it sent. A live event
at or below it is dropped (it was replayed, or the client loaded that state); one above the next
expected number means events were sent out of order or lost (two services committing one after
the other, a full channel): the missing ones are read from the log first. Numbers follow commit
order (events.realtime), so what is missing is always in the log (for
:data:`events.realtime.KEEP_EVENTS`). Channels hands a consumer its messages one at a time, so a
live event arriving during the subscribe handshake waits in the channel and is checked after.

**Losing membership.** On ``participant:left``, ``participant:updated`` (about this socket's
person, or naming nobody) and ``room:deleted``, the socket re-checks its person's right to
subscribe and, without it, leaves the room's group and gets ``room:unsubscribed {reason}``.

Every message the server sends is ``{"type", "data": {…, "room_id", "timestamp"}, "seq"}``;
outside the event log (``room:subscribed``, ``room:unsubscribed``, ``error``) ``seq`` is the
last number the socket was sent for that room (``null`` when it names no room).
"""

import logging
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils import timezone

from accounts.websocket import SUBPROTOCOL
from events import live_quiz, policy, realtime
from events.models import Room, Scope
from umbrella.api import iso_timestamp
from umbrella.errors import ApplicationError

logger = logging.getLogger(__name__)

MAX_SUBSCRIPTIONS = 10
REPLAY_PAGE = 500
CLOSE_UNAUTHENTICATED = 4401
UNAUTHENTICATED_REASON = "not_authenticated: sign in, or send a valid access token"
CLOSE_REASON_BYTES = 123  # RFC 6455: a close frame's reason fits in 123 bytes
# Events after which a socket re-checks that its person may still follow the room.
MEMBERSHIP_EVENTS = frozenset({"participant:left", "participant:updated", "room:deleted"})


def _room_state(user: Any, app: Any, room_id: int) -> int:
    """The room's last sequence number, if the socket may subscribe; else ApplicationError.

    A person (alone, or with an app acting for them) needs the policy's ``room.subscribe``; an
    app's own socket (no person) follows only rooms of that app: any other room is
    ``not_found``, as for its system calls on the API (docs/rooms.md, "Apps on the socket")."""
    room = Room.objects.live().filter(pk=room_id).first()
    if room is None or (_system(app) and room.app_id != app.app.pk):
        raise ApplicationError("not_found", "No such room.", status=404)
    if not _system(app):
        policy.require(user, policy.ROOM_SUBSCRIBE, room)
    return room.event_seq


def _may_subscribe(user: Any, app: Any, room_id: int) -> bool:
    try:
        _room_state(user, app, room_id)
    except ApplicationError:
        return False
    return True


def _system(app: Any) -> bool:
    """An app's own socket: an app token, no person."""
    return app is not None and app.acting_for is None


def _close_reason(text: str) -> str:
    return text.encode()[:CLOSE_REASON_BYTES].decode(errors="ignore")


def _logged(room_id: int, after: int, upto: int | None = None) -> list[dict[str, Any]]:
    """The log's events of ``room_id`` after ``after`` (up to ``upto``), in pages."""
    found: list[dict[str, Any]] = []
    while True:
        page = realtime.events_since(room_id, after, limit=REPLAY_PAGE)
        if upto is not None:
            page = [event for event in page if event["seq"] <= upto]
        found.extend(page)
        if len(page) < REPLAY_PAGE:
            return found
        after = page[-1]["seq"]


def _about_user(data: dict[str, Any]) -> int | None:
    """The person a participant event is about, when it says so (``user_id``, or
    ``participant.user_id``, or ``user.id``)."""
    participant, user = data.get("participant"), data.get("user")
    for value in (
        data.get("user_id"),
        participant.get("user_id") if isinstance(participant, dict) else None,
        user.get("id") if isinstance(user, dict) else None,
    ):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


class RoomConsumer(AsyncJsonWebsocketConsumer):
    user: Any
    app: Any  # events.auth.AppPrincipal of an app's socket (its own, or acting for user), or None
    # room id -> the last seq sent to this socket for that room
    rooms: dict[int, int]

    async def connect(self) -> None:
        user = self.scope.get("user")
        self.rooms = {}
        offered = self.scope.get("subprotocols") or []
        # Accepted, then closed with a reason: a browser sees the code and reason of a close,
        # but nothing of a refused handshake.
        await self.accept(subprotocol=SUBPROTOCOL if SUBPROTOCOL in offered else None)
        self.app = self.scope.get("app")
        refused = self.scope.get("app_refused")
        if refused:
            await self.close(
                code=CLOSE_UNAUTHENTICATED, reason=_close_reason(f"invalid_token: {refused}")
            )
            return
        if not _system(self.app) and (user is None or not user.is_authenticated):
            await self.close(code=CLOSE_UNAUTHENTICATED, reason=UNAUTHENTICATED_REASON)
            return
        self.user = user

    async def disconnect(self, code: int) -> None:
        for room_id in list(getattr(self, "rooms", {})):
            await self.channel_layer.group_discard(realtime.room_group(room_id), self.channel_name)

    # --- sending ------------------------------------------------------------------------------

    async def send_message(self, kind: str, data: dict[str, Any], room_id: int | None) -> None:
        body = {**data, "room_id": room_id, "timestamp": iso_timestamp(timezone.now())}
        seq = self.rooms.get(room_id) if room_id is not None else None
        await self.send_json({"type": kind, "data": body, "seq": seq})

    async def send_error(self, code: str, message: str, room_id: Any = None) -> None:
        """``error {code, message}`` (about ``room_id`` when given)."""
        room = room_id if isinstance(room_id, int) and not isinstance(room_id, bool) else None
        await self.send_message("error", {"code": code, "message": message}, room)

    # --- client messages ----------------------------------------------------------------------

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        data = content.get("data", {}) if isinstance(content, dict) else None
        if not isinstance(kind, str) or not isinstance(data, dict):
            await self.send_error("bad_request", 'Send JSON {"type": …, "data": {…}}.')
        elif kind == "room:subscribe":
            await self._subscribe(data)
        elif kind == "room:unsubscribe":
            await self._unsubscribe(data)
        elif kind.startswith("quiz:") and self.app is not None:
            await self.send_error(
                "app_not_allowed",
                "Apps cannot run or answer a quiz over the socket: the organizer and the "
                "participants do, from their own connections.",
                data.get("room_id"),
            )
        elif kind.startswith("quiz:"):
            try:
                await live_quiz.handle(self, kind, data)
            except Exception:  # a bug there must not close everyone's socket
                logger.exception("events: a quiz message failed")
                await self.send_error("server_error", "That did not work; it is logged.")
        else:
            await self.send_error("bad_request", f"Unknown message type {kind[:40]!r}.")

    @staticmethod
    def _number(value: Any) -> int | None:
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
        return value if ok else None

    async def _subscribe(self, data: dict[str, Any]) -> None:
        room_id = self._number(data.get("room_id"))
        since = data.get("since_seq")
        if room_id is None or (since is not None and self._number(since) is None):
            await self.send_error(
                "bad_request", "room_id must be a room's id, since_seq a sequence number."
            )
            return
        if await self._app_expired():
            return
        if self.app is not None and Scope.REALTIME_SUBSCRIBE not in self.app.scopes:
            await self.send_error(
                "app_permission_denied",
                f"The app {self.app.app_id} lacks the scope {Scope.REALTIME_SUBSCRIBE.value}: "
                "add it to the manifest's permissions (a new manifest version).",
                room_id,
            )
            return
        if room_id in self.rooms:  # subscribed already: the socket has everything since
            await self.send_message(
                "room:subscribed", {"last_seq": self.rooms[room_id], "complete": True}, room_id
            )
            return
        if len(self.rooms) >= MAX_SUBSCRIPTIONS:
            await self.send_error(
                "too_many_subscriptions", f"At most {MAX_SUBSCRIPTIONS} rooms a socket.", room_id
            )
            return
        group = realtime.room_group(room_id)
        # Join first, then read: an event committed after the read is sent after it, to the
        # group this socket is in. Events arriving meanwhile wait (room_event is not called
        # before this returns) and are checked against self.rooms then.
        await self.channel_layer.group_add(group, self.channel_name)
        try:
            last = await database_sync_to_async(_room_state)(self.user, self.app, room_id)
        except ApplicationError as error:  # not subscribed: drop the group, hear nothing
            await self.channel_layer.group_discard(group, self.channel_name)
            await self.send_error(error.code, error.message, room_id)
            return
        missed: list[dict[str, Any]] = []
        if since is not None and since < last:
            missed = await database_sync_to_async(_logged)(room_id, since, last)
        complete = since is None or since >= last or bool(missed and missed[0]["seq"] == since + 1)
        self.rooms[room_id] = min(since, last) if since is not None else last
        await self.send_message(
            "room:subscribed", {"last_seq": last, "complete": complete}, room_id
        )
        for event in missed:
            await self._forward(room_id, event)
        self.rooms[room_id] = last

    async def _unsubscribe(self, data: dict[str, Any], reason: str = "unsubscribed") -> None:
        room_id = self._number(data.get("room_id"))
        if room_id is None:
            await self.send_error("bad_request", "room_id must be a room's id.")
            return
        await self._leave(room_id, reason)

    async def _leave(self, room_id: int, reason: str) -> None:
        await self.channel_layer.group_discard(realtime.room_group(room_id), self.channel_name)
        await self.send_message("room:unsubscribed", {"reason": reason}, room_id)
        self.rooms.pop(room_id, None)

    # --- live events --------------------------------------------------------------------------

    async def _forward(self, room_id: int, event: dict[str, Any]) -> None:
        await self.send_json(event)
        self.rooms[room_id] = event["seq"]

    async def _app_expired(self) -> bool:
        """Close an app's socket once its app token has expired (checked on every subscribe
        and event, like the API on every request); True if it did."""
        if self.app is None or timezone.now() < self.app.expires_at:
            return False
        for room_id in list(self.rooms):
            await self.channel_layer.group_discard(realtime.room_group(room_id), self.channel_name)
        self.rooms = {}
        await self.close(
            code=CLOSE_UNAUTHENTICATED,
            reason="token_expired: get a new app token from /api/v1/apps/token and reconnect",
        )
        return True

    async def room_event(self, message: dict[str, Any]) -> None:
        if await self._app_expired():
            return
        event = message["event"]
        room_id = event["data"].get("room_id")
        last = self.rooms.get(room_id)
        if last is None or event["seq"] <= last:
            return  # not (or no longer) subscribed, or sent already
        if event["seq"] > last + 1:  # earlier ones are late or lost: they are in the log
            for missed in await database_sync_to_async(_logged)(room_id, last, event["seq"] - 1):
                await self._forward(room_id, missed)
        await self._forward(room_id, event)
        if event["type"] in MEMBERSHIP_EVENTS:
            await self._recheck(room_id, event)

    async def _recheck(self, room_id: int, event: dict[str, Any]) -> None:
        if event["type"] == "room:deleted":
            await self._leave(room_id, "room_deleted")
            return
        about = _about_user(event["data"])
        if about is not None and about != self.user.pk:
            return
        if not await database_sync_to_async(_may_subscribe)(self.user, self.app, room_id):
            await self._leave(room_id, "membership_ended")

    @classmethod
    async def decode_json(cls, text_data: str) -> Any:
        try:
            return await super().decode_json(text_data)
        except ValueError:
            return None
