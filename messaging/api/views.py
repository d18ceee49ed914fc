"""The messaging API. Thin: input serializer, service or selector, output function."""

from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import Throttled
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import request_user
from messaging import live, selectors, services
from messaging.api.serializers import (
    BlockInputSerializer,
    BlockSerializer,
    ConversationDetailSerializer,
    ConversationOpenInputSerializer,
    ConversationSerializer,
    MarkReadInputSerializer,
    MarkReadOutputSerializer,
    MessageInputSerializer,
    MessageListQuerySerializer,
    MessageSerializer,
    ReportInputSerializer,
    ReportSerializer,
    UnreadTotalSerializer,
)
from umbrella.api import iso_timestamp
from umbrella.errors import ApplicationError
from umbrella.pagination import CursorPagination
from umbrella.schema import raises

CONVERSATION_ID = OpenApiParameter(
    "conversation_id", int, OpenApiParameter.PATH, description="The conversation's `id`."
)
USER_ID = OpenApiParameter(
    "user_id", int, OpenApiParameter.PATH, description="The blocked person's user id."
)


class ByLastMessage(CursorPagination):
    ordering = ("-last_message_at", "-id")  # type: ignore[assignment]  # DRF takes a tuple too


class ByNewestId(CursorPagination):
    ordering = "-id"


def _paginate(view: APIView, paginator: CursorPagination, rows: Any, card: Any) -> Response:
    page: list[Any] = paginator.paginate_queryset(rows, view.request, view=view) or []
    return paginator.get_paginated_response([card(row) for row in page])


def _detail(user: Any, conversation_id: int) -> dict[str, Any]:
    membership = selectors.conversation_own(user=user, conversation_id=conversation_id)
    row = (
        selectors.inbox_rows(user=user).filter(pk=membership.pk).first()
    )  # the same shape as a row of the inbox
    assert row is not None  # noqa: S101 (just read)
    you_blocked, blocked_you = selectors.block_state(user=user, other_id=membership.other_id)
    return {**selectors.inbox_card(row), "you_blocked": you_blocked, "blocked_you": blocked_you}


