"""The public verification page of a draw (docs/draws.md): ``/rooms/{id}/draws/{k}/``.

A thin door: the room by its read rule (a private room is 404 to outsiders), the draw by its
number, and the data embedded in the page; ``events/static/events/draw-verify.js`` then checks
everything in the visitor's browser with WebCrypto, without asking the server anything.
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from events.models import Draw, DrawCommitment
from events.selectors_rooms import room_get
from umbrella.errors import NotFoundError


def draw_verify(request: HttpRequest, room_id: int, number: int) -> HttpResponse:
    try:
        room = room_get(room_id, request.user)
    except NotFoundError:
        raise Http404("No such room.") from None
    draw = Draw.objects.filter(room=room, number=number).select_related("prize").first()
    commitment = DrawCommitment.objects.filter(room=room).first()
    if draw is None or commitment is None:
        raise Http404("No such draw.")
    data = {
        "room_id": room.pk,
        "number": draw.number,
        "prize_id": draw.prize_id,
        "commitment": commitment.commitment,
        "chain_length": commitment.chain_length,
        "revealed": draw.revealed,
        "entrants": list(draw.entrants),
        "entrants_hash": draw.entrants_hash,
        "count": draw.count,
        "result": list(draw.result),
        "method": draw.method,
    }
    return render(
        request,
        "events/draws/verify.html",
        {"room": room, "draw": draw, "commitment": commitment, "data": data},
    )
