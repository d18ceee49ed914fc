"""The rooms API (SPEC-events §6): create and list rooms, read, change and delete one, move it
through its statuses and upgrade its manifest version. Thin: input serializer → service
(events.services.rooms) → output serializer; reads come from events.selectors_rooms.

Who (events.policy, SPEC-events §2): anyone, signed in or not, reads public rooms; members
read private ones (anyone else gets ``404 not_found``); any signed-in user creates a room;
the organizer (room admin, staff) changes, deletes and upgrades it. Apps call these endpoints
with ``rooms:read`` / ``rooms:write`` (events.scopes.APP_ENDPOINTS): acting for a user, the
user's role decides; in a system call (no user) an app reads public rooms and its own rooms,
and manages its own rooms only; the rooms it creates are its owner's.

Status transitions: ``PATCH {"status": …}`` (with or without other fields, one transaction)
or ``POST /rooms/{id}/activate|complete|cancel`` (the project's action style, as
``POST /gigs/{id}/cancel``). Both run the same service.
"""

from typing import Any

from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from accounts.permissions import OnboardingComplete
from events import policy
from events import selectors_rooms as selectors
from events.models import (
    ROOM_DESCRIPTION_MAX,
    ROOM_NAME_MAX,
    App,
    Room,
    RoomStatus,
)
from events.scopes import AppScopes, UserOrApp, app_principal
from events.services import rooms as services
from umbrella.api import InputSerializer, QuerySerializer
from umbrella.pagination import CursorPagination
from umbrella.schema import raises

ROOM_ID = OpenApiParameter("room_id", int, OpenApiParameter.PATH, description="The room's `id`.")


# --- shapes -----------------------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.OBJECT)
class SettingsField(serializers.JSONField):
    """Room settings: a JSON object valid against the app's manifest ``settings`` schema."""

    def to_internal_value(self, data: Any) -> Any:
        value = super().to_internal_value(data)
        if not isinstance(value, dict):
            raise serializers.ValidationError("Must be a JSON object.")
        return value


class StatusField(serializers.ChoiceField):
    """A room status, in any case (stored lower-case)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=RoomStatus.choices, **kwargs)

    def to_internal_value(self, data: Any) -> Any:
        return super().to_internal_value(data.lower() if isinstance(data, str) else data)


class StatusListField(serializers.Field):
    """``status=active`` or ``status=draft,active`` (any case)."""

    def to_internal_value(self, data: Any) -> list[str]:
        values = [v.strip().lower() for v in str(data).split(",") if v.strip()]
        unknown = [v for v in values if v not in RoomStatus.values]
        if unknown:
            raise serializers.ValidationError(
                f"Unknown status {', '.join(unknown)}: one or more of "
                f"{', '.join(RoomStatus.values)}, comma-separated."
            )
        return values

    def to_representation(self, value: Any) -> Any:
        return ",".join(value)


@extend_schema_field(OpenApiTypes.STR)
class _StatusListSchema(StatusListField):
    pass


class RoomListQuerySerializer(QuerySerializer):
    """The list's filters (the paginator reads ``cursor`` and ``page_size``)."""

    status = _StatusListSchema(
        required=False, help_text="One status or several, comma-separated (any case)."
    )
    app = serializers.CharField(required=False, max_length=64, help_text="An app id.")
    is_public = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="Only public (or private) rooms."
    )
    created_by = serializers.IntegerField(required=False, min_value=1, help_text="A user id.")
    gig = serializers.IntegerField(required=False, min_value=1, help_text="A gig id.")


class RoomCreateInputSerializer(InputSerializer):
    name = serializers.CharField(max_length=ROOM_NAME_MAX)
    description = serializers.CharField(
        max_length=ROOM_DESCRIPTION_MAX, required=False, allow_blank=True, default=""
    )
    app = serializers.CharField(
        max_length=64,
        required=False,
        help_text="The app id (`app_lottery`). Required for people; an app creates rooms "
        "of its own only and may leave it out.",
    )
    app_settings = SettingsField(
        required=False,
        default=dict,
        help_text="Valid against the `settings` schema of the app's current manifest; "
        "missing top-level settings take their schema default.",
    )
    is_public = serializers.BooleanField(required=False, default=True)
    gig = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="A gig of your venue (a room for a live show); only its venue may link it.",
    )


