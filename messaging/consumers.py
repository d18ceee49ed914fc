"""The messaging WebSocket, ``/ws/messaging/`` (docs/messaging.md, "Live protocol").

On connect the socket joins its person's group (inbox rows, the unread badge). It may then
``{"type": "subscribe", "conversation_id": N}`` to a conversation it belongs to (new messages,
read receipts); subscribing to any other is refused with an ``error`` event and joins nothing.
``{"type": "ping"}`` keeps the person marked online (no email digest while a socket is open).
Sockets only listen: sending and marking read go through the API or the pages, so every rule
stays in the services.
"""

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from accounts.websocket import SUBPROTOCOL
from messaging import live, selectors, services

MAX_SUBSCRIPTIONS = 20
CLOSE_UNAUTHENTICATED = 4401
CLOSE_ACCOUNT_GONE = 4403  # the account was deactivated or deleted while the socket was open


class MessagingConsumer(AsyncJsonWebsocketConsumer):
    user_id: int
    subscribed: set[int]

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.user_id = user.pk
        self.subscribed = set()
        await self.channel_layer.group_add(live.user_group(self.user_id), self.channel_name)
        offered = self.scope.get("subprotocols") or []
        await self.accept(subprotocol=SUBPROTOCOL if SUBPROTOCOL in offered else None)
        await database_sync_to_async(services.presence_mark)(self.user_id)
        await self.send_json({"type": "hello", "user_id": self.user_id})

    async def disconnect(self, code: int) -> None:
        if not hasattr(self, "user_id"):
            return
        await self.channel_layer.group_discard(live.user_group(self.user_id), self.channel_name)
        for conversation_id in self.subscribed:
            await self.channel_layer.group_discard(
                live.conversation_group(conversation_id), self.channel_name
            )

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "ping":
            await database_sync_to_async(services.presence_mark)(self.user_id)
            await self.send_json({"type": "pong"})
        elif kind == "subscribe":
            await self._subscribe(content.get("conversation_id"))
        else:
            await self._error("bad_request", "Send a subscribe or ping event.")

    async def _subscribe(self, conversation_id: Any) -> None:
        if not isinstance(conversation_id, int) or isinstance(conversation_id, bool):
            await self._error("bad_request", "conversation_id must be a conversation's id.")
            return
        if conversation_id not in self.subscribed:
            if len(self.subscribed) >= MAX_SUBSCRIPTIONS:
                await self._error("too_many_subscriptions", "At most 20 conversations a socket.")
                return
            member = await database_sync_to_async(selectors.is_member)(
                user_id=self.user_id, conversation_id=conversation_id
            )
            if not member:
                await self._error("not_found", "No such conversation.", conversation_id)
                return
            await self.channel_layer.group_add(
                live.conversation_group(conversation_id), self.channel_name
            )
            self.subscribed.add(conversation_id)
        await self.send_json({"type": "subscribed", "conversation_id": conversation_id})

    async def _error(self, code: str, message: str, conversation_id: Any = None) -> None:
        event: dict[str, Any] = {"type": "error", "code": code, "message": message}
        if conversation_id is not None:
            event["conversation_id"] = conversation_id
        await self.send_json(event)

    async def messaging_event(self, message: dict[str, Any]) -> None:
        await self.send_json(message["event"])

    async def messaging_close(self, message: dict[str, Any]) -> None:
        await self.close(code=CLOSE_ACCOUNT_GONE)

    @classmethod
    async def decode_json(cls, text_data: str) -> Any:
        try:
            return await super().decode_json(text_data)
        except ValueError:
            return None
