from typing import TYPE_CHECKING

from django.apps import AppConfig

if TYPE_CHECKING:
    from accounts.models import User


def _artist_profile_locks_role(user: "User") -> str | None:
    """Once the artist wizard has saved a step, the account stays an artist (docs/security.md)."""
    from artists.models import ArtistProfile

    if ArtistProfile.objects.filter(user=user).exists():
        return "You have started your artist profile, so your role stays artist."
    return None


class ArtistsConfig(AppConfig):
    name = "artists"

    def ready(self) -> None:
        from accounts.deletion import user_deletion_register
        from accounts.models import Role
        from accounts.role_locks import role_lock_register
        from accounts.state_hooks import user_state_register
        from artists import daily_metrics as figures
        from artists.services.profiles import artist_files_delete_on_commit, artist_listed_sync
        from umbrella import daily_metrics, domains

        role_lock_register(_artist_profile_locks_role)
        user_deletion_register(artist_files_delete_on_commit)
        user_state_register(artist_listed_sync)
        # The artists and their profile views in the nightly analytics rollup.
        daily_metrics.register(self.name, subjects=figures.SUBJECTS, figures=figures.FIGURES)

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
                menu=(
                    domains.MenuLink(label="Find artists", url_name="artist-search"),
                    domains.MenuLink(
                        label="Studio", url_name="artist-studio", roles=frozenset({Role.ARTIST})
                    ),
                ),
            )
        )
