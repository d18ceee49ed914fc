"""Room pages served by events for other apps' pages: the gig page's room fragment.

The marketplace's gig page (a lower app) can't import events, so it loads this fragment with
htmx from events' own URL (docs/architecture.md, "layers"): the newest live room of the gig that
the visitor may read, or nothing at all.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from events import selectors_rooms as selectors
from events.models import Room


def _room_page(room: Room) -> str:
    """The live room page's address."""
    return reverse("room-live", args=[room.pk])


@require_GET
def gig_room_fragment(request: HttpRequest, gig_id: int) -> HttpResponse:
    room = selectors.gig_room(gig_id, request.user)
    if room is None:
        return HttpResponse("")
    context = {"room": room, "room_page": _room_page(room)}
    return render(request, "events/rooms/gig_room_fragment.html", context)
