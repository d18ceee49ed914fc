"""The rooms' WebSocket route (SPEC-events §7), mounted by umbrella/asgi.py through
``settings.WEBSOCKET_URLCONFS`` behind the project's WebSocket authentication; apps' tokens
are read by events.websocket."""

from django.urls import path

from events.consumers import RoomConsumer
from events.websocket import AppSocketMiddleware

websocket_urlpatterns = [
    path("ws/rooms/", AppSocketMiddleware(RoomConsumer.as_asgi())),
]
