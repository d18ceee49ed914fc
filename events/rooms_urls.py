"""Pages of the rooms' rooms part (issue 12)."""

from django.urls import URLPattern, URLResolver, include, path

from events import views_rooms

urlpatterns: list[URLPattern | URLResolver] = [
    # The gig page's room, loaded by marketplace/templates/marketplace/gig_detail.html (htmx).
    path("gigs/<int:gig_id>/room/", views_rooms.gig_room_fragment, name="gig-room-fragment"),
    # The live room page (events/views_room_live.py).
    path("", include("events.room_live_urls")),
    path("", include("events.rooms_manage_urls")),  # list, create, manage (views_rooms_manage)
]
