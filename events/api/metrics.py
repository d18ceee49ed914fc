"""``GET /api/v1/apps/{app_id}/metrics``: an app's webhook metrics (SPEC-events §4) for its
owner or staff. Thin: the query serializer, the selectors of :mod:`events.metrics`, the shape."""

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import request_user
from events import metrics
from events.models import IncidentKind, Severity
from events.selectors_apps import app_managed
from umbrella.api import QuerySerializer

APP_ID = OpenApiParameter("app_id", str, OpenApiParameter.PATH, description="The app's `app_id`.")


@extend_schema_field(
    {
        "type": "string",
        "enum": list(metrics.WINDOWS),
        "x-enum-varnames": ["HOUR", "DAY", "WEEK"],
        "default": metrics.DEFAULT_WINDOW,
        "description": "The last hour, day or week (default `24h`).",
    }
)
class WindowField(serializers.ChoiceField):
    """A metrics window; named for client generators (the values start with a digit)."""


class MetricsQuerySerializer(QuerySerializer):
    window = WindowField(
        choices=list(metrics.WINDOWS),
        default=metrics.DEFAULT_WINDOW,
        help_text="The last hour, day or week (default `24h`).",
    )
    capability = serializers.CharField(
        required=False,
        max_length=40,
        help_text="Only this capability in `series` (the summary always has every one).",
    )


class CapabilityMetricsSerializer(serializers.Serializer):
    capability = serializers.CharField()
    calls = serializers.IntegerField(help_text="Attempts (a message retried 3 times counts 3).")
    successes = serializers.IntegerField()
    failures = serializers.IntegerField(help_text="Every attempt that did not succeed.")
    timeouts = serializers.IntegerField(help_text="Failures that ran out of time.")
    success_rate = serializers.FloatField(
        allow_null=True, help_text="From 0 to 1; `null` with no calls."
    )
    avg_ms = serializers.FloatField(allow_null=True)
    p50_ms = serializers.FloatField(allow_null=True)
    p95_ms = serializers.FloatField(allow_null=True)
    p99_ms = serializers.FloatField(allow_null=True)
    timeout_ms = serializers.IntegerField(help_text="The capability's timeout.")
    breaker = serializers.ChoiceField(
        choices=["closed", "open", "half_open"], help_text="The circuit breaker's state now."
    )
    dead_letters = serializers.IntegerField(
        help_text="Dead letters (any age) until delivered by a replay."
    )


class PointSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    calls = serializers.IntegerField()
    failures = serializers.IntegerField()
    success_rate = serializers.FloatField(allow_null=True)
    p95_ms = serializers.FloatField(allow_null=True)


class IncidentSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=IncidentKind.choices)
    capability = serializers.CharField(allow_blank=True, help_text="Blank: the health check.")
    severity = serializers.ChoiceField(choices=Severity.choices)
    detail = serializers.CharField()
    opened_at = serializers.DateTimeField()


class AppMetricsSerializer(serializers.Serializer):
    app_id = serializers.CharField()
    window = serializers.CharField(help_text="`1h`, `24h` or `7d`, as asked.")
    since = serializers.DateTimeField()
    until = serializers.DateTimeField()
    capabilities = CapabilityMetricsSerializer(many=True)
    series = PointSerializer(
        many=True, help_text="12 points of 5 min (1h), 24 of 1 h (24h) or 28 of 6 h (7d)."
    )
    open_incidents = IncidentSerializer(many=True)


def metrics_body(result: metrics.AppMetrics, series: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "app_id": result.app.app_id,
        "window": result.window,
        "since": result.since,
        "until": result.until,
        "capabilities": [c.as_dict() for c in result.capabilities],
        "series": series,
        "open_incidents": [
            {
                "kind": i.kind,
                "capability": i.capability,
                "severity": i.severity,
                "detail": i.detail,
                "opened_at": i.opened_at,
            }
            for i in result.open_incidents
        ],
    }


class AppMetricsApi(APIView):
    @extend_schema(
        operation_id="apps_metrics",
        summary="An app's webhook metrics",
        description="Per capability over the last hour, day or week: calls, successes, "
        "failures, timeouts, success rate, average and p50/p95/p99 latency (ms), the breaker's "
        "state and the dead letters waiting; a time series for a chart; the open incidents "
        "(alerts). For the app's owner and staff (anyone else: `404`).",
        parameters=[APP_ID, MetricsQuerySerializer],
        responses=AppMetricsSerializer,
    )
    def get(self, request: Request, app_id: str) -> Response:
        query = MetricsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        app = app_managed(app_id=app_id, user=request_user(request))
        window = query.validated_data["window"]
        result = metrics.app_metrics(app=app, window=window)
        series = metrics.app_series(
            app=app,
            window=window,
            capability=query.validated_data.get("capability"),
            now=result.until,
        )
        return Response(AppMetricsSerializer(metrics_body(result, series)).data)
