"""Routes of the room API's members part (issue 12), under /api/v1/: participants, prizes,
winners (events/api/members.py)."""

from django.urls import URLPattern, URLResolver, path

from events.api import members

ROOM = "rooms/<int:room_id>/"

urlpatterns: list[URLPattern | URLResolver] = [
    # "me" before "<participant_id>" (an int converter would not take it anyway).
    path(f"{ROOM}participants/me", members.LeaveApi.as_view(), name="api-room-participants-me"),
    path(f"{ROOM}participants/", members.ParticipantsApi.as_view(), name="api-room-participants"),
    path(
        f"{ROOM}participants/<int:participant_id>",
        members.ParticipantApi.as_view(),
        name="api-room-participant",
    ),
    path(f"{ROOM}prizes/", members.PrizesApi.as_view(), name="api-room-prizes"),
    path(f"{ROOM}prizes/<int:prize_id>", members.PrizeApi.as_view(), name="api-room-prize"),
    path(f"{ROOM}winners/", members.WinnersApi.as_view(), name="api-room-winners"),
    path(f"{ROOM}winners/<int:winner_id>", members.WinnerApi.as_view(), name="api-room-winner"),
]
