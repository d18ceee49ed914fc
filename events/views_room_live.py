"""The live room page: ``/rooms/{id}/`` (issue 12, docs/rooms.md "Live room page").

Thin doors. The page is rendered from one consistent snapshot of the room
(:func:`events.selectors_room_live.room_live_state`: the room by its read rule, so a private
room is 404 to outsiders) with the sequence number the script subscribes from
(``events/static/events/room-live.js`` over ``/ws/rooms/``). Joining, leaving and drawing are
plain forms posting here, so they work without JavaScript; each calls the one service of its
change and comes back to the page with a message. With JavaScript, the draw goes through the
API and its result arrives for everyone at once as a live event.
"""

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts.selectors import request_user
from events.models import ParticipantStatus, Room
from events.selectors_room_live import room_live_state
from events.selectors_rooms import room_get
from events.services import draws as draw_services
from events.services import participants as participant_services
from umbrella.errors import ApplicationError, NotFoundError


@require_GET
def room_live(request: HttpRequest, room_id: int) -> HttpResponse:
    try:
        state = room_live_state(room_id, request.user)
    except NotFoundError:
        raise Http404("No such room.") from None
    return render(
        request,
        "events/rooms/live.html",
        {"room": state.room, "state": state, "data": state.data()},
    )


def _back(room_id: int) -> HttpResponse:
    return redirect("room-live", room_id=room_id)


def _room(request: HttpRequest, room_id: int) -> Room:
    try:
        return room_get(room_id, request.user)
    except NotFoundError:
        raise Http404("No such room.") from None


def _signed_in(request: HttpRequest, room_id: int) -> HttpResponse | None:
    """Anonymous visitors are sent to sign in, then back to the room's page (not to this
    POST-only address)."""
    if request.user.is_authenticated:
        return None
    return redirect_to_login(reverse("room-live", kwargs={"room_id": room_id}))


def _live_form(
    act: Callable[[HttpRequest, Room], tuple[int, str]],
) -> Callable[[HttpRequest, int], HttpResponse]:
    """One of the live page's forms: sign in first (then back to the room's page), the room by
    its read rule (404 to outsiders), then ``act``, which calls the one service of its change and
    says how it went (a message level and text); a refusal is shown as an error. Either way the
    visitor comes back to the room's page."""

    @require_POST
    @wraps(act)
    def view(request: HttpRequest, room_id: int) -> HttpResponse:
        if (sign_in := _signed_in(request, room_id)) is not None:
            return sign_in
        room = _room(request, room_id)
        try:
            level, text = act(request, room)
        except NotFoundError as error:
            if error.code == "not_found" and "prize_id" in error.details:  # the form's field
                messages.error(request, error.message)
                return _back(room.pk)
            raise Http404("No such room.") from None
        except ApplicationError as error:
            messages.error(request, error.message)
            return _back(room.pk)
        messages.add_message(request, level, text)
        return _back(room.pk)

    return view


@_live_form
def room_join(request: HttpRequest, room: Room) -> tuple[int, str]:
    row, _created = participant_services.participant_join(room=room, by=request_user(request))
    if row.status == ParticipantStatus.PENDING_APPROVAL:
        return messages.INFO, "You asked to join. An organizer has to approve you."
    return messages.SUCCESS, f"You joined {room.name}."


@_live_form
def room_leave(request: HttpRequest, room: Room) -> tuple[int, str]:
    row = participant_services.participant_leave(room=room, by=request_user(request))
    if row.status == ParticipantStatus.PENDING_APPROVAL:
        return messages.SUCCESS, "You withdrew your request to join."
    return messages.SUCCESS, f"You left {room.name}."


@_live_form
def room_draw(request: HttpRequest, room: Room) -> tuple[int, str]:
    made = draw_services.room_draw(
        room=room, by=request_user(request), prize_ids=[request.POST.get("prize_id", "")]
    )
    numbers = ", ".join(f"#{d.number}" for d in made.draws)
    return messages.SUCCESS, f"Draw {numbers} made: the winners are below."
