"""The draws of a room (SPEC-events §6, docs/draws.md): ``POST /rooms/{id}/draw``,
``GET /rooms/{id}/draws/`` and ``GET /rooms/{id}/draws/{number}``.

A draw is named by its **number** k in its room (1, 2, 3…: the chain element it revealed is
c_(N-k)); that number is also the ``draw_id`` the app's ``winner_selection`` webhook receives.
Reads are for whoever may read the room (anyone, for a public room). Apps: ``winners:write``
draws (a system call only in the app's own rooms), ``rooms:read`` reads. Thin: input
serializer, service or selector, output serializer.
"""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import OnboardingComplete
from events import notifications
from events.models import Draw, DrawCommitment, Room, WinnerMethod
from events.scopes import AppScopes, UserOrApp, app_principal
from events.selectors_rooms import room_get
from events.services import draws as services
from events.services.winners import winner_data
from umbrella.api import InputSerializer, iso_timestamp
from umbrella.errors import NotFoundError
from umbrella.pagination import PageNumberPagination
from umbrella.schema import raises

# A person (token or session), an app alone (system call) or an app acting for a person; reads
# also anonymously (``{}``: a public room's draws).
PEOPLE_AND_APPS: list[dict[str, list[str]]] = [
    {"accessToken": []},
    {"sessionCookie": []},
    {"appToken": []},
    {"accessToken": [], "actingAppToken": []},
]
ANYONE_AND_APPS: list[dict[str, list[str]]] = [*PEOPLE_AND_APPS, {}]

ROOM_ID = OpenApiParameter("room_id", int, OpenApiParameter.PATH, description="The room's `id`.")
NUMBER = OpenApiParameter(
    "number", int, OpenApiParameter.PATH, description="The draw's number k in the room (1, 2…)."
)


def room_for(request: Request, room_id: Any) -> Room:
    """The room a request may see: an app's system call sees its own live rooms; a person (or an
    app acting for one) the rooms they may read. Anything else is ``404 not_found``."""
    principal = app_principal(request)
    if principal is not None and principal.acting_for is None:
        try:
            return (
                Room.objects.live()
                .select_related("app", "app_manifest_version")
                .get(pk=int(room_id), app=principal.app)
            )
        except (Room.DoesNotExist, TypeError, ValueError, OverflowError):
            raise NotFoundError("not_found", "No such room.") from None
    return room_get(room_id, request.user)


# --- shapes -----------------------------------------------------------------------------------


class DrawInputSerializer(InputSerializer):
    prize_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        min_length=1,
        max_length=services.MAX_PRIZES_PER_REQUEST,
        help_text="The prizes to draw, each a draw of its own (ascending id order).",
    )
    count = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=10_000,
        help_text="Winners per prize. Default: every unit left, at most one per eligible entrant.",
    )


class WinnerOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    prize_id = serializers.IntegerField()
    participant_id = serializers.IntegerField()
    method = serializers.ChoiceField(choices=WinnerMethod.choices)
    draw_id = serializers.IntegerField(allow_null=True, help_text="The draw's number.")


class DrawCardSerializer(serializers.Serializer):
    """A draw without its entrant list."""

    number = serializers.IntegerField(help_text="k: the draw revealed c_(N-k).")
    room_id = serializers.IntegerField()
    prize_id = serializers.IntegerField()
    count = serializers.IntegerField(help_text="Winners asked for.")
    method = serializers.ChoiceField(
        choices=WinnerMethod.choices,
        help_text="`app` (the app's answer) or `fallback_random` (the verifiable draw).",
    )
    fallback_used = serializers.BooleanField(
        help_text="The app failed (error, timeout, invalid answer, open breaker): the "
        "platform drew."
    )
    commitment = serializers.CharField(help_text="c_N, hex, published at activation.")
    chain_length = serializers.IntegerField(help_text="N.")
    revealed = serializers.CharField(help_text="c_(N-k), hex, revealed by this draw.")
    entrants_hash = serializers.CharField(help_text="SHA-256 of the sorted entrant ids, hex.")
    result = serializers.ListField(
        child=serializers.IntegerField(), help_text="The winning participant ids, in draw order."
    )
    created_at = serializers.DateTimeField()
    verify_url = serializers.CharField(help_text="The public verification page.")


class DrawDetailSerializer(DrawCardSerializer):
    entrants_count = serializers.IntegerField()
    entrants = serializers.ListField(
        child=serializers.IntegerField(), help_text="The frozen entrants: participant ids, sorted."
    )


class DrawMadeSerializer(serializers.Serializer):
    fallback_used = serializers.BooleanField(help_text="True if the platform drew for any prize.")
    draw_ids = serializers.ListField(
        child=serializers.IntegerField(), help_text="The numbers of the draws made, one per prize."
    )
    draws = DrawCardSerializer(many=True)
    winners = WinnerOutSerializer(many=True)


