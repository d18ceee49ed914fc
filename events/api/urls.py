"""The events platform's API (SPEC-events §5 and §6), under /api/v1/."""

from django.urls import URLPattern, URLResolver, include, path, register_converter

from events.api import apps, deliveries, metrics


class AppIdConverter:
    """A path segment naming an app, except ``token``, ``me`` and ``manifest-schema``:
    ``/apps/token`` is the token exchange, ``/apps/me`` the calling app and
    ``/apps/manifest-schema`` the schema, whatever order the routes are listed in. Any other
    segment reaches the view, so an unknown or malformed app id is the API's ``404 not_found``."""

    regex = r"(?!(?:token|me|manifest-schema)(?![^/]))[^/]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(AppIdConverter, "app_id")

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("events.api.platform_urls")),  # first: apps/token, apps/me before apps/<id>
    path("apps/", apps.AppsApi.as_view(), name="api-apps"),
    path("apps/manifest-schema", apps.ManifestSchemaApi.as_view(), name="api-app-manifest-schema"),
    path("apps/<app_id:app_id>", apps.AppApi.as_view(), name="api-app"),
    path("apps/<app_id:app_id>/versions", apps.AppVersionsApi.as_view(), name="api-app-versions"),
    path(
        "apps/<app_id:app_id>/rotate-secret",
        apps.AppRotateSecretApi.as_view(),
        name="api-app-rotate-secret",
    ),
    path(
        "apps/<app_id:app_id>/deprecate-version",
        apps.AppDeprecateVersionApi.as_view(),
        name="api-app-deprecate-version",
    ),
    path(
        "apps/<app_id:app_id>/webhooks/<str:capability>/enable",
        apps.AppWebhookEnableApi.as_view(),
        name="api-app-webhook-enable",
    ),
]

# Deliveries, dead letters and the test event (events/api/deliveries.py).
urlpatterns += [
    path(
        "apps/<app_id:app_id>/deliveries/",
        deliveries.DeliveriesApi.as_view(),
        name="api-app-deliveries",
    ),
    path(
        "apps/<app_id:app_id>/deliveries/<int:delivery_id>",
        deliveries.DeliveryApi.as_view(),
        name="api-app-delivery",
    ),
    path(
        "apps/<app_id:app_id>/dead-letters/",
        deliveries.DeadLettersApi.as_view(),
        name="api-app-dead-letters",
    ),
    path(
        "apps/<app_id:app_id>/dead-letters/replay",
        deliveries.DeadLettersReplayApi.as_view(),
        name="api-app-dead-letters-replay",
    ),
    path(
        "apps/<app_id:app_id>/dead-letters/<int:dead_letter_id>",
        deliveries.DeadLetterApi.as_view(),
        name="api-app-dead-letter",
    ),
    path(
        "apps/<app_id:app_id>/dead-letters/<int:dead_letter_id>/replay",
        deliveries.DeadLetterReplayApi.as_view(),
        name="api-app-dead-letter-replay",
    ),
    path(
        "apps/<app_id:app_id>/test-event",
        deliveries.SendTestEventApi.as_view(),
        name="api-app-test-event",
    ),
    path("apps/<app_id:app_id>/metrics", metrics.AppMetricsApi.as_view(), name="api-app-metrics"),
]

# Rooms (issue 12): each part of the room API lists its own routes in its own module.
urlpatterns += [
    path("", include("events.api.rooms_urls")),  # rooms, upgrade-manifest
    path("", include("events.api.members_urls")),  # participants, prizes, winners
    path("", include("events.api.draws_urls")),  # draws
    path("", include("events.api.live_urls")),  # app events
    path("", include("events.api.quiz_urls")),  # the quiz's state
]
