"""The Violet API (docs/violet.md "API"). Thin: input serializer, service or selector, output.

Artists only (others get ``403 not_an_artist``); writes need a finished onboarding. The
streamed variant of ``generate`` is ``POST /stream/violet/generate`` (violet/views_stream.py),
outside ``/api/v1`` because the ASGI process serves it.
"""

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import request_user
from artists import selectors as artist_selectors
from umbrella.api import error_body
from umbrella.pagination import CursorPagination
from umbrella.schema import raises
from violet import selectors, services
from violet.api.serializers import (
    GenerateInputSerializer,
    GenerateOutputSerializer,
    GenerationSerializer,
    HistoryQuerySerializer,
    ToolListSerializer,
    UsageSerializer,
)

GENERATION_ID = OpenApiParameter(
    "generation_id", int, OpenApiParameter.PATH, description="The generation's `id`."
)


def _artist(request: Request) -> Any:
    return artist_selectors.artist_own(user=request_user(request))


class ToolListApi(APIView):
    @extend_schema(
        operation_id="violet_tools_list",
        summary="Violet's tools",
        description="Every writing tool with the JSON Schema of its `inputs`, the profile "
        "fields it uses, and which of them your profile lacks (`missing_fields` block the "
        "tool; `suggested_fields` would improve its drafts). Also the provider in use "
        "(`offline: true` when no AI key is configured) and today's allowance.",
        responses=ToolListSerializer,
        extensions=raises("not_an_artist"),
    )
    def get(self, request: Request) -> Response:
        artist = _artist(request)
        return Response(
            {
                "tools": selectors.tools_for(artist=artist),
                "provider": selectors.provider_info(),
                "usage": selectors.usage_of(artist_id=artist.pk),
            }
        )


class GenerateApi(APIView):
    @extend_schema(
        operation_id="violet_generate",
        summary="Write a draft (one JSON answer)",
        description="Runs a tool and answers when the draft is complete. The model is given "
        "only the facts listed in `generation.facts` (your profile, the gig, booking or "
        "conversation you chose, what you typed) and is told not to invent anything. Counts "
        "one prompt of your daily allowance (`usage`); a provider failure or timeout "
        "(`502`/`504`) is not counted. To see the draft as it is written, post the same body "
        "to `/stream/violet/generate` (Server-Sent Events; docs/violet.md).",
        request=GenerateInputSerializer,
        responses={201: GenerateOutputSerializer},
        extensions=raises(
            "not_an_artist",
            "gig_not_open",
            "booking_not_active",
            "profile_incomplete",
            "violet_limit_reached",
            "violet_provider_error",
            "violet_provider_timeout",
        ),
    )
    def post(self, request: Request) -> Response:
        serializer = GenerateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = request_user(request)
        try:
            generation = services.generate(
                user=user,
                tool=serializer.validated_data["tool"],
                inputs=serializer.validated_data["inputs"],
            )
        except services.DailyLimitReached as error:
            return Response(
                error_body(error.code, error.message, error.details),
                status=error.status_code,
                headers={"Retry-After": str(error.retry_after)},
            )
        return Response(
            {
                "generation": selectors.generation_card(generation),
                "usage": selectors.usage_of(artist_id=generation.artist_id),
            },
            status=status.HTTP_201_CREATED,
        )


class ByNewestId(CursorPagination):
    ordering = "-id"


class HistoryApi(APIView):
    pagination_class = ByNewestId

    @extend_schema(
        operation_id="violet_history_list",
        summary="Your Violet history",
        description="Every prompt you ran and its output (failed ones too), newest first, "
        "paginated by cursor: follow `next` until it is null.",
        parameters=[HistoryQuerySerializer],
        responses=GenerationSerializer(many=True),
        extensions=raises("not_an_artist"),
    )
    def get(self, request: Request) -> Response:
        query = HistoryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = selectors.history_of(artist=_artist(request), tool=query.validated_data.get("tool"))
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(rows, request, view=self) or []
        return paginator.get_paginated_response([selectors.generation_card(g) for g in page])


class HistoryDetailApi(APIView):
    @extend_schema(
        operation_id="violet_history_retrieve",
        summary="One of your drafts",
        parameters=[GENERATION_ID],
        responses=GenerationSerializer,
        extensions=raises("not_an_artist"),
    )
    def get(self, request: Request, generation_id: int) -> Response:
        generation = selectors.generation_own(
            user=request_user(request), generation_id=generation_id
        )
        return Response(selectors.generation_card(generation))


class HistorySaveApi(APIView):
    @extend_schema(
        operation_id="violet_history_save",
        summary="Save a draft into your profile",
        description="Puts a completed bio or tagline draft into that profile field, with the "
        "profile editor's own checks (`400 validation_error` names the field, e.g. a tagline "
        "over 160 characters, and nothing is saved). Other tools' drafts are for copying "
        "(`409 violet_not_savable`).",
        request=None,
        parameters=[GENERATION_ID],
        responses=GenerationSerializer,
        extensions=raises("not_an_artist", "violet_not_savable", "violet_not_completed"),
    )
    def post(self, request: Request, generation_id: int) -> Response:
        generation = services.generation_save_to_profile(
            user=request_user(request), generation_id=generation_id
        )
        return Response(selectors.generation_card(generation))


class UsageApi(APIView):
    @extend_schema(
        operation_id="violet_usage_retrieve",
        summary="Your Violet allowance and usage",
        description="Today's allowance (prompts per UTC day; a failed prompt is not counted) "
        "and your prompts and tokens per day over the last 30 days.",
        responses=UsageSerializer,
        extensions=raises("not_an_artist"),
    )
    def get(self, request: Request) -> Response:
        artist = _artist(request)
        return Response(
            {
                "today": selectors.usage_of(artist_id=artist.pk),
                "days": selectors.usage_days(artist_id=artist.pk),
            }
        )