class RoomUpdateInputSerializer(InputSerializer):
    name = serializers.CharField(max_length=ROOM_NAME_MAX, required=False)
    description = serializers.CharField(
        max_length=ROOM_DESCRIPTION_MAX, required=False, allow_blank=True
    )
    is_public = serializers.BooleanField(required=False)
    app_settings = SettingsField(
        required=False,
        help_text="The whole settings, validated against the room's locked manifest version.",
    )
    gig = serializers.IntegerField(
        required=False, allow_null=True, help_text="A gig of your venue, or null to unlink."
    )
    status = StatusField(
        required=False,
        help_text="Run a transition after the other changes: `active` (from draft), "
        "`completed` (from active), `cancelled` (from draft or active).",
    )


class UpgradeManifestInputSerializer(InputSerializer):
    target_version = serializers.CharField(max_length=64)
    migration_data = SettingsField(
        required=False,
        allow_null=True,
        default=None,
        help_text="A JSON merge patch over the room's settings (null removes a setting): what "
        "a `409 migration_required` listed, or the whole new settings.",
    )


class RoomSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField()
    app = serializers.CharField(source="app.app_id", help_text="The app id.")
    app_name = serializers.CharField(source="app.name")
    app_manifest_version = serializers.CharField(
        source="app_manifest_version.version", help_text="The version the room is locked to."
    )
    status = serializers.ChoiceField(choices=RoomStatus.choices)
    is_public = serializers.BooleanField()
    gig = serializers.IntegerField(source="gig_id", allow_null=True)
    created_by = serializers.IntegerField(source="created_by_id")
    my_role = serializers.SerializerMethodField(
        help_text="Your role in the room (null: not a member)."
    )
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def get_my_role(self, room: Room) -> str | None:
        user = self.context.get("user")
        if user is None:
            return None
        return policy.role_of(user, room)


_STAMP = serializers.DateTimeField()


def _stamp(value: Any) -> Any:
    """A datetime as the API writes it; the SQL statement writes the same text itself."""
    return value if isinstance(value, str) else _STAMP.to_representation(value)


def room_card(row: dict[str, Any]) -> dict[str, Any]:
    """A list row (``selectors.room_card_rows``) in :class:`RoomSerializer`'s shape, built
    directly: the list is the rooms' hot read (bench/rooms.py)."""
    return {
        "id": row["id"],
        "name": row["name"],
        "description": row["description"],
        "app": row["app_key"],
        "app_name": row["app_name"],
        "app_manifest_version": row["version"],
        "status": row["status"],
        "is_public": row["is_public"],
        "gig": row["gig_id"],
        "created_by": row["created_by_id"],
        "my_role": row["my_role"],
        "created_at": _stamp(row["created_at"]),
        "updated_at": _stamp(row["updated_at"]),
    }


class RoomDetailSerializer(RoomSerializer):
    app_settings = serializers.SerializerMethodField(
        help_text="The settings; what the schema marks `writeOnly` only for those who may "
        "change the room."
    )

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_app_settings(self, room: Room) -> Any:
        return selectors.room_settings_for(
            self.context.get("user"), room, app=self.context.get("system_app")
        )


class UpgradeManifestOutputSerializer(serializers.Serializer):
    old_version = serializers.CharField()
    new_version = serializers.CharField()
    strategy = serializers.ChoiceField(choices=["automatic", "assisted"])
    room = RoomDetailSerializer()


# --- who calls --------------------------------------------------------------------------------


class _AnyoneReadsScopedApps(AppScopes, AllowAny):
    """Reads: anyone (the policy hides private rooms); an app needs ``rooms:read``."""


def _actor(request: Request) -> tuple[User | None, App | None]:
    """The person acting (None for nobody or an app's system call) and the calling app."""
    principal = app_principal(request)
    user = request.user if request.user and request.user.is_authenticated else None
    return user, (principal.app if principal is not None else None)  # type: ignore[return-value]


def _viewer(request: Request) -> Any:
    return request.user