class ConversationListApi(APIView):
    pagination_class = ByLastMessage

    @extend_schema(
        operation_id="conversations_list",
        summary="Your inbox",
        description="Your conversations, most recent message first, paginated by cursor: "
        "follow `next` until it is null.",
        responses=ConversationSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        rows = selectors.inbox_rows(user=request_user(request))
        return _paginate(self, self.pagination_class(), rows, selectors.inbox_card)

    @extend_schema(
        operation_id="conversations_open",
        summary="Open the conversation with a person",
        description="The one conversation between you and `user_id`: `201` when it is new, "
        "`200` when it already existed (whoever opened it). A new conversation needs an "
        "artist or a venue on the other side and no block either way.",
        request=ConversationOpenInputSerializer,
        responses={201: ConversationDetailSerializer, 200: ConversationDetailSerializer},
        extensions=raises("blocked", "not_messageable", "onboarding_required"),
    )
    def post(self, request: Request) -> Response:
        serializer = ConversationOpenInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = request_user(request)
        conversation, created = services.conversation_open(
            user=user, other_id=serializer.validated_data["user_id"]
        )
        return Response(
            _detail(user, conversation.pk),
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class ConversationDetailApi(APIView):
    @extend_schema(
        operation_id="conversations_retrieve",
        summary="One of your conversations",
        parameters=[CONVERSATION_ID],
        responses=ConversationDetailSerializer,
    )
    def get(self, request: Request, conversation_id: int) -> Response:
        return Response(_detail(request_user(request), conversation_id))


class MessageListApi(APIView):
    pagination_class = ByNewestId

    @extend_schema(
        operation_id="conversations_messages_list",
        summary="Messages of a conversation",
        description="Newest first, paginated by cursor. A client that reconnects asks with "
        "`after` = the newest id it has and follows `next`: it gets exactly what it missed.",
        parameters=[CONVERSATION_ID, MessageListQuerySerializer],
        responses=MessageSerializer(many=True),
    )
    def get(self, request: Request, conversation_id: int) -> Response:
        query = MessageListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        user = request_user(request)

        def check_member() -> None:
            if not selectors.is_member(user_id=user.pk, conversation_id=conversation_id):
                raise ApplicationError("not_found", "No such conversation.", status=404)

        rows = selectors.message_page_source(
            user_id=user.pk,
            conversation_id=conversation_id,
            after=query.validated_data.get("after"),
            check_member=check_member,
        )
        return _paginate(self, self.pagination_class(), rows, live.message_data)

    @extend_schema(
        operation_id="conversations_messages_send",
        summary="Send a message",
        description="1 to 2000 characters after trimming. At most `MESSAGING_SEND_RATE` (30 a "
        "minute) per person: then `429 throttled` with `Retry-After`. Refused with `403 "
        "blocked` while either of you blocks the other.",
        parameters=[CONVERSATION_ID],
        request=MessageInputSerializer,
        responses={201: MessageSerializer},
        extensions=raises("blocked", "recipient_unavailable"),
    )
    def post(self, request: Request, conversation_id: int) -> Response:
        serializer = MessageInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            message = services.message_send(
                user=request_user(request),
                conversation_id=conversation_id,
                content=serializer.validated_data["content"],
            )
        except ApplicationError as error:
            if error.code == "throttled":
                raise Throttled(wait=error.details["retry_after_seconds"]) from error
            raise
        row = {field: getattr(message, field) for field in live.MESSAGE_FIELDS}
        return Response(live.message_data(row), status=status.HTTP_201_CREATED)


class ConversationReadApi(APIView):
    @extend_schema(
        operation_id="conversations_read",
        summary="Mark a conversation read",
        description="Marks the other person's messages read (all, or up to `up_to`); they see "
        "the read receipt live. Marking again changes nothing.",
        parameters=[CONVERSATION_ID],
        request=MarkReadInputSerializer,
        responses=MarkReadOutputSerializer,
    )
    def post(self, request: Request, conversation_id: int) -> Response:
        serializer = MarkReadInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = request_user(request)
        marked = services.conversation_mark_read(
            user=user, conversation_id=conversation_id, up_to=serializer.validated_data.get("up_to")
        )
        membership = selectors.conversation_own(user=user, conversation_id=conversation_id)
        return Response(
            {
                "marked": marked,
                "unread_count": membership.unread_count,
                "unread_total": selectors.unread_total(user=user),
            }
        )


class UnreadTotalApi(APIView):
    @extend_schema(
        operation_id="conversations_unread_total",
        summary="How many messages to you are unread",
        description="For a badge: one cheap sum over your conversations.",
        responses=UnreadTotalSerializer,
    )
    def get(self, request: Request) -> Response:
        return Response({"unread_total": selectors.unread_total(user=request_user(request))})


def _block_card(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "user_id": row["blocked_id"],
        "display_name": selectors.display_name(row["blocked__display_name"]),
        "created_at": iso_timestamp(row["created_at"]),
    }


class BlockListApi(APIView):
    @extend_schema(
        operation_id="blocks_list",
        summary="People you blocked",
        description="Newest first. Not paginated beyond the first 100.",
        responses=BlockSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        rows = selectors.blocks_of(user=request_user(request))[:100]
        return Response([_block_card(row) for row in rows])

    @extend_schema(
        operation_id="blocks_create",
        summary="Block a person",
        description="No new conversation or message between you, either way, until you "
        "unblock them. Blocking again changes nothing.",
        request=BlockInputSerializer,
        responses={201: BlockSerializer},
    )
    def post(self, request: Request) -> Response:
        serializer = BlockInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = request_user(request)
        block = services.user_block(user=user, other_id=serializer.validated_data["user_id"])
        row = selectors.blocks_of(user=user).filter(pk=block.pk).first()
        return Response(_block_card(row or {}), status=status.HTTP_201_CREATED)


class BlockDetailApi(APIView):
    @extend_schema(
        operation_id="blocks_delete",
        summary="Unblock a person",
        description="Unblocking someone you have not blocked changes nothing.",
        parameters=[USER_ID],
        request=None,
        responses={204: OpenApiResponse(description="Not blocked (any more).")},
    )
    def delete(self, request: Request, user_id: int) -> Response:
        services.user_unblock(user=request_user(request), other_id=user_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ReportApi(APIView):
    @extend_schema(
        operation_id="reports_create",
        summary="Report a message or a person to staff",
        description="Give `message_id` (a message you received) or `user_id`, and what is "
        "wrong. Staff see it with the conversation around it.",
        request=ReportInputSerializer,
        responses={201: ReportSerializer},
    )
    def post(self, request: Request) -> Response:
        serializer = ReportInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report = services.report_create(user=request_user(request), **serializer.validated_data)
        return Response(
            {
                "id": report.pk,
                "status": report.status,
                "created_at": iso_timestamp(report.created_at),
            },
            status=status.HTTP_201_CREATED,
        )
