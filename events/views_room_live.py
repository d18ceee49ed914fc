"""The live room page: ``/rooms/{id}/`` (issue 12, docs/rooms.md).

A thin door: the room by its read rule (a private room is 404 to outsiders) and what the
visitor may do there (events.policy); the live part runs in the browser over ``/ws/rooms/``.
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from events import policy
from events.selectors_rooms import room_get
from umbrella.errors import NotFoundError


@require_GET
def room_live(request: HttpRequest, room_id: int) -> HttpResponse:
    try:
        room = room_get(room_id, request.user)
    except NotFoundError:
        raise Http404("No such room.") from None
    context = {
        "room": room,
        "role": policy.role_of(request.user, room),
        "can_update": policy.can(request.user, policy.ROOM_UPDATE, room),
    }
    return render(request, "events/rooms/live.html", context)
