"""The delivery log, the dead letters and the test event of an app
(``/api/v1/apps/{app_id}/deliveries``, ``…/dead-letters``, ``…/test-event``).

The app's owner and staff only; anyone else gets ``404 not_found``, as if the app did not exist.
Thin: query or input serializer, selector or service, output serializer.
"""

from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import request_user
from events import selectors_deliveries as selectors
from events.models import Outcome
from events.selectors_apps import app_managed
from events.services import deliveries as services
from umbrella.api import InputSerializer, QuerySerializer
from umbrella.pagination import CursorPagination, PageNumberPagination
from umbrella.schema import raises

APP_ID = OpenApiParameter("app_id", str, OpenApiParameter.PATH, description="The app's `app_id`.")
DELIVERY_ID = OpenApiParameter(
    "delivery_id", int, OpenApiParameter.PATH, description="The attempt's `id`."
)
DEAD_LETTER_ID = OpenApiParameter(
    "dead_letter_id", int, OpenApiParameter.PATH, description="The dead letter's `id`."
)


# --- shapes -----------------------------------------------------------------------------------


class DeliverySerializer(serializers.Serializer):
    """One attempt of one webhook message."""

    id = serializers.IntegerField()
    capability = serializers.CharField()
    event = serializers.CharField()
    webhook_id = serializers.CharField(help_text="The same on every attempt of a message.")
    attempt = serializers.IntegerField(help_text="1, 2, 3; a replay continues at 4.")
    url = serializers.CharField()
    status_code = serializers.IntegerField(allow_null=True)
    duration_ms = serializers.IntegerField()
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    error = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()


class DeliveryDetailSerializer(DeliverySerializer):
    request_headers = serializers.DictField(child=serializers.CharField())
    request_body = serializers.CharField(allow_blank=True, help_text="As signed and sent.")
    response_headers = serializers.DictField(child=serializers.CharField())
    response_body = serializers.CharField(allow_blank=True, help_text="Cut to the size cap.")


class DeliveryQuerySerializer(QuerySerializer):
    """The list's filters (the paginator reads ``cursor`` and ``page_size``)."""

    outcome = serializers.CharField(
        required=False, help_text="One of " + ", ".join(f"`{v}`" for v in Outcome.values) + "."
    )
    capability = serializers.CharField(
        required=False, max_length=40, help_text="Only this capability's webhook."
    )
    event = serializers.CharField(
        required=False, max_length=100, help_text="Only this event (e.g. `app.test`)."
    )
    webhook_id = serializers.CharField(
        required=False, max_length=64, help_text="Only the attempts of this message."
    )

    def validate_outcome(self, value: str) -> str:
        value = value.lower()  # enums are accepted in either case
        if value not in Outcome.values:
            raise serializers.ValidationError(
                f"“{value}” is not one of {', '.join(Outcome.values)}."
            )
        return value


class DeadLetterSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    capability = serializers.CharField()
    event = serializers.CharField()
    webhook_id = serializers.CharField(help_text="The message's id; a replay sends it again.")
    last_error = serializers.CharField(allow_blank=True)
    attempts = serializers.IntegerField(help_text="Attempts made so far, replays included.")
    failed_at = serializers.DateTimeField()
    requeued_at = serializers.DateTimeField(
        allow_null=True, help_text="Set while a replay is under way (null: not being replayed)."
    )


class DeadLetterDetailSerializer(DeadLetterSerializer):
    payload = serializers.JSONField(help_text="What was sent (the body's `data`).")


class BulkReplayInputSerializer(InputSerializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        allow_empty=False,
        max_length=services.BULK_REPLAY_MAX,
    )
    all = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("ids" in attrs) == bool(attrs.get("all")):
            raise serializers.ValidationError("Give either `ids` or `all: true`.")
        return attrs


class BulkReplaySerializer(serializers.Serializer):
    replayed = serializers.ListField(child=serializers.IntegerField())
    skipped = serializers.ListField(
        child=serializers.IntegerField(), help_text="Being replayed already: left alone."
    )
    remaining = serializers.IntegerField(
        help_text=f"`all` replays at most {services.BULK_REPLAY_MAX} per call: call again."
    )


