"""Routes of the room API's quiz part (issue 12), under /api/v1/ (events/api/quiz.py)."""

from django.urls import URLPattern, URLResolver, path

from events.api import quiz

urlpatterns: list[URLPattern | URLResolver] = [
    path("rooms/<int:room_id>/quiz", quiz.RoomQuizApi.as_view(), name="api-room-quiz"),
]
