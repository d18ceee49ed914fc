"""A room's participants, prizes and winners (SPEC-events §6), under ``/api/v1/rooms/{id}/``.

Thin doors: input serializer → service (events.services.participants, .prizes, .winners) →
output serializer; reads come from events.selectors_members. The room is read with
:func:`events.selectors_rooms.room_get` (a private room is ``404`` to non-members).

Apps call these endpoints with the scopes of :data:`events.scopes.APP_ENDPOINTS`
(``participants:*``, ``prizes:*``, ``winners:*``). Acting for a user, the user's role applies
too. A **system call** (an app token alone) reaches only the rooms of that app (any other room
is ``404``) and acts with the app's scopes alone; to add someone to a room it names them
(``user_id``).
"""

from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import SAFE_METHODS, AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from accounts.permissions import OnboardingComplete
from events import selectors_members as selectors
from events.models import Participant, ParticipantStatus, Role, Room, WinnerMethod
from events.scopes import AppScopes, UserOrApp, app_principal
from events.selectors_rooms import fan_list_status, room_get
from events.services import participants as participant_services
from events.services import prizes as prize_services
from events.services import winners as winner_services
from umbrella.api import InputSerializer, QuerySerializer
from umbrella.errors import NotFoundError
from umbrella.pagination import PageNumberPagination
from umbrella.schema import raises

ROOM_ID = OpenApiParameter("room_id", int, OpenApiParameter.PATH, description="The room's `id`.")
PARTICIPANT_ID = OpenApiParameter(
    "participant_id", int, OpenApiParameter.PATH, description="The participant's `id`."
)
PRIZE_ID = OpenApiParameter("prize_id", int, OpenApiParameter.PATH, description="The prize's `id`.")
WINNER_ID = OpenApiParameter(
    "winner_id", int, OpenApiParameter.PATH, description="The winner's `id`."
)


# --- who calls, and the room ------------------------------------------------------------------


class PublicRead(AppScopes, AllowAny):
    """Reads are open to anyone who may read the room (anonymous too, for a public room); an
    app still needs the read scope of the endpoint."""


class MembersApi(APIView):
    permission_classes = [UserOrApp, OnboardingComplete, AppScopes]

    def get_permissions(self) -> list[Any]:
        request = getattr(self, "request", None)
        if request is not None and request.method in SAFE_METHODS:
            return [PublicRead()]
        return list(super().get_permissions())

    def actor(self, request: Request, room_id: Any) -> tuple[Room, User | None, bool]:
        """``(room, by, system)``: the room as the caller may see it, who acts (``None`` for
        an app's system call) and whether it is a system call."""
        principal = app_principal(request)
        if principal is not None and principal.acting_for is None:
            try:
                room = (
                    Room.objects.live()
                    .select_related("app", "app_manifest_version")
                    .get(pk=int(room_id), app_id=principal.app.pk)
                )
            except (Room.DoesNotExist, TypeError, ValueError, OverflowError):
                raise NotFoundError("not_found", "No such room.") from None
            return room, None, True
        room = room_get(room_id, request.user)
        user = request.user if request.user.is_authenticated else None
        return room, user, False  # type: ignore[return-value]

    def everything(self, request: Request, room: Room, system: bool) -> bool:
        return selectors.sees_everything(request.user, room, app=system)


def _paginated(view: APIView, request: Request, rows: Any, serializer: Any) -> Response:
    paginator = PageNumberPagination()  # the view's pagination_class, which the schema reads
    page: list[Any] = paginator.paginate_queryset(rows, request, view=view) or []
    return paginator.get_paginated_response(serializer(page))


# --- shapes -----------------------------------------------------------------------------------


class ParticipantSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    user_id = serializers.IntegerField()
    display_name = serializers.CharField(source="user.get_short_name")
    role = serializers.ChoiceField(choices=Role.choices)
    status = serializers.ChoiceField(choices=ParticipantStatus.choices)
    metadata = serializers.SerializerMethodField(
        help_text="Shown to those who manage participants (and the room's app); `null` to "
        "everyone else."
    )
    joined_at = serializers.DateTimeField()

    def get_metadata(self, row: Participant) -> dict[str, Any] | None:
        return row.metadata if self.context.get("everything") else None


class ParticipantQuerySerializer(QuerySerializer):
    role = serializers.ChoiceField(
        choices=Role.choices, required=False, help_text="Only this role (any case)."
    )
    status = serializers.ChoiceField(
        choices=ParticipantStatus.choices,
        required=False,
        help_text="Only this status (any case); `pending_approval` for managers.",
    )

    def to_internal_value(self, data: Any) -> Any:
        data = {k: (v.lower() if k in ("role", "status") else v) for k, v in data.items()}
        return super().to_internal_value(data)


class FanListStatusSerializer(serializers.Serializer):
    artist_id = serializers.IntegerField()
    artist_name = serializers.CharField()
    status = serializers.ChoiceField(
        choices=[("subscribed", "subscribed"), ("pending", "pending")],
        help_text="`subscribed`: on the artist's fan list. `pending`: the account's address is "
        "not verified, so a confirmation link was emailed first (the double opt-in).",
    )


class JoinedSerializer(ParticipantSerializer):
    fan_list = FanListStatusSerializer(
        allow_null=True,
        help_text="With `fan_list_opt_in`: where you stand on the room's artist's fan list; "
        "`null` otherwise.",
    )


class JoinInputSerializer(InputSerializer):
    metadata = serializers.DictField(
        required=False, help_text="What you join with (sent to the app's registration webhook)."
    )
    fan_list_opt_in = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Also get the news of the room's artist (its gig's booked artist, else its "
        "organizer if an artist): you are added to the artist's fan list, in the same step. "
        "Only for yourself; `409 no_fan_list` (and nobody joins) when the room has no artist "
        "with a fan list open for sign-ups.",
    )
    user_id = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="Add someone else: for managers of the room (`participants.manage`) and for "
        "an app's system call. Leave it out to join yourself.",
    )


class ParticipantUpdateInputSerializer(InputSerializer):
    role = serializers.CharField(
        required=False,
        max_length=20,
        help_text="`moderator`, `participant` or `viewer` (any case). Nobody can be made "
        "`organizer` or `admin` here (`403 role_not_grantable`).",
    )
    metadata = serializers.DictField(required=False)
    approve = serializers.BooleanField(
        required=False, help_text="`true` admits a person awaiting approval."
    )


class PrizeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    image = serializers.CharField(allow_blank=True)
    quantity = serializers.IntegerField()
    quantity_remaining = serializers.IntegerField()
    metadata = serializers.JSONField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class PrizeInputSerializer(InputSerializer):
    name = serializers.CharField(max_length=255)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    image = serializers.URLField(
        max_length=500, required=False, allow_blank=True, help_text="An https URL."
    )
    quantity = serializers.IntegerField(
        min_value=1, max_value=prize_services.QUANTITY_MAX, required=False, default=1
    )
    metadata = serializers.DictField(required=False)


class PrizeUpdateInputSerializer(PrizeInputSerializer):
    name = serializers.CharField(max_length=255, required=False)
    quantity = serializers.IntegerField(
        min_value=1,
        max_value=prize_services.QUANTITY_MAX,
        required=False,
        help_text="Units already given are kept: remaining = max(0, quantity - awarded).",
    )


class WinnerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    prize_id = serializers.IntegerField()
    prize_name = serializers.CharField(source="prize.name")
    participant_id = serializers.IntegerField()
    user_id = serializers.IntegerField(source="participant.user_id")
    display_name = serializers.CharField(source="participant.user.get_short_name")
    method = serializers.ChoiceField(choices=WinnerMethod.choices)
    draw_id = serializers.IntegerField(allow_null=True)
    metadata = serializers.JSONField()
    created_at = serializers.DateTimeField()
    revoked_at = serializers.DateTimeField(allow_null=True)


