"""The events platform's API (SPEC-events §5 and §6), under /api/v1/."""

from django.urls import URLPattern, URLResolver, path

from events.api import metrics

urlpatterns: list[URLPattern | URLResolver] = [
    path("apps/<str:app_id>/metrics", metrics.AppMetricsApi.as_view(), name="api-app-metrics"),
]
