"""The rooms' WebSocket route (SPEC-events §7), mounted by umbrella/asgi.py through
``settings.WEBSOCKET_URLCONFS`` behind the project's WebSocket authentication."""

from django.urls import path

from events.consumers import RoomConsumer

websocket_urlpatterns = [
    path("ws/rooms/", RoomConsumer.as_asgi()),
]