def _room(request: Request, room_id: Any, *, write: bool = False) -> Room:
    """The room as the caller may see it (``404`` otherwise). A system call reaches its own
    app's rooms, and reads public ones."""
    user, app = _actor(request)
    if user is None and app is not None:
        return selectors.room_get_as_app(room_id, app, write=write)
    return selectors.room_get(room_id, request.user)


def _detail(request: Request, room: Room) -> dict[str, Any]:
    user, app = _actor(request)
    system_app = app if user is None else None  # an app acting for a person sees what they see
    context = {"user": _viewer(request), "system_app": system_app}
    return dict(RoomDetailSerializer(room, context=context).data)


class RoomPagination(CursorPagination):
    # Newest first by id (ids follow creation): one key, so the hand-written page statement
    # (selectors_rooms.rooms_page_source) and its cursor stay exact.
    ordering = ("-id",)  # type: ignore[assignment]  # DRF takes a tuple too


class _RoomsView(APIView):
    permission_classes = [UserOrApp, AppScopes, OnboardingComplete]

    def get_permissions(self) -> list[Any]:
        if getattr(self, "request", None) is not None and self.request.method in ("GET", "HEAD"):
            return [_AnyoneReadsScopedApps()]
        return list(super().get_permissions())


# --- views ------------------------------------------------------------------------------------


