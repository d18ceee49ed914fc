"""``/api/v1/analytics/…``: the signed-in artist's or venue's own figures (days, a period's
headline figures), the artist's choice of public figures, and a public artist's shown figures.
Thin doors over :mod:`analytics.selectors` and :mod:`analytics.services`."""

import datetime as dt
from typing import Any

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import request_user
from analytics import cache as answers
from analytics import metrics, ranges, selectors, services
from analytics.api.serializers import (
    FIGURE_KEYS,
    DailyQuerySerializer,
    DailySerializer,
    PublicStatsInputSerializer,
    PublicStatsSerializer,
    PublicStatsSettingsSerializer,
    SummaryQuerySerializer,
    SummarySerializer,
    json_value,
)
from analytics.services import last_complete_day
from artists.selectors import artist_own
from umbrella.errors import ApplicationError, NotFoundError
from umbrella.schema import raises
from umbrella.throttling import read_by_authentication

# Other roles: 403; an artist or venue whose profile is not made yet: 404.
OWN = ("not_artist_or_venue", "not_found")
SLUG = OpenApiParameter(
    "slug", str, OpenApiParameter.PATH, description="The artist's slug, as in their profile URL."
)


def _figures(figures: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{key: json_value(figure[key]) for key in FIGURE_KEYS} for figure in figures]


def _iso_dates(params: Any) -> tuple[dt.date | None, dt.date | None] | None:
    """``from`` and ``to`` when each is absent or a `YYYY-MM-DD` date, as ``DailyQuerySerializer``
    reads them (its ``DateField`` parses with ``date.fromisoformat`` first) without building
    the serializer on every request; ``None`` for anything else."""
    dates: list[dt.date | None] = []
    for name in ("from", "to"):
        raw = params.get(name)
        if raw is None:
            dates.append(None)
            continue
        if len(raw) != 10:
            return None
        try:
            dates.append(dt.date.fromisoformat(raw))
        except ValueError:
            return None
    return dates[0], dates[1]


class AnalyticsDailyApi(APIView):
    def user_cache_reads(self, user_id: int) -> tuple[str, ...]:
        """The kept answer's keys, read with the access token's user in one cache round trip
        (``accounts.authentication``): a kept answer then costs no cache call of its own."""
        return answers.reads_for(user_id)

    @extend_schema(
        operation_id="analytics_daily",
        summary="Your figures, day by day",
        description="Artists and venues, their own figures only: one entry per UTC day from "
        "`from` to `to` (at most 366 days; default the 30 days up to yesterday), oldest first. "
        "A day without activity has zeros (and `null` for a rating or a median). Days are "
        "added up just after midnight UTC, so the last day is yesterday.",
        parameters=[DailyQuerySerializer],
        responses=DailySerializer,
        extensions=raises(*OWN),
    )
    def get(self, request: Request) -> HttpResponse:
        asked = _iso_dates(request.query_params)
        if asked is None:  # not plain ISO dates: the serializer says what is wrong
            query = DailyQuerySerializer(data=request.query_params)
            query.is_valid(raise_exception=True)
            asked = (query.validated_data.get("from"), query.validated_data.get("to"))
        user = request_user(request)
        try:
            first, last = ranges.clean_range(*asked, yesterday=last_complete_day())
        except ApplicationError:
            selectors.subject_of(user=user)  # whose figures is said first (403, 404)
            raise
        answer = selectors.daily_answer(
            user=user, first=first, last=last, read=read_by_authentication(request)
        )
        return HttpResponse(answer, content_type="application/json")


class AnalyticsSummaryApi(APIView):
    @extend_schema(
        operation_id="analytics_summary",
        summary="Your headline figures",
        description="Artists and venues, their own: each figure over the last `days` days up "
        "to yesterday (UTC) against the `days` days before, as the dashboard shows them.",
        parameters=[SummaryQuerySerializer],
        responses=SummarySerializer,
        extensions=raises(*OWN),
    )
    def get(self, request: Request) -> Response:
        query = SummaryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        subject = selectors.subject_of(user=request_user(request))
        result = selectors.summary(subject, days=int(query.validated_data["days"]))
        current, before = result["period"], result["previous"]
        body = {
            "subject": subject.kind,
            "id": subject.id,
            "days": current.days,
            "first": current.first,
            "last": current.last,
            "previous_first": before.first,
            "previous_last": before.last,
            "figures": _figures(result["figures"]),
        }
        return Response(SummarySerializer(body).data)


def _settings_body(chosen: list[str]) -> dict[str, Any]:
    return {"metrics": chosen, "available": list(metrics.SHAREABLE)}


class AnalyticsPublicStatsSettingsApi(APIView):
    @extend_schema(
        operation_id="analytics_public_stats_get",
        summary="Your public figures",
        description="Artists: which figures your page's Stats tab shows (none until you choose).",
        responses=PublicStatsSettingsSerializer,
        extensions=raises("not_an_artist", "not_found"),
    )
    def get(self, request: Request) -> Response:
        artist = artist_own(user=request_user(request))
        chosen = selectors.public_metrics_of(artist_id=artist.pk)
        return Response(PublicStatsSettingsSerializer(_settings_body(chosen)).data)

    @extend_schema(
        operation_id="analytics_public_stats_set",
        summary="Choose your public figures",
        description="Artists: the figures your page's Stats tab shows, over the last 30 days "
        "with a 90-day trend. Earnings, applications, messages and campaign sends can't be "
        "shown (`400`). An empty list hides them all.",
        request=PublicStatsInputSerializer,
        responses=PublicStatsSettingsSerializer,
        extensions=raises("not_an_artist", "not_found"),
    )
    def put(self, request: Request) -> Response:
        serializer = PublicStatsInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        stats = services.public_stats_set(
            user=request_user(request), metric_names=serializer.validated_data["metrics"]
        )
        return Response(PublicStatsSettingsSerializer(_settings_body(stats.metrics)).data)


class ArtistPublicStatsApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="analytics_artist_public_stats",
        summary="An artist's public figures",
        description="Public. The figures the artist chose to show on their page's Stats tab: "
        "the last 30 days against the 30 before, and each figure's last 90 days. Nothing is "
        "shown until the artist chooses.",
        parameters=[SLUG],
        responses=PublicStatsSerializer,
    )
    def get(self, request: Request, slug: str) -> Response:
        found = selectors.public_stats(slug=slug)
        if found is None:
            raise NotFoundError("not_found", "No such artist.")
        span = found["period"]
        body = {
            "slug": found["artist"].slug,
            "stage_name": found["artist"].stage_name,
            "days": selectors.PUBLIC_DAYS,
            "first": span.first if span else None,
            "last": span.last if span else None,
            "figures": _figures(found["figures"]),
            "trend": [
                {
                    "day": day["day"],
                    "values": {n: json_value(day[n]) for n in found["metrics"]},
                }
                for day in found["trend"]
            ],
        }
        return Response(PublicStatsSerializer(body).data)
