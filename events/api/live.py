"""The rooms' live API (SPEC-events §5): apps publish their own events to a room's sockets."""

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import Throttled
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from events.api.platform import APP_AUTH
from events.scopes import AppOnly, AppScopes, app_principal
from events.services import live
from umbrella.api import InputSerializer
from umbrella.errors import ApplicationError


class AppEventInputSerializer(InputSerializer):
    event = serializers.CharField(
        max_length=80,
        help_text="`app:<your app_id>:<name>`, the name 1 to 40 of `a-z 0-9 _ . -` "
        "(e.g. `app:app_lottery_v1:countdown`).",
    )
    data = serializers.JSONField(  # type: ignore[assignment]
        required=False,
        default=dict,
        help_text=f"A JSON object of at most {live.DATA_MAX_BYTES} bytes; the platform adds "
        "`room_id` and `timestamp`.",
    )


class AppEventOutputSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="The event's name.")
    seq = serializers.IntegerField(help_text="Its sequence number in the room.")
    data = serializers.DictField(  # type: ignore[assignment]
        help_text="As sockets receive it (with room_id and timestamp)."
    )


class RoomAppEventsApi(APIView):
    app_endpoint = "rooms.events"
    permission_classes = [AppOnly, AppScopes]

    @extend_schema(
        operation_id="rooms_events_publish",
        summary="Publish an app event to a room",
        description="Sends `event` to every socket subscribed to the room (and to the room's "
        "event log, for reconnecting clients). For the room's own app, scope `realtime:publish` "
        "(a system call, or acting for a member of the room). At most "
        f"{live.RATE_PER_SECOND} a second per room: then `429 throttled` with `Retry-After`. "
        "Another app's room is `404`.",
        auth=APP_AUTH,  # type: ignore[arg-type]
        parameters=[
            OpenApiParameter("room_id", int, OpenApiParameter.PATH, description="The room's id.")
        ],
        request=AppEventInputSerializer,
        responses={201: AppEventOutputSerializer},
    )
    def post(self, request: Request, room_id: int) -> Response:
        serializer = AppEventInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        principal = app_principal(request)
        assert principal is not None  # noqa: S101 (AppOnly)
        try:
            event = live.app_event_publish(
                app=principal.app,
                room_id=room_id,
                event=serializer.validated_data["event"],
                data=serializer.validated_data["data"],
                by=principal.acting_for,
            )
        except ApplicationError as error:
            if error.code == "throttled":
                raise Throttled(wait=error.details["retry_after_seconds"]) from error
            raise
        body: dict[str, Any] = {"type": event.type, "seq": event.seq, "data": event.data}
        return Response(body, status=status.HTTP_201_CREATED)
