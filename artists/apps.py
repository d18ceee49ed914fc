from django.apps import AppConfig


class ArtistsConfig(AppConfig):
    name = "artists"

    def ready(self) -> None:
        from accounts.models import Role
        from umbrella import domains

        domains.register(
            domains.EntryPoints(
                app=self.name,
                # Public artist pages and search (read-only), and the artist's own wizard.
                open_prefixes=("/artists/", "/onboarding/artist/"),
                onboarding={Role.ARTIST: "artist-onboarding"},
                dashboard=(
                    domains.Card(
                        title="Your artist studio",
                        text="Profile completeness, tracks, media locker and stats.",
                        url_name="artist-studio",
                        link_text="Open the studio",
                        roles=frozenset({Role.ARTIST}),
                    ),
                ),
            )
        )
