from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"

    def ready(self) -> None:
        from events import schema  # noqa: F401 (registers the app token's OpenAPI scheme)
        from events.notifications import register_kinds

        register_kinds()

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
            )
        )
