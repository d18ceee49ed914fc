from typing import TYPE_CHECKING

from django.apps import AppConfig

if TYPE_CHECKING:
    from accounts.models import User


def _venue_profile_locks_role(user: "User") -> str | None:
    """Once the venue wizard has saved a step, the account stays a venue (as artists do)."""
    from marketplace.models import VenueProfile

    if VenueProfile.objects.filter(user=user).exists():
        return "You have started your venue profile, so your role stays venue."
    return None


class MarketplaceConfig(AppConfig):
    name = "marketplace"

    def ready(self) -> None:
        from accounts.role_locks import role_lock_register

        role_lock_register(_venue_profile_locks_role)

        from accounts.models import Role
        from umbrella import domains

        domains.register(
            domains.EntryPoints(
                app=self.name,
                # The venue's own wizard stays open before onboarding is complete.
                open_prefixes=("/onboarding/venue/",),
                onboarding={Role.VENUE: "venue-onboarding"},
            )
        )

        from marketplace.notifications import register_kinds

        register_kinds()
