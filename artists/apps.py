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
        from accounts.role_locks import role_lock_register

        role_lock_register(_artist_profile_locks_role)
