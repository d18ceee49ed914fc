"""The events platform's pages: the developer console and the staff webhook-health page."""

from django.urls import URLPattern, URLResolver, path

from events import views_metrics

urlpatterns: list[URLPattern | URLResolver] = []

# The console's metrics tab and the staff webhook-health page (events/views_metrics.py).
urlpatterns += [
    path(
        "developers/apps/<str:app_id>/metrics/",
        views_metrics.console_metrics,
        name="console-metrics",
    ),
    path("staff/webhooks/", views_metrics.staff_webhooks, name="staff-webhooks"),
]
