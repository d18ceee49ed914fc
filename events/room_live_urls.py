"""Pages of the rooms' live part (issue 12): the live room page."""

from django.urls import URLPattern, URLResolver, path

from events import views_room_live

urlpatterns: list[URLPattern | URLResolver] = [
    path("rooms/<int:room_id>/", views_room_live.room_live, name="room-live"),
]