class WinnerQuerySerializer(QuerySerializer):
    prize_id = serializers.IntegerField(
        required=False, min_value=1, help_text="Only the winners of this prize."
    )
    include_revoked = serializers.BooleanField(
        required=False, default=False, help_text="`true`: revoked wins too."
    )


class PickInputSerializer(InputSerializer):
    prize_id = serializers.IntegerField(min_value=1)
    participant_id = serializers.IntegerField(min_value=1)


# --- participants -----------------------------------------------------------------------------


class ParticipantsApi(MembersApi):
    pagination_class = PageNumberPagination
    app_endpoint = "rooms.participants"

    @extend_schema(
        operation_id="rooms_participants_list",
        summary="A room's participants",
        description="Members who have not left, oldest first, paginated. Filters `role`, "
        "`status`. People awaiting approval and `metadata` are shown only to those who manage "
        "participants (and the room's app).",
        parameters=[ROOM_ID, ParticipantQuerySerializer],
        responses=ParticipantSerializer(many=True),
    )
    def get(self, request: Request, room_id: int) -> Response:
        query = ParticipantQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        room, _by, system = self.actor(request, room_id)
        everything = self.everything(request, room, system)
        rows = selectors.participants_of(room, everything=everything, **query.validated_data)
        return _paginated(
            self,
            request,
            rows,
            lambda page: (
                ParticipantSerializer(page, many=True, context={"everything": everything}).data
            ),
        )

    @extend_schema(
        operation_id="rooms_participants_join",
        summary="Join a room",
        description="Join an active room yourself (or, with `user_id`, add someone: managers "
        "and an app's system call). `201` new, `200` a left membership revived, `409 "
        "already_active` (or `already_pending`). If the room's app registers participants, it "
        "is asked first: it may refuse (`403 registration_refused` with its reason); if it "
        "does not answer properly the person joins as `pending_approval` and the organizers "
        "are asked to approve.",
        parameters=[ROOM_ID],
        request=JoinInputSerializer,
        responses={
            201: JoinedSerializer,
            200: OpenApiResponse(JoinedSerializer, description="A left membership revived."),
        },
        extensions=raises(
            "forbidden",
            "room_not_active",
            "already_active",
            "already_pending",
            "registration_refused",
            "no_fan_list",
        ),
    )
    def post(self, request: Request, room_id: int) -> Response:
        data = JoinInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        room, by, _system = self.actor(request, room_id)
        user = None
        if "user_id" in data.validated_data:
            user = User.objects.filter(pk=data.validated_data["user_id"]).first()
            if user is None:
                raise NotFoundError("not_found", "No such user.")
        opt_in = data.validated_data["fan_list_opt_in"]
        participant, created = participant_services.participant_join(
            room=room,
            by=by,
            user=user,
            metadata=data.validated_data.get("metadata"),
            fan_list_opt_in=opt_in,
        )
        body = {
            **ParticipantSerializer(participant, context={"everything": True}).data,
            "fan_list": fan_list_status(room, participant.user) if opt_in else None,
        }
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class ParticipantApi(MembersApi):
    app_endpoint = "rooms.participant"

    @extend_schema(
        operation_id="rooms_participants_retrieve",
        summary="A participant",
        parameters=[ROOM_ID, PARTICIPANT_ID],
        responses=ParticipantSerializer,
    )
    def get(self, request: Request, room_id: int, participant_id: int) -> Response:
        room, _by, system = self.actor(request, room_id)
        everything = self.everything(request, room, system)
        row = selectors.participant_of(room, participant_id, everything=everything)
        return Response(ParticipantSerializer(row, context={"everything": everything}).data)

    @extend_schema(
        operation_id="rooms_participants_update",
        summary="Change a member's role or metadata, or approve them",
        description="Organizers and moderators (`participants.manage`). Nobody is made "
        "`organizer` or `admin` here; a moderator can't change an organizer; the room keeps at "
        "least one organizer (`409 last_organizer`). `approve: true` admits a pending person "
        "(`409 not_pending` otherwise).",
        parameters=[ROOM_ID, PARTICIPANT_ID],
        request=ParticipantUpdateInputSerializer,
        responses=ParticipantSerializer,
        extensions=raises("forbidden", "role_not_grantable", "last_organizer", "not_pending"),
    )
    def patch(self, request: Request, room_id: int, participant_id: int) -> Response:
        data = ParticipantUpdateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        room, by, _system = self.actor(request, room_id)
        row = participant_services.participant_update(
            room=room,
            by=by,
            participant_id=participant_id,
            role=data.validated_data.get("role"),
            metadata=data.validated_data.get("metadata"),
            approve=data.validated_data.get("approve", False),
        )
        return Response(ParticipantSerializer(row, context={"everything": True}).data)

    @extend_schema(
        operation_id="rooms_participants_remove",
        summary="Remove a member",
        description="Organizers and moderators. The membership is ended (the person may join "
        "again); not the last organizer (`409 last_organizer`), and a moderator can't remove "
        "an organizer.",
        parameters=[ROOM_ID, PARTICIPANT_ID],
        responses={204: None},
        extensions=raises("forbidden", "last_organizer"),
    )
    def delete(self, request: Request, room_id: int, participant_id: int) -> Response:
        room, by, _system = self.actor(request, room_id)
        participant_services.participant_remove(room=room, by=by, participant_id=participant_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LeaveApi(MembersApi):
    permission_classes = [IsAuthenticated, OnboardingComplete]  # not open to apps

    @extend_schema(
        operation_id="rooms_participants_leave",
        summary="Leave a room",
        description="End your membership (join again later to revive it). An organizer "
        "can't leave (`403 forbidden`): the room keeps at least one organizer. A person "
        "awaiting approval withdraws their request this way.",
        parameters=[ROOM_ID],
        responses={204: None},
        extensions=raises("forbidden"),
    )
    def delete(self, request: Request, room_id: int) -> Response:
        room, by, _system = self.actor(request, room_id)
        assert by is not None  # noqa: S101 (apps may not call this endpoint)
        participant_services.participant_leave(room=room, by=by)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- prizes -----------------------------------------------------------------------------------


class PrizesApi(MembersApi):
    pagination_class = PageNumberPagination
    app_endpoint = "rooms.prizes"

    @extend_schema(
        operation_id="rooms_prizes_list",
        summary="A room's prizes",
        description="Live prizes, in the order they were made, paginated.",
        parameters=[ROOM_ID],
        responses=PrizeSerializer(many=True),
    )
    def get(self, request: Request, room_id: int) -> Response:
        room, _by, _system = self.actor(request, room_id)
        rows = selectors.prizes_of(room)
        return _paginated(self, request, rows, lambda p: PrizeSerializer(p, many=True).data)

    @extend_schema(
        operation_id="rooms_prizes_create",
        summary="Add a prize",
        description="Organizers and moderators (`prizes.manage`).",
        parameters=[ROOM_ID],
        request=PrizeInputSerializer,
        responses={201: PrizeSerializer},
        extensions=raises("forbidden"),
    )
    def post(self, request: Request, room_id: int) -> Response:
        data = PrizeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        room, by, _system = self.actor(request, room_id)
        prize = prize_services.prize_create(room=room, by=by, **data.validated_data)
        return Response(PrizeSerializer(prize).data, status=status.HTTP_201_CREATED)


class PrizeApi(MembersApi):
    app_endpoint = "rooms.prize"

    @extend_schema(
        operation_id="rooms_prizes_retrieve",
        summary="A prize",
        parameters=[ROOM_ID, PRIZE_ID],
        responses=PrizeSerializer,
    )
    def get(self, request: Request, room_id: int, prize_id: int) -> Response:
        room, _by, _system = self.actor(request, room_id)
        return Response(PrizeSerializer(selectors.prize_of(room, prize_id)).data)

    @extend_schema(
        operation_id="rooms_prizes_update",
        summary="Change a prize",
        description="Organizers and moderators. A new `quantity` keeps the units already "
        "given: remaining = max(0, quantity - awarded).",
        parameters=[ROOM_ID, PRIZE_ID],
        request=PrizeUpdateInputSerializer,
        responses=PrizeSerializer,
        extensions=raises("forbidden"),
    )
    def patch(self, request: Request, room_id: int, prize_id: int) -> Response:
        data = PrizeUpdateInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        room, by, _system = self.actor(request, room_id)
        changes = {k: v for k, v in data.validated_data.items() if k in request.data}
        prize = prize_services.prize_update(room=room, by=by, prize_id=prize_id, **changes)
        return Response(PrizeSerializer(prize).data)

    @extend_schema(
        operation_id="rooms_prizes_delete",
        summary="Delete a prize",
        description="Organizers and moderators. A prize with winners or draws stays in the "
        "record (soft-deleted); it no longer appears in the lists.",
        parameters=[ROOM_ID, PRIZE_ID],
        responses={204: None},
        extensions=raises("forbidden"),
    )
    def delete(self, request: Request, room_id: int, prize_id: int) -> Response:
        room, by, _system = self.actor(request, room_id)
        prize_services.prize_delete(room=room, by=by, prize_id=prize_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- winners ----------------------------------------------------------------------------------


class WinnersApi(MembersApi):
    pagination_class = PageNumberPagination
    app_endpoint = "rooms.winners"

    @extend_schema(
        operation_id="rooms_winners_list",
        summary="A room's winners",
        description="Winners, oldest first, paginated; filter `prize_id`; revoked ones with "
        "`include_revoked=true`.",
        parameters=[ROOM_ID, WinnerQuerySerializer],
        responses=WinnerSerializer(many=True),
    )
    def get(self, request: Request, room_id: int) -> Response:
        query = WinnerQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        room, _by, _system = self.actor(request, room_id)
        rows = selectors.winners_of(room, **query.validated_data)
        return _paginated(self, request, rows, lambda p: WinnerSerializer(p, many=True).data)

    @extend_schema(
        operation_id="rooms_winners_pick",
        summary="Pick a winner",
        description="Organizers and moderators (`winners.draw`): one unit of the prize to one "
        "participant (role `participant`, active). `409 duplicate` if they already hold a unit "
        "of it, `409 prize_exhausted` if none is left, `400 not_eligible` for anyone else.",
        parameters=[ROOM_ID],
        request=PickInputSerializer,
        responses={201: WinnerSerializer},
        extensions=raises("forbidden", "duplicate", "prize_exhausted", "not_eligible"),
    )
    def post(self, request: Request, room_id: int) -> Response:
        data = PickInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        room, by, _system = self.actor(request, room_id)
        winner = winner_services.winner_pick(room=room, by=by, **data.validated_data)
        row = selectors.winners_of(room, include_revoked=True).get(pk=winner.pk)
        return Response(WinnerSerializer(row).data, status=status.HTTP_201_CREATED)


class WinnerApi(MembersApi):
    app_endpoint = "rooms.winner"

    @extend_schema(
        operation_id="rooms_winners_revoke",
        summary="Revoke a winner",
        description="Organizers (`winners.revoke`). The unit goes back to the prize.",
        parameters=[ROOM_ID, WINNER_ID],
        responses={204: None},
        extensions=raises("forbidden", "already_revoked"),
    )
    def delete(self, request: Request, room_id: int, winner_id: int) -> Response:
        room, by, _system = self.actor(request, room_id)
        winner_services.winner_revoke(room=room, by=by, winner_id=winner_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