def draw_card(draw: Draw, commitment: DrawCommitment) -> dict[str, Any]:
    return {
        "number": draw.number,
        "room_id": draw.room_id,
        "prize_id": draw.prize_id,
        "count": draw.count,
        "method": draw.method,
        "fallback_used": draw.fallback_used,
        "commitment": commitment.commitment,
        "chain_length": commitment.chain_length,
        "revealed": draw.revealed,
        "entrants_hash": draw.entrants_hash,
        "result": list(draw.result),
        "created_at": iso_timestamp(draw.created_at),
        "verify_url": notifications.draw_verify_path(draw.room_id, draw.number),
    }


def _winner(data: dict[str, Any], numbers: dict[int, int]) -> dict[str, Any]:
    return {**data, "draw_id": numbers.get(data["draw_id"]) if data["draw_id"] else None}


# --- views ------------------------------------------------------------------------------------


class RoomDrawApi(APIView):
    app_endpoint = "rooms.draw"
    permission_classes = [UserOrApp, OnboardingComplete, AppScopes]

    @extend_schema(
        operation_id="rooms_draw",
        summary="Draw winners",
        description="One draw per prize (docs/draws.md). When the room's app declares "
        "`winner_selection` it is asked first (5 s); its answer is checked and used, or, on "
        "failure, timeout, invalid answer or open breaker, the platform's verifiable draw picks "
        "the winners (`fallback_used: true`, the organizers are told). Each draw reveals its "
        "chain element at once. Organizers, moderators, room admins and staff; apps with "
        "`winners:write`.",
        auth=PEOPLE_AND_APPS,  # type: ignore[arg-type]
        parameters=[ROOM_ID],
        request=DrawInputSerializer,
        responses={201: DrawMadeSerializer},
        extensions=raises(
            "forbidden",
            "room_not_active",
            "draws_exhausted",
            "prize_exhausted",
            "not_enough_entrants",
        ),
    )
    def post(self, request: Request, room_id: int) -> Response:
        room = room_for(request, room_id)
        data = DrawInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        by = request.user if request.user.is_authenticated else None
        made = services.room_draw(
            room=room,
            by=by,  # type: ignore[arg-type]
            prize_ids=data.validated_data["prize_ids"],
            count=data.validated_data.get("count"),
        )
        commitment = made.commitment or DrawCommitment.objects.get(room=room)
        numbers = {d.pk: d.number for d in made.draws}
        return Response(
            {
                "fallback_used": made.fallback_used,
                "draw_ids": [d.number for d in made.draws],
                "draws": [draw_card(d, commitment) for d in made.draws],
                "winners": [_winner(winner_data(w), numbers) for w in made.winners],
            },
            status=status.HTTP_201_CREATED,
        )


def _draws(room: Room) -> QuerySet[Draw]:
    return Draw.objects.filter(room=room).order_by("number")


class RoomDrawsApi(APIView):
    app_endpoint = "rooms.draws"
    permission_classes = [AllowAny, AppScopes]
    pagination_class = PageNumberPagination

    @extend_schema(
        operation_id="rooms_draws_list",
        summary="A room's draws",
        description="Oldest first, without the entrant lists (see one draw for those). Anyone "
        "who may read the room; apps with `rooms:read`.",
        auth=ANYONE_AND_APPS,  # type: ignore[arg-type]
        parameters=[ROOM_ID],
        responses=DrawCardSerializer(many=True),
    )
    def get(self, request: Request, room_id: int) -> Response:
        room = room_for(request, room_id)
        commitment = DrawCommitment.objects.filter(room=room).first()
        paginator = self.pagination_class()
        rows = _draws(room).defer("entrants")
        page = paginator.paginate_queryset(rows, request, view=self) or []
        cards = [draw_card(draw, commitment) for draw in page] if commitment else []
        return paginator.get_paginated_response(cards)


class RoomDrawDetailApi(APIView):
    app_endpoint = "rooms.draw_detail"
    permission_classes = [AllowAny, AppScopes]

    @extend_schema(
        operation_id="rooms_draws_retrieve",
        summary="One draw, with what verifies it",
        description="The commitment c_N and chain length N, the draw's number k, the revealed "
        "element c_(N-k), the frozen entrants and their hash, the result and the method: "
        "everything docs/draws.md needs to recompute the winners. Anyone who may read the "
        "room; apps with `rooms:read`.",
        auth=ANYONE_AND_APPS,  # type: ignore[arg-type]
        parameters=[ROOM_ID, NUMBER],
        responses=DrawDetailSerializer,
    )
    def get(self, request: Request, room_id: int, number: int) -> Response:
        room = room_for(request, room_id)
        draw = _draws(room).filter(number=number).first()
        if draw is None:
            raise NotFoundError("not_found", "No such draw in this room.")
        commitment = DrawCommitment.objects.get(room=room)
        entrants = list(draw.entrants)
        return Response(
            {**draw_card(draw, commitment), "entrants_count": len(entrants), "entrants": entrants}
        )
