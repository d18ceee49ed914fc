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
                # The venue's own wizard, the gig board and the public venue pages (read-only;
                # applying needs an onboarded artist: the service says so). The artist page's
                # Gigs and Reviews tabs live under /artists/, which artists opens.
                open_prefixes=("/onboarding/venue/", "/gigs/", "/venues/"),
                onboarding={Role.VENUE: "venue-onboarding"},
                dashboard=(
                    domains.Card(
                        title="Your venue",
                        text="Your gigs, their applicants, and a form to post a new one.",
                        url_name="venue-dashboard",
                        link_text="Open your venue page",
                        roles=frozenset({Role.VENUE}),
                    ),
                    domains.Card(
                        title="Gigs for you",
                        text="Open gigs that suit your genres, city, nights and rates, with why.",
                        url_name="gigs-for-you",
                        link_text="See your matches",
                        roles=frozenset({Role.ARTIST}),
                    ),
                    domains.Card(
                        title="Saved searches",
                        text="Gig board filters you keep, with a daily digest of new gigs.",
                        url_name="saved-searches",
                        link_text="Manage saved searches",
                        roles=frozenset({Role.ARTIST}),
                    ),
                    domains.Card(
                        title="Unavailable dates",
                        text="The days you can't play: no applications or bookings on them.",
                        url_name="availability",
                        link_text="Mark dates",
                        roles=frozenset({Role.ARTIST}),
                    ),
                ),
                artist_tabs=(
                    domains.ProfileTab(name="gigs", label="Gigs", url_name="artist-gigs-tab"),
                    domains.ProfileTab(
                        name="reviews", label="Reviews", url_name="artist-reviews-tab"
                    ),
                ),
                menu=(
                    domains.MenuLink(label="Gigs", url_name="gig-board"),
                    domains.MenuLink(
                        label="Gigs for you",
                        url_name="gigs-for-you",
                        roles=frozenset({Role.ARTIST}),
                    ),
                    domains.MenuLink(
                        label="My applications",
                        url_name="my-applications",
                        roles=frozenset({Role.ARTIST}),
                    ),
                    domains.MenuLink(
                        label="My venue", url_name="venue-dashboard", roles=frozenset({Role.VENUE})
                    ),
                    domains.MenuLink(
                        label="Bookings",
                        url_name="bookings",
                        roles=frozenset({Role.ARTIST, Role.VENUE}),
                    ),
                ),
            )
        )

        from marketplace.notifications import register_kinds

        register_kinds()

        from marketplace import daily_metrics as figures
        from umbrella import daily_metrics

        # Venues, and the gig, application, booking and rating figures of the nightly rollup.
        daily_metrics.register(self.name, subjects=figures.SUBJECTS, figures=figures.FIGURES)
