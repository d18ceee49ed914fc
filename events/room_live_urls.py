"""Pages of the rooms' live part (issue 12): the live room page and its forms (join, leave,
draw), which work without JavaScript (events/views_room_live.py)."""

from django.urls import URLPattern, URLResolver, path

from events import views_room_live

urlpatterns: list[URLPattern | URLResolver] = [
    path("rooms/<int:room_id>/", views_room_live.room_live, name="room-live"),
    path("rooms/<int:room_id>/join/", views_room_live.room_join, name="room-live-join"),
    path("rooms/<int:room_id>/leave/", views_room_live.room_leave, name="room-live-leave"),
    path("rooms/<int:room_id>/draw/", views_room_live.room_draw, name="room-live-draw"),
]
