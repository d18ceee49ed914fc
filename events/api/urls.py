"""The events platform's API (SPEC-events §5 and §6), under /api/v1/."""

from django.urls import URLPattern, URLResolver, path

from events.api import deliveries

urlpatterns: list[URLPattern | URLResolver] = []

# Deliveries, dead letters and the test event (events/api/deliveries.py).
urlpatterns += [
    path(
        "apps/<str:app_id>/deliveries/",
        deliveries.DeliveriesApi.as_view(),
        name="api-app-deliveries",
    ),
    path(
        "apps/<str:app_id>/deliveries/<int:delivery_id>",
        deliveries.DeliveryApi.as_view(),
        name="api-app-delivery",
    ),
    path(
        "apps/<str:app_id>/dead-letters/",
        deliveries.DeadLettersApi.as_view(),
        name="api-app-dead-letters",
    ),
    path(
        "apps/<str:app_id>/dead-letters/replay",
        deliveries.DeadLettersReplayApi.as_view(),
        name="api-app-dead-letters-replay",
    ),
    path(
        "apps/<str:app_id>/dead-letters/<int:dead_letter_id>",
        deliveries.DeadLetterApi.as_view(),
        name="api-app-dead-letter",
    ),
    path(
        "apps/<str:app_id>/dead-letters/<int:dead_letter_id>/replay",
        deliveries.DeadLetterReplayApi.as_view(),
        name="api-app-dead-letter-replay",
    ),
    path(
        "apps/<str:app_id>/test-event",
        deliveries.SendTestEventApi.as_view(),
        name="api-app-test-event",
    ),
]
