"""The campaign API (``/api/v1/campaigns/``). Thin: input serializer, service or selector,
output function."""

from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import request_user
from artists.selectors import artist_own
from messaging.api.campaign_serializers import (
    CampaignInputSerializer,
    CampaignPreviewSerializer,
    CampaignReportSerializer,
    CampaignScheduleSerializer,
    CampaignSerializer,
    CampaignUpdateSerializer,
)
from messaging.campaigns import selectors, services
from messaging.models import Campaign
from umbrella.errors import NotFoundError
from umbrella.pagination import CursorPagination
from umbrella.schema import raises

CAMPAIGN_ID = OpenApiParameter(
    "campaign_id", int, OpenApiParameter.PATH, description="The campaign's `id`."
)
OWN = ("not_an_artist",)


class ByNewestId(CursorPagination):
    ordering = "-id"


def _own(request: Request, campaign_id: int) -> Campaign:
    campaign = selectors.own_campaign(
        artist=artist_own(user=request_user(request)), campaign_id=campaign_id
    )
    if campaign is None:
        raise NotFoundError("not_found", "No such campaign.")
    return campaign


def _card(request: Request, campaign_id: int) -> dict[str, Any]:
    artist = artist_own(user=request_user(request))
    row = selectors.campaigns_of(artist=artist).filter(pk=campaign_id).first()
    if row is None:
        raise NotFoundError("not_found", "No such campaign.")
    return selectors.campaign_card(row)


class CampaignsApi(APIView):
    pagination_class = ByNewestId

    @extend_schema(
        operation_id="campaigns_list",
        summary="Your campaigns",
        description="Newest first, paginated by cursor, with sent/failed/bounced counts.",
        responses=CampaignSerializer(many=True),
        extensions=raises(*OWN),
    )
    def get(self, request: Request) -> Response:
        rows = selectors.campaigns_of(artist=artist_own(user=request_user(request)))
        paginator = self.pagination_class()
        page: list[Any] = paginator.paginate_queryset(rows, request, view=self) or []
        return paginator.get_paginated_response([selectors.campaign_card(c) for c in page])

    @extend_schema(
        operation_id="campaigns_create",
        summary="Write a draft campaign",
        description="Email (with a subject) or SMS, to one of your lists or all of them "
        "(`contact_list_id` null), optionally only fans in a city or region. An unknown merge "
        "field is `400 unknown_merge_field`, naming it.",
        request=CampaignInputSerializer,
        responses={201: CampaignSerializer},
        extensions=raises(*OWN, "unknown_merge_field"),
    )
    def post(self, request: Request) -> Response:
        serializer = CampaignInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        campaign = services.campaign_create(user=request_user(request), **serializer.validated_data)
        return Response(_card(request, campaign.pk), status=status.HTTP_201_CREATED)


class CampaignApi(APIView):
    @extend_schema(
        operation_id="campaigns_retrieve",
        summary="One of your campaigns",
        parameters=[CAMPAIGN_ID],
        responses=CampaignSerializer,
        extensions=raises(*OWN),
    )
    def get(self, request: Request, campaign_id: int) -> Response:
        return Response(_card(request, campaign_id))

    @extend_schema(
        operation_id="campaigns_update",
        summary="Change a draft",
        parameters=[CAMPAIGN_ID],
        request=CampaignUpdateSerializer,
        responses=CampaignSerializer,
        extensions=raises(*OWN, "unknown_merge_field", "campaign_not_draft"),
    )
    def patch(self, request: Request, campaign_id: int) -> Response:
        serializer = CampaignUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.campaign_update(
            user=request_user(request), campaign_id=campaign_id, **serializer.validated_data
        )
        return Response(_card(request, campaign_id))

    @extend_schema(
        operation_id="campaigns_delete",
        summary="Delete a draft",
        parameters=[CAMPAIGN_ID],
        request=None,
        responses={204: OpenApiResponse(description="Deleted.")},
        extensions=raises(*OWN, "campaign_not_draft"),
    )
    def delete(self, request: Request, campaign_id: int) -> Response:
        services.campaign_delete(user=request_user(request), campaign_id=campaign_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CampaignPreviewApi(APIView):
    @extend_schema(
        operation_id="campaigns_preview",
        summary="Preview a campaign",
        description="The text as sent (sample fan details), how many would get it now, and "
        "for SMS the segment count (GSM-7: 160, or 153 each when split; UCS-2: 70 / 67).",
        parameters=[CAMPAIGN_ID],
        responses=CampaignPreviewSerializer,
        extensions=raises(*OWN),
    )
    def get(self, request: Request, campaign_id: int) -> Response:
        return Response(selectors.preview(_own(request, campaign_id)))


class CampaignScheduleApi(APIView):
    @extend_schema(
        operation_id="campaigns_schedule",
        summary="Schedule a draft, or send it now",
        description="`scheduled_at` absent or null sends now. Nobody reachable is "
        "`409 no_recipients`.",
        parameters=[CAMPAIGN_ID],
        request=CampaignScheduleSerializer,
        responses=CampaignSerializer,
        extensions=raises(*OWN, "campaign_not_draft", "no_recipients", "unknown_merge_field"),
    )
    def post(self, request: Request, campaign_id: int) -> Response:
        serializer = CampaignScheduleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.campaign_schedule(
            user=request_user(request),
            campaign_id=campaign_id,
            scheduled_at=serializer.validated_data.get("scheduled_at"),
        )
        return Response(_card(request, campaign_id))


class CampaignUnscheduleApi(APIView):
    @extend_schema(
        operation_id="campaigns_unschedule",
        summary="Back to draft (before it starts)",
        parameters=[CAMPAIGN_ID],
        request=None,
        responses=CampaignSerializer,
        extensions=raises(*OWN, "campaign_not_scheduled"),
    )
    def post(self, request: Request, campaign_id: int) -> Response:
        services.campaign_unschedule(user=request_user(request), campaign_id=campaign_id)
        return Response(_card(request, campaign_id))


class CampaignReportApi(APIView):
    @extend_schema(
        operation_id="campaigns_report",
        summary="A campaign's report",
        description="Deliveries by status, delivered and spam complaints (email), and your "
        "opt-outs since sending started.",
        parameters=[CAMPAIGN_ID],
        responses=CampaignReportSerializer,
        extensions=raises(*OWN),
    )
    def get(self, request: Request, campaign_id: int) -> Response:
        return Response(selectors.report(_own(request, campaign_id)))
