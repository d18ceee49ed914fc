"""Pages of the rooms' pages part (issue 12): the rooms list, creating a room and the
organizer's manage page with its actions (events/views_rooms_manage.py)."""

from django.urls import URLPattern, URLResolver, path

from events import views_rooms_manage as views

MANAGE = "rooms/<int:room_id>/manage/"

urlpatterns: list[URLPattern | URLResolver] = [
    path("rooms/", views.rooms, name="rooms"),
    path("rooms/new/", views.room_new, name="room-new"),
    path("rooms/new/settings/", views.room_new_settings, name="room-new-settings"),
    path(MANAGE, views.room_manage, name="room-manage"),
    path(f"{MANAGE}status/", views.room_transition, name="room-manage-status"),
    path(f"{MANAGE}delete/", views.room_delete, name="room-manage-delete"),
    path(f"{MANAGE}upgrade/", views.room_upgrade, name="room-manage-upgrade"),
    path(f"{MANAGE}prizes/", views.prize_add, name="room-prize-add"),
    path(f"{MANAGE}prizes/<int:prize_id>/", views.prize_edit, name="room-prize-edit"),
    path(f"{MANAGE}prizes/<int:prize_id>/delete/", views.prize_delete, name="room-prize-delete"),
    path(
        f"{MANAGE}participants/<int:participant_id>/role/",
        views.participant_role,
        name="room-participant-role",
    ),
    path(
        f"{MANAGE}participants/<int:participant_id>/approve/",
        views.participant_approve,
        name="room-participant-approve",
    ),
    path(
        f"{MANAGE}participants/<int:participant_id>/remove/",
        views.participant_remove,
        name="room-participant-remove",
    ),
    path(f"{MANAGE}winners/", views.winner_pick, name="room-winner-pick"),
    path(
        f"{MANAGE}winners/<int:winner_id>/revoke/",
        views.winner_revoke,
        name="room-winner-revoke",
    ),
]
