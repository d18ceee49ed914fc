from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"

    def ready(self) -> None:
        from events import (
            schema,  # noqa: F401 (registers the app token's OpenAPI scheme)
            tasks_quiz,  # noqa: F401 (Celery's autodiscovery reads tasks.py only)
        )
        from events.notifications import register_kinds

        register_kinds()

        from django.db.models.signals import post_delete, post_save

        from events.models import WebhookSecret
        from events.webhooks.secrets import secrets_changed

        # A rotation takes effect at once despite the secrets cache (events.webhooks.secrets).
        post_save.connect(secrets_changed, sender=WebhookSecret, dispatch_uid="events-secrets")
        post_delete.connect(secrets_changed, sender=WebhookSecret, dispatch_uid="events-secrets")

        from events import selectors_rooms, usage

        # The app platform's rules about rooms (events.usage) read the rooms.
        usage.room_counter_register(selectors_rooms.active_rooms_using)
        usage.version_organizers_register(selectors_rooms.organizers_on_version)

        from umbrella import domains

        domains.register(
            domains.EntryPoints(
                app=self.name,
                dashboard=(
                    # Any signed-in user may build an app (docs/events.md).
                    domains.Card(
                        title="Developer console",
                        text="Build apps for rooms: register a manifest, rotate secrets, "
                        "watch webhook deliveries.",
                        url_name="console-apps",
                        link_text="Open the developer console",
                    ),
                ),
                # The gig page shows the gig's room (events/views_rooms.py).
                gig_fragments=("gig-room-fragment",),
                # The rooms list: anyone, signed in or not (public rooms).
                menu=(domains.MenuLink(label="Rooms", url_name="rooms"),),
            )
        )