class RoomsApi(_RoomsView):
    app_endpoint = "rooms.list"
    pagination_class = RoomPagination

    @extend_schema(
        operation_id="rooms_list",
        summary="Rooms",
        description="Live rooms you may read, newest first: public rooms and the rooms you "
        "belong to (staff: all). Cursor-paginated. Settings are not in the list (read a room).",
        parameters=[RoomListQuerySerializer],
        responses=RoomSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        query = RoomListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        user, app = _actor(request)
        system_app = app if user is None else None
        rows = selectors.rooms_page_source(
            request.user, filters=query.validated_data, app=system_app
        )
        paginator = self.pagination_class()
        page: list[Any] = paginator.paginate_queryset(rows, request, view=self) or []
        return paginator.get_paginated_response([room_card(row) for row in page])

    @extend_schema(
        operation_id="rooms_create",
        summary="Create a room",
        description="A draft room of an app, its settings validated against the app's "
        "**current** manifest version, to which the room is then locked; you become its "
        "organizer. Settings errors are `400 validation_error` with `details` keyed by the "
        "settings path (`settings.questions[0].options`).",
        request=RoomCreateInputSerializer,
        responses={201: RoomDetailSerializer},
        extensions=raises("app_inactive"),
    )
    def post(self, request: Request) -> Response:
        serializer = RoomCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user, caller = _actor(request)
        app = selectors.app_for_room(data.get("app"), caller)
        room = services.room_create(
            by=user,
            app=app,
            name=data["name"],
            description=data["description"],
            app_settings=data["app_settings"],
            is_public=data["is_public"],
            gig_id=data["gig"],
            via_app=caller,
        )
        return Response(_detail(request, room), status=status.HTTP_201_CREATED)


class RoomApi(_RoomsView):
    app_endpoint = "rooms.detail"

    @extend_schema(
        operation_id="rooms_retrieve",
        summary="A room",
        description="A private room you don't belong to is `404 not_found`. Settings the "
        "manifest marks `writeOnly` (a quiz's correct answers) are left out unless you may "
        "change the room.",
        parameters=[ROOM_ID],
        responses=RoomDetailSerializer,
    )
    def get(self, request: Request, room_id: int) -> Response:
        return Response(_detail(request, _room(request, room_id)))

    @extend_schema(
        operation_id="rooms_update",
        summary="Change a room",
        description="Name, description, visibility, gig, settings (validated against the "
        "room's **locked** version, replaced whole) and `status` (a transition, run after the "
        "other changes in the same transaction; a refused one changes nothing). Organizer "
        "(room admin, staff).",
        parameters=[ROOM_ID],
        request=RoomUpdateInputSerializer,
        responses=RoomDetailSerializer,
        extensions=raises("invalid_transition"),
    )
    def patch(self, request: Request, room_id: int) -> Response:
        serializer = RoomUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        user, caller = _actor(request)
        room = _room(request, room_id, write=True)
        new_status = data.pop("status", None)
        if "gig" in data:
            data["gig_id"] = data.pop("gig")
        with transaction.atomic():
            room = services.room_update(room=room, by=user, via_app=caller, **data)
            if new_status is not None:
                room = services.room_set_status(
                    room=room, by=user, status=new_status, via_app=caller
                )
        return Response(_detail(request, room))

    @extend_schema(
        operation_id="rooms_destroy",
        summary="Delete a room",
        description="Soft delete: the room leaves every list and read; `room:deleted` is "
        "sent to its sockets. Organizer (room admin, staff).",
        parameters=[ROOM_ID],
        responses={204: None},
    )
    def delete(self, request: Request, room_id: int) -> Response:
        user, caller = _actor(request)
        room = _room(request, room_id, write=True)
        services.room_delete(room=room, by=user, via_app=caller)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RoomUpgradeManifestApi(_RoomsView):
    app_endpoint = "rooms.upgrade_manifest"

    @extend_schema(
        operation_id="rooms_upgrade_manifest",
        summary="Move a room to a newer manifest version",
        description="The room's settings, over the target schema's defaults, with "
        "`migration_data` merged in (JSON merge patch), must validate against the target "
        "version: then the room moves (`strategy`: `automatic` without migration data, "
        "`assisted` with it). Otherwise `409 migration_required`: `details.missing` (required "
        "settings absent) and `details.fields` (every problem by settings path); nothing "
        "changes. A lower or equal target is `409 version_not_higher`; a completed or "
        "cancelled room `409 invalid_transition`.",
        parameters=[ROOM_ID],
        request=UpgradeManifestInputSerializer,
        responses=UpgradeManifestOutputSerializer,
        extensions=raises("migration_required", "version_not_higher", "invalid_transition"),
    )
    def post(self, request: Request, room_id: int) -> Response:
        serializer = UpgradeManifestInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user, caller = _actor(request)
        room = _room(request, room_id, write=True)
        result = services.room_upgrade_manifest(
            room=room, by=user, via_app=caller, **serializer.validated_data
        )
        return Response(
            {
                "old_version": result["old_version"],
                "new_version": result["new_version"],
                "strategy": result["strategy"],
                "room": _detail(request, result["room"]),
            }
        )


class _RoomTransitionApi(_RoomsView):
    to: str = ""

    def post(self, request: Request, room_id: int) -> Response:
        user, caller = _actor(request)
        room = _room(request, room_id, write=True)
        room = services.room_set_status(room=room, by=user, status=self.to, via_app=caller)
        return Response(_detail(request, room))


def _transition_schema(to: str, verb: str, sources: str) -> Any:
    return extend_schema(
        operation_id=f"rooms_{verb}",
        summary=f"{verb.capitalize()} a room",
        description=f'{sources} → {to}, as `PATCH {{"status": "{to}"}}`. Organizer '
        "(room admin, staff). Any other starting status is `409 invalid_transition` "
        "(`details.from`, `details.allowed`)."
        + (
            " The draw commitment is made and published in the same transaction, before "
            "anyone can join."
            if to == RoomStatus.ACTIVE
            else ""
        ),
        parameters=[ROOM_ID],
        request=None,
        responses=RoomDetailSerializer,
        extensions=raises("invalid_transition"),
    )


class RoomActivateApi(_RoomTransitionApi):
    app_endpoint = "rooms.activate"
    to = RoomStatus.ACTIVE

    @_transition_schema(RoomStatus.ACTIVE, "activate", "draft")
    def post(self, request: Request, room_id: int) -> Response:
        return super().post(request, room_id)


class RoomCompleteApi(_RoomTransitionApi):
    app_endpoint = "rooms.complete"
    to = RoomStatus.COMPLETED

    @_transition_schema(RoomStatus.COMPLETED, "complete", "active")
    def post(self, request: Request, room_id: int) -> Response:
        return super().post(request, room_id)


class RoomCancelApi(_RoomTransitionApi):
    app_endpoint = "rooms.cancel"
    to = RoomStatus.CANCELLED

    @_transition_schema(RoomStatus.CANCELLED, "cancel", "draft or active")
    def post(self, request: Request, room_id: int) -> Response:
        return super().post(request, room_id)