class SendTestEventInputSerializer(InputSerializer):
    capability = serializers.CharField(
        required=False,
        max_length=40,
        help_text="Which webhook; default `notifications`, else the manifest's first webhook.",
    )


class SendTestEventResultSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    outcome = serializers.CharField(
        help_text="An attempt's outcome ("
        + ", ".join(f"`{v}`" for v in Outcome.values)
        + "), or why nothing was sent: `breaker_open`, `disabled` (after a 410), "
        "`not_configured`, `app_inactive` (then `delivery_id` is null)."
    )
    capability = serializers.CharField()
    status_code = serializers.IntegerField(allow_null=True)
    answer = serializers.JSONField(allow_null=True, help_text="The app's JSON answer, if any.")
    error = serializers.CharField(allow_blank=True)
    duration_ms = serializers.IntegerField()
    webhook_id = serializers.CharField()
    delivery_id = serializers.IntegerField(
        allow_null=True, help_text="The recorded attempt (`GET …/deliveries/{id}`)."
    )


# --- views ------------------------------------------------------------------------------------


class ByNewest(CursorPagination):
    ordering = ("-created_at", "-id")  # type: ignore[assignment]  # DRF takes a tuple too


def _one_page(
    view: APIView, request: Request, rows: Any, serializer: type[serializers.Serializer]
) -> Response:
    """One page of ``rows`` by the view's paginator, each row through ``serializer``."""
    paginator = view.pagination_class()  # type: ignore[attr-defined]
    page: list[Any] = paginator.paginate_queryset(rows, request, view=view) or []
    return paginator.get_paginated_response(serializer(page, many=True).data)  # type: ignore[no-any-return]


class DeliveriesApi(APIView):
    pagination_class = ByNewest

    @extend_schema(
        operation_id="apps_deliveries_list",
        summary="An app's webhook attempts",
        description="Every attempt (one row each; the attempts of one message share its "
        "`webhook_id`), newest first, paginated by cursor, kept 90 days. Filters: `outcome`, "
        "`capability`, `event`, `webhook_id`. The app's owner or staff.",
        parameters=[APP_ID, DeliveryQuerySerializer],
        responses=DeliverySerializer(many=True),
    )
    def get(self, request: Request, app_id: str) -> Response:
        query = DeliveryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        app = app_managed(app_id=app_id, user=request_user(request))
        rows = selectors.deliveries_of(app=app, **query.validated_data)
        return _one_page(self, request, rows, DeliverySerializer)


class DeliveryApi(APIView):
    @extend_schema(
        operation_id="apps_deliveries_retrieve",
        summary="One attempt, with its request and response",
        parameters=[APP_ID, DELIVERY_ID],
        responses=DeliveryDetailSerializer,
    )
    def get(self, request: Request, app_id: str, delivery_id: int) -> Response:
        app = app_managed(app_id=app_id, user=request_user(request))
        row = selectors.delivery_of(app=app, delivery_id=delivery_id)
        return Response(DeliveryDetailSerializer(row).data)


class DeadLettersApi(APIView):
    pagination_class = PageNumberPagination

    @extend_schema(
        operation_id="apps_dead_letters_list",
        summary="An app's dead letters",
        description="Messages that failed every attempt, latest failure first, paginated by "
        "page number (without payloads: read one for it).",
        parameters=[APP_ID],
        responses=DeadLetterSerializer(many=True),
    )
    def get(self, request: Request, app_id: str) -> Response:
        app = app_managed(app_id=app_id, user=request_user(request))
        return _one_page(self, request, selectors.dead_letters_of(app=app), DeadLetterSerializer)


