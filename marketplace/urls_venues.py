"""The venue pages (public page, profile editor) and the artist page's Gigs and Reviews tabs
(``marketplace.pages``), included from ``marketplace.urls``."""

from django.urls import path

from marketplace.pages import artist_tabs, venues

urlpatterns = [
    path("venues/<slug:slug>/", venues.venue_public, name="venue-public"),
    path("venue/profile/", venues.venue_profile_edit, name="venue-profile-edit"),
    # Under the artist's own path (open before onboarding like the profile); the artist page's
    # own routes are one segment deep (/artists/<slug>/<tab>/), so these never meet them.
    path("artists/<slug:slug>/tabs/gigs/", artist_tabs.artist_gigs, name="artist-gigs-tab"),
    path(
        "artists/<slug:slug>/tabs/reviews/", artist_tabs.artist_reviews, name="artist-reviews-tab"
    ),
]
