from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"

    def ready(self) -> None:
        from events import schema  # noqa: F401 (registers the app token's OpenAPI scheme)
        from events.notifications import register_kinds

        register_kinds()