class DeadLetterApi(APIView):
    @extend_schema(
        operation_id="apps_dead_letters_retrieve",
        summary="One dead letter, with its payload",
        parameters=[APP_ID, DEAD_LETTER_ID],
        responses=DeadLetterDetailSerializer,
    )
    def get(self, request: Request, app_id: str, dead_letter_id: int) -> Response:
        app = app_managed(app_id=app_id, user=request_user(request))
        row = selectors.dead_letter_of(app=app, dead_letter_id=dead_letter_id)
        return Response(DeadLetterDetailSerializer(row).data)

    @extend_schema(
        operation_id="apps_dead_letters_delete",
        summary="Delete a dead letter",
        description="It is not sent again; its attempts stay in the delivery log.",
        parameters=[APP_ID, DEAD_LETTER_ID],
        request=None,
        responses={204: OpenApiResponse(description="Deleted.")},
    )
    def delete(self, request: Request, app_id: str, dead_letter_id: int) -> Response:
        user = request_user(request)
        app = app_managed(app_id=app_id, user=user)
        row = selectors.dead_letter_of(app=app, dead_letter_id=dead_letter_id)
        services.dead_letter_delete(dead_letter_id=row.pk, by=user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DeadLetterReplayApi(APIView):
    @extend_schema(
        operation_id="apps_dead_letters_replay",
        summary="Send a dead letter again",
        description="Same `webhook-id`, 3 more attempts with backoff; `requeued_at` is set. "
        "Delivered, the dead letter is deleted; failed again, it comes back with the new error "
        "and `requeued_at` null. `409 already_requeued` while a replay is under way (15 min), "
        "`409 webhook_disabled` after a 410 until the webhook is re-enabled, `409 app_inactive` "
        "when the app is disabled.",
        parameters=[APP_ID, DEAD_LETTER_ID],
        request=None,
        responses={202: DeadLetterSerializer},
        extensions=raises("already_requeued", "webhook_disabled", "app_inactive"),
    )
    def post(self, request: Request, app_id: str, dead_letter_id: int) -> Response:
        user = request_user(request)
        app = app_managed(app_id=app_id, user=user)
        row = selectors.dead_letter_of(app=app, dead_letter_id=dead_letter_id)
        letter = services.dead_letter_replay(dead_letter_id=row.pk, by=user)
        return Response(DeadLetterSerializer(letter).data, status=status.HTTP_202_ACCEPTED)


class DeadLettersReplayApi(APIView):
    @extend_schema(
        operation_id="apps_dead_letters_replay_bulk",
        summary="Send several dead letters again",
        description="`{ids: [...]}` or `{all: true}` (the oldest "
        f"{services.BULK_REPLAY_MAX} per call; `remaining` says how many are left). All or "
        "nothing: an id that is not one of the app's dead letters is `404` with "
        "`details.missing`. Letters being replayed already are `skipped`.",
        parameters=[APP_ID],
        request=BulkReplayInputSerializer,
        responses={202: BulkReplaySerializer},
        extensions=raises("webhook_disabled", "app_inactive"),
    )
    def post(self, request: Request, app_id: str) -> Response:
        user = request_user(request)
        app = app_managed(app_id=app_id, user=user)
        serializer = BulkReplayInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = services.dead_letters_replay(
            app=app,
            by=user,
            ids=serializer.validated_data.get("ids"),
            all=serializer.validated_data["all"],
        )
        return Response(BulkReplaySerializer(result).data, status=status.HTTP_202_ACCEPTED)


class SendTestEventApi(APIView):
    @extend_schema(
        operation_id="apps_test_event",
        summary="Send a test event now",
        description="A signed `app.test` event to one of the app's webhooks, sent at once; the "
        "answer describes what happened (a failing app is still `200`: read `ok` and "
        "`outcome`). Recorded in the delivery log like any attempt, and counted by the circuit "
        "breaker. `409 no_webhook` when the manifest has no such webhook.",
        parameters=[APP_ID],
        request=SendTestEventInputSerializer,
        responses=SendTestEventResultSerializer,
        extensions=raises("no_webhook", "app_inactive"),
    )
    def post(self, request: Request, app_id: str) -> Response:
        user = request_user(request)
        app = app_managed(app_id=app_id, user=user)
        serializer = SendTestEventInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = services.app_send_test_event(
            app=app, by=user, capability=serializer.validated_data.get("capability")
        )
        return Response(SendTestEventResultSerializer(result).data)
