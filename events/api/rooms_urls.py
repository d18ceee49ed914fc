"""Routes of the room API's rooms part (issue 12), under /api/v1/ (events/api/rooms.py)."""

from django.urls import URLPattern, URLResolver, path

from events.api import rooms

urlpatterns: list[URLPattern | URLResolver] = [
    path("rooms/", rooms.RoomsApi.as_view(), name="api-rooms"),
    path("rooms/<int:room_id>", rooms.RoomApi.as_view(), name="api-room"),
    path(
        "rooms/<int:room_id>/upgrade-manifest",
        rooms.RoomUpgradeManifestApi.as_view(),
        name="api-room-upgrade-manifest",
    ),
    path("rooms/<int:room_id>/activate", rooms.RoomActivateApi.as_view(), name="api-room-activate"),
    path("rooms/<int:room_id>/complete", rooms.RoomCompleteApi.as_view(), name="api-room-complete"),
    path("rooms/<int:room_id>/cancel", rooms.RoomCancelApi.as_view(), name="api-room-cancel"),
]
