"""Routes of the room API's live part (issue 12), under /api/v1/."""

from django.urls import URLPattern, URLResolver, path

from events.api import live

urlpatterns: list[URLPattern | URLResolver] = [
    path("rooms/<int:room_id>/events", live.RoomAppEventsApi.as_view(), name="api-room-events"),
]
