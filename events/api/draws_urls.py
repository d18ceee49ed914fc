"""Routes of the room API's draws part (issue 12), under /api/v1/."""

from django.urls import URLPattern, URLResolver, path

from events.api import draws

urlpatterns: list[URLPattern | URLResolver] = [
    path("rooms/<int:room_id>/draw", draws.RoomDrawApi.as_view(), name="api-room-draw"),
    path("rooms/<int:room_id>/draws/", draws.RoomDrawsApi.as_view(), name="api-room-draws"),
    path(
        "rooms/<int:room_id>/draws/<int:number>",
        draws.RoomDrawDetailApi.as_view(),
        name="api-room-draw-detail",
    ),
]
