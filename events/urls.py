"""The events platform's pages: the developer console and the staff webhook-health page."""

from django.urls import URLPattern, URLResolver, path

from events import views_deliveries

urlpatterns: list[URLPattern | URLResolver] = []

# The console's deliveries and dead letters (events/views_deliveries.py).
CONSOLE = "developers/apps/<str:app_id>/"
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
