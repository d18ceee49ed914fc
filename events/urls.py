"""The events platform's pages: the developer console and the staff webhook-health page."""

from django.urls import URLPattern, URLResolver, include, path

from events import views_apps, views_deliveries, views_metrics

urlpatterns: list[URLPattern | URLResolver] = []

# The console's app pages (events/views_apps.py): the list, registering, overview, versions.
CONSOLE = "developers/apps/<str:app_id>/"
urlpatterns += [
    path("developers/apps/", views_apps.app_list, name="console-apps"),
    path("developers/apps/new/", views_apps.app_new, name="console-app-new"),
    path(CONSOLE, views_apps.app_overview, name="console-app"),
    path(f"{CONSOLE}rotate/", views_apps.app_rotate, name="console-app-rotate"),
    path(
        f"{CONSOLE}webhooks/enable/",
        views_apps.app_webhook_enable,
        name="console-app-webhook-enable",
    ),
    path(f"{CONSOLE}active/", views_apps.app_set_active, name="console-app-active"),
    path(f"{CONSOLE}versions/", views_apps.app_versions, name="console-app-versions"),
    path(
        f"{CONSOLE}versions/publish/",
        views_apps.app_version_publish,
        name="console-app-version-publish",
    ),
    path(
        f"{CONSOLE}versions/deprecate/",
        views_apps.app_version_deprecate,
        name="console-app-version-deprecate",
    ),
]

# The console's deliveries and dead letters (events/views_deliveries.py).
urlpatterns += [
    path(f"{CONSOLE}deliveries/", views_deliveries.deliveries, name="console-deliveries"),
    path(
        f"{CONSOLE}deliveries/<int:delivery_id>/",
        views_deliveries.delivery,
        name="console-delivery",
    ),
    path(f"{CONSOLE}test-event/", views_deliveries.test_event_send, name="console-test-event"),
    path(f"{CONSOLE}dead-letters/", views_deliveries.dead_letters, name="console-dead-letters"),
    path(
        f"{CONSOLE}dead-letters/replay/",
        views_deliveries.dead_letters_replay_all,
        name="console-dead-letters-replay",
    ),
    path(
        f"{CONSOLE}dead-letters/<int:dead_letter_id>/",
        views_deliveries.dead_letter,
        name="console-dead-letter",
    ),
    path(
        f"{CONSOLE}dead-letters/<int:dead_letter_id>/replay/",
        views_deliveries.dead_letter_replay,
        name="console-dead-letter-replay",
    ),
    path(
        f"{CONSOLE}dead-letters/<int:dead_letter_id>/delete/",
        views_deliveries.dead_letter_delete,
        name="console-dead-letter-delete",
    ),
]

# The console's metrics tab and the staff webhook-health page (events/views_metrics.py).
urlpatterns += [
    path(
        "developers/apps/<str:app_id>/metrics/",
        views_metrics.console_metrics,
        name="console-metrics",
    ),
    path("staff/webhooks/", views_metrics.staff_webhooks, name="staff-webhooks"),
]

# Rooms' pages (issue 12): each part lists its own pages in its own module.
urlpatterns += [
    path("", include("events.rooms_urls")),  # rooms list, create, live room page
    path("", include("events.draws_urls")),  # the verification page
]
